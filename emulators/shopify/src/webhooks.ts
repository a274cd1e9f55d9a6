/**
 * Webhook deliveries to the apps, signed and addressed exactly as Shopify does it
 * (https://shopify.dev/docs/apps/build/webhooks/subscribe/https): JSON body, base64 HMAC-SHA256 of
 * the raw body with the app's client secret, and Shopify's standard headers. A delivery that does
 * not get a 2xx is retried with backoff, as Shopify retries.
 */
import { createHmac, randomUUID } from "node:crypto";

import type { AppRegistration } from "./apps.ts";

export interface WebhookDelivery {
  id: string;
  clientId: string;
  shop: string;
  topic: string;
  url: string;
  body: string;
  attempts: number;
  status: number | null;
  error: string | null;
  deliveredAt: string | null;
}

export function signWebhookBody(body: string, secret: string) {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  private apps: () => AppRegistration[];
  private retryDelaysMs: number[];
  private pending = new Set<Promise<void>>();

  constructor(apps: () => AppRegistration[], retryDelaysMs: number[] = [1_000, 5_000, 30_000]) {
    this.apps = apps;
    this.retryDelaysMs = retryDelaysMs;
  }

  /** Sends `topic` to every app on the shop that subscribed to it (compliance topics included). */
  emit(shop: string, topic: string, payload: unknown, onlyClientId?: string) {
    for (const app of this.apps()) {
      if (onlyClientId && app.clientId !== onlyClientId) continue;
      for (const subscription of app.webhooks) {
        if (!subscription.topics.includes(topic)) continue;
        const delivery: WebhookDelivery = {
          id: randomUUID(),
          clientId: app.clientId,
          shop,
          topic,
          url: new URL(subscription.uri, `${app.appUrl}/`).toString(),
          body: JSON.stringify(payload),
          attempts: 0,
          status: null,
          error: null,
          deliveredAt: null,
        };
        this.deliveries.push(delivery);
        this.track(this.attempt(app, delivery));
      }
    }
  }

  /** Resolves once every delivery queued so far has succeeded or used up its retries. */
  async idle() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(promise: Promise<void>) {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async attempt(app: AppRegistration, delivery: WebhookDelivery): Promise<void> {
    delivery.attempts += 1;
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        body: delivery.body,
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Topic": delivery.topic,
          "X-Shopify-Hmac-Sha256": signWebhookBody(delivery.body, app.clientSecret),
          "X-Shopify-Shop-Domain": delivery.shop,
          "X-Shopify-API-Version": app.apiVersion,
          "X-Shopify-Webhook-Id": delivery.id,
          "X-Shopify-Event-Id": randomUUID(),
          "X-Shopify-Triggered-At": new Date().toISOString(),
        },
        signal: AbortSignal.timeout(5_000),
      });
      delivery.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        delivery.deliveredAt = new Date().toISOString();
        delivery.error = null;
        return;
      }
      delivery.error = `HTTP ${response.status}`;
    } catch (error) {
      delivery.error = (error as Error).message;
    }
    const delay = this.retryDelaysMs[delivery.attempts - 1];
    if (delay === undefined) return;
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    await this.attempt(app, delivery);
  }
}
