/**
 * Shopify's leaky bucket for the GraphQL Admin API, one per app and store
 * (https://shopify.dev/docs/api/usage/rate-limits): points restore continuously at the plan's rate;
 * a query whose requested cost exceeds what is available is refused with THROTTLED and costs nothing.
 */
import type { ShopPlan } from "./state.ts";

/** Restore rates Shopify publishes per plan, in points per second. */
export const RESTORE_RATE: Record<ShopPlan, number> = {
  Development: 100,
  Basic: 100,
  Shopify: 100,
  Advanced: 200,
  Plus: 1000,
};

/** Shopify's bucket holds twenty seconds of restore (2,000 points on Standard plans). */
export const DEFAULT_BUCKET_SECONDS = 20;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export class CostBuckets {
  private buckets = new Map<string, { available: number; at: number }>();
  private bucketSeconds: number;
  private now: () => number;

  constructor(bucketSeconds = DEFAULT_BUCKET_SECONDS, now: () => number = Date.now) {
    this.bucketSeconds = bucketSeconds;
    this.now = now;
  }

  private bucket(key: string, plan: ShopPlan) {
    const rate = RESTORE_RATE[plan];
    const maximum = rate * this.bucketSeconds;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { available: maximum, at: now };
    bucket.available = Math.min(maximum, bucket.available + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return { bucket, rate, maximum };
  }

  /** Takes `cost` points if they are there; says whether it could. */
  take(key: string, plan: ShopPlan, cost: number): { ok: boolean; status: ThrottleStatus } {
    const { bucket, rate, maximum } = this.bucket(key, plan);
    const ok = cost <= bucket.available;
    if (ok) bucket.available -= cost;
    return { ok, status: this.status(bucket.available, maximum, rate) };
  }

  /** Gives back what a query was charged beyond its actual cost. */
  refund(key: string, plan: ShopPlan, points: number): ThrottleStatus {
    const { bucket, rate, maximum } = this.bucket(key, plan);
    bucket.available = Math.min(maximum, bucket.available + points);
    return this.status(bucket.available, maximum, rate);
  }

  private status(available: number, maximum: number, rate: number): ThrottleStatus {
    return {
      maximumAvailable: maximum,
      currentlyAvailable: Math.floor(available),
      restoreRate: rate,
    };
  }
}
