/**
 * What the dev store keeps running between requests for bulk operations, billing and the app
 * lifecycle: its clock, which tests and the demo can move forward (Shopify's 48-hour and 2-day
 * rules run on it), timers, and webhooks addressed to one app.
 *
 * Resolvers only get a ResolverContext, which has the shop's StateStore but not the dev store, so
 * each runtime registers itself and `runtimeFor(context)` finds the one that owns the store.
 */
import type { ResolverContext } from "./context.ts";
import type { DevStore } from "./server.ts";
import type { ShopRecord } from "./state.ts";

/** How long a bulk operation waits before it starts, and between the pages it reads. */
export interface BulkPace {
  startDelayMs: number;
  pageDelayMs: number;
}

const live = new Set<WeakRef<DevStoreRuntime>>();

/** One Billing API mutation as the dev store received it (GET /_dev/billing). */
export interface BillingCall {
  shop: string;
  clientId: string;
  mutation: string;
  /** What identifies the charge: a usage record's idempotency key, a charge's name or id. */
  key: string | null;
  /** The charge it made or changed; null when Shopify refused it. */
  chargeId: string | null;
  at: string;
}

export class DevStoreRuntime {
  readonly devStore: DevStore;
  bulkPace: BulkPace = { startDelayMs: 200, pageDelayMs: 100 };
  /** Every Billing API mutation, so tests can check that no charge was asked for twice. */
  readonly billingCalls: BillingCall[] = [];

  constructor(devStore: DevStore) {
    // Created while the DevStore constructs itself: only keep the reference here.
    this.devStore = devStore;
    live.add(new WeakRef(this));
  }

  /** The dev store's time: real time plus however far the clock was advanced. */
  now(): Date {
    return new Date(Date.now() + (this.devStore.store.state.clockOffsetMs ?? 0));
  }

  /** Runs `task` after `ms` of real time; the timer never keeps the process alive. */
  later(ms: number, task: () => void | Promise<void>): () => void {
    const timer = setTimeout(() => {
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => console.error("[dev store]", error));
    }, ms);
    timer.unref();
    return () => clearTimeout(timer);
  }

  /** Sends a webhook to one app only: billing and bulk topics concern the app that caused them. */
  emitTo(shop: ShopRecord | string, clientId: string, topic: string, payload: unknown) {
    const domain = typeof shop === "string" ? shop : shop.domain;
    this.devStore.webhooks.emit(domain, topic, payload, clientId);
  }

  app(clientId: string) {
    return this.devStore.apps.find((app) => app.clientId === clientId);
  }
}

/** The runtime of the dev store whose state a resolver is working on. */
export function runtimeFor(context: Pick<ResolverContext, "store">): DevStoreRuntime {
  for (const ref of live) {
    const runtime = ref.deref();
    if (!runtime) {
      live.delete(ref);
      continue;
    }
    if (runtime.devStore.store === context.store) return runtime;
  }
  throw new Error("No dev store owns this state (was the DevStore constructed?)");
}
