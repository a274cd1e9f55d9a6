/**
 * Webhook deliveries as Replicate makes them: a POST of the prediction's JSON, signed the Standard
 * Webhooks way (https://replicate.com/docs/topics/webhooks/verify-webhook): headers webhook-id,
 * webhook-timestamp (Unix seconds) and webhook-signature ("v1,<base64 HMAC-SHA256>" of
 * "<id>.<timestamp>.<body>", keyed with the base64 part of the whsec_ secret). Failed deliveries
 * are retried with the same webhook-id, as Replicate does.
 */
import { createHmac, randomBytes } from "node:crypto";

export type WebhookEvent = "start" | "output" | "logs" | "completed";
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ["start", "output", "logs", "completed"];

export function generateSigningSecret() {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export function signWebhook(secret: string, id: string, timestamp: number, body: string) {
  const key = Buffer.from(secret.slice(secret.indexOf("_") + 1), "base64");
  const digest = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${digest}`;
}

export interface WebhookDelivery {
  predictionId: string;
  event: WebhookEvent;
  url: string;
  webhookId: string;
  attempt: number;
  status: number | "network-error";
  at: number;
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly secret: () => string;
  private readonly retryDelaysMs: number[];
  private readonly pending = new Set<Promise<void>>();
  /** Deliveries for one prediction go out in order, one at a time. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(secret: () => string, retryDelaysMs: number[]) {
    this.secret = secret;
    this.retryDelaysMs = retryDelaysMs;
  }

  send(predictionId: string, event: WebhookEvent, url: string, body: string) {
    const previous = this.queues.get(predictionId) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(predictionId, event, url, body));
    this.queues.set(predictionId, next);
    this.pending.add(next);
    void next.finally(() => this.pending.delete(next));
  }

  /** Resolves once every delivery started so far has finished (or given up). */
  async idle() {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(predictionId: string, event: WebhookEvent, url: string, body: string) {
    const webhookId = `msg_${randomBytes(12).toString("hex")}`;
    for (let attempt = 0; attempt <= this.retryDelaysMs.length; attempt++) {
      if (attempt > 0) await sleep(this.retryDelaysMs[attempt - 1]!);
      const timestamp = Math.floor(Date.now() / 1000);
      let status: number | "network-error";
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "Replicate-Webhooks/emulator",
            "webhook-id": webhookId,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": signWebhook(this.secret(), webhookId, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = "network-error";
      }
      this.deliveries.push({
        predictionId,
        event,
        url,
        webhookId,
        attempt,
        status,
        at: Date.now(),
      });
      if (typeof status === "number" && status >= 200 && status < 300) return;
    }
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
