/**
 * The merchant's own alt text for a result, set in review before approving: it is stored on the
 * result (Variant.altText), which the write step sends with the image. Only a result still waiting
 * for review can change; an empty text means "keep the original's alt text".
 */
import type { PrismaClient } from "@prisma/client";

/** Shopify's limit for a media's alt text. */
export const ALT_TEXT_LIMIT = 512;

export type AltTextOutcome = "saved" | "not_found" | "not_reviewable";

export async function setResultAltText(
  db: PrismaClient,
  shop: string,
  itemId: string,
  altText: string,
): Promise<AltTextOutcome> {
  const item = await db.jobItem.findFirst({ where: { id: itemId, shop } });
  if (!item) return "not_found";
  if (item.status !== "ready_for_review") return "not_reviewable";
  const variant = await db.variant.findFirst({
    where: { shop, jobItemId: item.id, review: "pending" },
    orderBy: { createdAt: "desc" },
  });
  if (!variant) return "not_reviewable";
  const text = altText.replace(/\s+/g, " ").trim().slice(0, ALT_TEXT_LIMIT);
  await db.variant.updateMany({
    where: { id: variant.id, shop },
    data: { altText: text || null },
  });
  return "saved";
}
