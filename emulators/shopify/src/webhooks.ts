/**
 * Webhook deliveries to the apps, signed and addressed exactly as Shopify does it
 * (https://shopify.dev/docs/apps/build/webhooks/subscribe/https): JSON body, base64 HMAC-SHA256 of
 * the raw body with the app's client secret, and Shopify's standard headers. A delivery that does
 * not get a 2xx is retried with backoff, as Shopify retries.
 *
 * Ids follow Shopify's rules (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates):
 * `X-Shopify-Event-Id` names the event (one per change, the same on every subscription it reaches),
 * `X-Shopify-Webhook-Id` names one delivery, and both stay the same when that delivery is retried
 * or sent again, as does `X-Shopify-Triggered-At` (when the event happened).
 *
 * Tests can make Shopify's at-least-once, unordered delivery happen on demand: `redeliver` sends
 * a delivery again as it was, and `hold` keeps deliveries back until `release` sends them in the
 * order asked for.
 */
import { createHmac, randomUUID } from "node:crypto";

import type { AppRegistration } from "./apps.ts";

export interface WebhookDelivery {
  id: string;
  clientId: string;
  shop: string;
  topic: string;
  /** The event's id, shared by every delivery of one change (X-Shopify-Event-Id). */
  eventId: string;
  /** When the event happened (X-Shopify-Triggered-At). */
  triggeredAt: string;
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

/** Which deliveries `hold` keeps back: all, or those of one shop and/or topic. */
export interface HoldFilter {
  shop?: string;
  topic?: string;
}

export class WebhookDeliveryError extends Error {
  override name = "WebhookDeliveryError";
  readonly status: number;
  constructor(message: string, status = 404) {
    super(message);
    this.status = status;
  }
}

export class WebhookDispatcher {
  readonly deliveries: WebhookDelivery[] = [];
  /** Deliveries kept back by `hold`, in the order they were made. */
  readonly held: WebhookDelivery[] = [];
  private apps: () => AppRegistration[];
  private retryDelaysMs: number[];
  private pending = new Set<Promise<void>>();
  private holding: HoldFilter | null = null;
  /** Retries waiting for their delay; `stop` ends them. */
  private waits = new Set<() => void>();
  private stopped = false;

  constructor(apps: () => AppRegistration[], retryDelaysMs: number[] = [1_000, 5_000, 30_000]) {
    this.apps = apps;
    this.retryDelaysMs = retryDelaysMs;
  }

  /** Sends `topic` to every app on the shop that subscribed to it (compliance topics included). */
  emit(shop: string, topic: string, payload: unknown, onlyClientId?: string) {
    const eventId = randomUUID();
    const triggeredAt = new Date().toISOString();
    for (const app of this.apps()) {
      if (onlyClientId && app.clientId !== onlyClientId) continue;
      for (const subscription of app.webhooks) {
        if (!subscription.topics.includes(topic)) continue;
        const delivery: WebhookDelivery = {
          id: randomUUID(),
          clientId: app.clientId,
          shop,
          topic,
          eventId,
          triggeredAt,
          url: new URL(subscription.uri, `${app.appUrl}/`).toString(),
          body: JSON.stringify(payload),
          attempts: 0,
          status: null,
          error: null,
          deliveredAt: null,
        };
        this.deliveries.push(delivery);
        if (this.holds(delivery)) this.held.push(delivery);
        else this.track(this.attempt(app, delivery));
      }
    }
  }

  /**
   * Sends a delivery again exactly as it was (same body, webhook id, event id and trigger time),
   * as Shopify does when it is not sure the app received it. Answers the delivery once sent.
   */
  async redeliver(deliveryId: string) {
    const delivery = this.deliveries.find((candidate) => candidate.id === deliveryId);
    if (!delivery) throw new WebhookDeliveryError(`No webhook delivery ${deliveryId}`);
    const app = this.appOf(delivery);
    const sent = this.attemptOnce(app, delivery);
    this.track(sent.then(() => undefined));
    await sent;
    return delivery;
  }

  /** From now on keeps deliveries matching `filter` (all without one) back until `release`. */
  hold(filter: HoldFilter = {}) {
    this.holding = { ...filter };
    return { holding: this.holding, held: this.held.length };
  }

  /**
   * Stops holding and sends what was held, one after the other: in the order they were made,
   * newest first (`"reverse"`), or in the order of the delivery ids given (others after them, in
   * order). Answers the deliveries in the order they were sent, once all are sent.
   */
  async release(order: "in-order" | "reverse" | string[] = "in-order") {
    this.holding = null;
    const held = this.held.splice(0);
    let sequence = held;
    if (order === "reverse") sequence = [...held].reverse();
    else if (Array.isArray(order)) {
      const unknown = order.filter((id) => !held.some((delivery) => delivery.id === id));
      if (unknown.length > 0) {
        this.held.push(...held);
        throw new WebhookDeliveryError(`Not held: ${unknown.join(", ")}`, 400);
      }
      const first = order.map((id) => held.find((delivery) => delivery.id === id)!);
      sequence = [...first, ...held.filter((delivery) => !order.includes(delivery.id))];
    }
    const run = (async () => {
      for (const delivery of sequence) await this.attempt(this.appOf(delivery), delivery);
    })();
    this.track(run);
    await run;
    return sequence;
  }

  /**
   * Gives up the retries still waiting (the store is closing: nobody is left to retry for); a
   * request in flight still finishes.
   */
  stop() {
    this.stopped = true;
    for (const wake of this.waits) wake();
    this.waits.clear();
  }

  /** Resolves once every delivery queued so far has succeeded or used up its retries. */
  async idle() {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private holds(delivery: WebhookDelivery) {
    const filter = this.holding;
    if (!filter) return false;
    return (
      (!filter.shop || filter.shop === delivery.shop) &&
      (!filter.topic || filter.topic === delivery.topic)
    );
  }

  private appOf(delivery: WebhookDelivery) {
    const app = this.apps().find((candidate) => candidate.clientId === delivery.clientId);
    if (!app) throw new WebhookDeliveryError(`The app ${delivery.clientId} is not registered`);
    return app;
  }

  private track(promise: Promise<void>) {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  private async attempt(app: AppRegistration, delivery: WebhookDelivery): Promise<void> {
    if (await this.attemptOnce(app, delivery)) return;
    const delay = this.retryDelaysMs[delivery.attempts - 1];
    if (delay === undefined || this.stopped) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delay);
      timer.unref();
      this.waits.add(wake);
    });
    if (this.stopped) return;
    await this.attempt(app, delivery);
  }

  /** One POST of the delivery; true when the app answered 2xx. */
  private async attemptOnce(app: AppRegistration, delivery: WebhookDelivery): Promise<boolean> {
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
          "X-Shopify-Event-Id": delivery.eventId,
          "X-Shopify-Triggered-At": delivery.triggeredAt,
        },
        signal: AbortSignal.timeout(5_000),
      });
      delivery.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        delivery.deliveredAt = new Date().toISOString();
        delivery.error = null;
        return true;
      }
      delivery.error = `HTTP ${response.status}`;
    } catch (error) {
      delivery.error = (error as Error).message;
    }
    return false;
  }
}
