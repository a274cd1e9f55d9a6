/**
 * products/create and products/update as they arrive: recorded, checked and queued, quickly, so
 * the webhook is acknowledged at once (Shopify retries a slow answer). Shopify delivers at least
 * once and in no particular order (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates),
 * so a delivery whose webhook or event id was already recorded does nothing, and neither does one
 * older (by the product's `updated_at`) than a delivery already recorded for the product.
 */
import type { JobDeps } from "../jobs/deps.server.ts";

import { AUTOMATION_QUEUE, type AutoProcessTask } from "./auto-process.server.ts";

export const PRODUCT_TOPICS = ["products/create", "products/update"] as const;
export type ProductTopic = (typeof PRODUCT_TOPICS)[number];

/** The topic as shopify.app.toml names it; the library reports it as PRODUCTS_UPDATE. */
export function productTopic(topic: string): ProductTopic | null {
  const named = topic.toLowerCase().replace("_", "/");
  return (PRODUCT_TOPICS as readonly string[]).includes(named) ? (named as ProductTopic) : null;
}

export interface ProductWebhook {
  shop: string;
  topic: ProductTopic;
  webhookId: string;
  eventId?: string | null;
  /** The REST-style product body Shopify sends for these topics. */
  payload: unknown;
}

export type ProductWebhookOutcome =
  "off" | "invalid" | "duplicate" | "stale" | "no_new_media" | "queued";

/** Shopify retries a delivery for up to 48 hours; older records can no longer catch anything. */
const KEEP_EVENTS_MS = 7 * 86_400_000;

interface ProductPayload {
  id?: unknown;
  admin_graphql_api_id?: unknown;
  updated_at?: unknown;
  media?: Array<{ admin_graphql_api_id?: unknown; created_at?: unknown }>;
}

/** Every shop's delivery records past the retry window: the hourly retention run calls this. */
export async function pruneAutomationEvents(
  db: JobDeps["db"],
  now: Date = new Date(),
): Promise<number> {
  const { count } = await db.automationEvent.deleteMany({
    where: { receivedAt: { lt: new Date(now.getTime() - KEEP_EVENTS_MS) } },
  });
  return count;
}

function productGid(payload: ProductPayload): string | null {
  if (typeof payload.admin_graphql_api_id === "string") {
    return /^gid:\/\/shopify\/Product\/\d+$/.test(payload.admin_graphql_api_id)
      ? payload.admin_graphql_api_id
      : null;
  }
  return typeof payload.id === "number" ? `gid://shopify/Product/${payload.id}` : null;
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The product's media added since automation was switched on, from the delivery's `media`
 * (https://shopify.dev/changelog/media-included-in-product-webhooks): the images the store had
 * before are the merchant's existing catalog, not new arrivals.
 */
function mediaAddedSince(payload: ProductPayload, since: Date): string[] {
  return (payload.media ?? [])
    .filter((media) => {
      const created = dateOf(media.created_at);
      return typeof media.admin_graphql_api_id === "string" && created !== null && created >= since;
    })
    .map((media) => media.admin_graphql_api_id as string);
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

export async function receiveProductWebhook(
  deps: Pick<JobDeps, "db" | "queue">,
  webhook: ProductWebhook,
): Promise<ProductWebhookOutcome> {
  const { db } = deps;
  const { shop } = webhook;
  const settings = await db.shopSettings.findUnique({
    where: { shop },
    select: { autoProcess: true, autoProcessSince: true },
  });
  // Shops without automation keep nothing of their product updates.
  if (!settings?.autoProcess) return "off";
  const payload = (webhook.payload ?? {}) as ProductPayload;
  const productId = productGid(payload);
  if (!productId) return "invalid";
  const updatedAt = dateOf(payload.updated_at);

  try {
    await db.automationEvent.create({
      data: {
        shop,
        webhookId: webhook.webhookId,
        eventId: webhook.eventId || null,
        topic: webhook.topic,
        productId,
        productUpdatedAt: updatedAt,
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) return "duplicate";
    throw error;
  }
  if (updatedAt) {
    const newer = await db.automationEvent.findFirst({
      where: { shop, productId, productUpdatedAt: { gt: updatedAt } },
      select: { id: true },
    });
    if (newer) {
      await db.automationEvent.updateMany({
        where: { shop, webhookId: webhook.webhookId },
        data: { outcome: "stale" },
      });
      return "stale";
    }
  }
  // The product's records too old to matter go as new ones come: one indexed delete.
  await db.automationEvent.deleteMany({
    where: { shop, productId, receivedAt: { lt: new Date(Date.now() - KEEP_EVENTS_MS) } },
  });
  const mediaIds = mediaAddedSince(payload, settings.autoProcessSince ?? new Date(0));
  if (mediaIds.length === 0) {
    await db.automationEvent.updateMany({
      where: { shop, webhookId: webhook.webhookId },
      data: { outcome: "no_new_media" },
    });
    return "no_new_media";
  }
  await deps.queue.enqueue<AutoProcessTask>(
    AUTOMATION_QUEUE,
    { shop, productId, mediaIds },
    { key: autoProcessKey(shop, productId, updatedAt?.getTime() ?? webhook.webhookId) },
  );
  return "queued";
}

/** One task per state of the product (its `updated_at`): two deliveries of one change share it. */
export function autoProcessKey(shop: string, productId: string, version: number | string) {
  return `auto-process:${shop}:${productId}:${version}`;
}
