/**
 * Replicate's webhooks, received: signature verification on the raw body, and the hand-over of
 * finished predictions to whoever in this process is waiting for them.
 *
 * Verification follows https://replicate.com/docs/topics/webhooks/verify-webhook (the Standard
 * Webhooks scheme): HMAC-SHA256, keyed with the base64 part of the whsec_ signing secret, over
 * "<webhook-id>.<webhook-timestamp>.<raw body>", compared in constant time with each "v1,<sig>"
 * of the webhook-signature header; timestamps more than five minutes off are refused (replays).
 * The `replicate` client's own validateWebhook compares with === and checks no timestamp.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

import type { Prediction } from "replicate";

export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookVerdict = { ok: true } | { ok: false; reason: string };

export function verifyReplicateWebhook(
  headers: Headers,
  rawBody: string,
  signingSecret: string,
  now = Date.now(),
): WebhookVerdict {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing webhook headers" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "malformed webhook-timestamp" };
  if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return { ok: false, reason: "webhook-timestamp outside the tolerance" };
  }
  const key = Buffer.from(signingSecret.slice(signingSecret.indexOf("_") + 1), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${rawBody}`).digest();
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

const TERMINAL = new Set(["succeeded", "failed", "canceled", "aborted"]);

export function isTerminal(prediction: Pick<Prediction, "status">) {
  return TERMINAL.has(prediction.status);
}

/**
 * In-process delivery of prediction updates from the webhook route to waiting runners. A webhook
 * can beat the create response (Prefer: wait) or land before anyone subscribes; terminal updates
 * are kept for a while so a late subscriber still gets them. A webhook that reaches a process
 * where nobody waits is harmless: the waiter elsewhere finds the result by polling.
 */
export class PredictionUpdates {
  private readonly listeners = new Map<string, Set<(prediction: Prediction) => void>>();
  private readonly recent = new Map<string, { prediction: Prediction; at: number }>();
  private readonly seenWebhooks = new Map<string, number>();
  private readonly keepMs: number;

  constructor(keepMs = 10 * 60 * 1000) {
    this.keepMs = keepMs;
  }

  /** False when this webhook-id was already handled (Replicate redelivers with the same id). */
  firstDelivery(webhookId: string) {
    this.forgetOld();
    if (this.seenWebhooks.has(webhookId)) return false;
    this.seenWebhooks.set(webhookId, Date.now());
    return true;
  }

  publish(prediction: Prediction) {
    if (isTerminal(prediction)) {
      this.recent.set(prediction.id, { prediction, at: Date.now() });
    }
    for (const listener of this.listeners.get(prediction.id) ?? []) listener(prediction);
  }

  subscribe(id: string, listener: (prediction: Prediction) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    const early = this.recent.get(id);
    if (early) queueMicrotask(() => listener(early.prediction));
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  private forgetOld() {
    const cutoff = Date.now() - this.keepMs;
    for (const [id, { at }] of this.recent) if (at < cutoff) this.recent.delete(id);
    for (const [id, at] of this.seenWebhooks) if (at < cutoff) this.seenWebhooks.delete(id);
  }
}
