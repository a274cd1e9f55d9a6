/**
 * Replicate's account rate limits (https://replicate.com/docs/topics/predictions/rate-limits):
 * prediction creation at 600 requests a minute, every other endpoint at 3000, "short bursts above
 * the default rate limits" allowed, and over the limit a 429 whose body says when the limit
 * resets ("Request was throttled. Your rate limit resets in ~30s.").
 *
 * Modelled as fixed windows (the "resets in" wording): within a window any pace is fine (the
 * bursts), past its allowance every request is refused until the window ends, with Retry-After
 * saying when. The real service's algorithm and burst size are not published.
 */

export interface RateLimits {
  /** Prediction creations per window (Replicate: 600 a minute). */
  creates?: number;
  /** Every other API request per window (Replicate: 3000 a minute). */
  requests?: number;
  /** The window (Replicate: one minute); shorter in tests. */
  windowMs?: number;
}

export const REPLICATE_RATE_LIMITS: Required<RateLimits> = {
  creates: 600,
  requests: 3000,
  windowMs: 60_000,
};

interface Window {
  startedAt: number;
  used: number;
}

export class RateLimiter {
  readonly limits: Required<RateLimits>;
  private readonly windows: Record<"create" | "other", Window> = {
    create: { startedAt: 0, used: 0 },
    other: { startedAt: 0, used: 0 },
  };

  constructor(limits: RateLimits) {
    this.limits = { ...REPLICATE_RATE_LIMITS, ...limits };
  }

  /** Counts the request; null when it may pass, else the seconds until its window resets. */
  take(kind: "create" | "other", now = Date.now()): number | null {
    const window = this.windows[kind];
    if (now - window.startedAt >= this.limits.windowMs) {
      window.startedAt = now;
      window.used = 0;
    }
    const allowance = kind === "create" ? this.limits.creates : this.limits.requests;
    if (window.used < allowance) {
      window.used += 1;
      return null;
    }
    return Math.max(1, Math.ceil((window.startedAt + this.limits.windowMs - now) / 1000));
  }
}
