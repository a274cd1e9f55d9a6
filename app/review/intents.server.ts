/**
 * The forms the job, review and history pages post, checked before anything acts on them, and
 * the merchant-facing sentence each outcome becomes (a toast). A malformed post answers 422 with
 * errors by field; a refused item is reported, never silently dropped.
 */
import { z } from "zod";

import type { ItemsOutcome } from "~/jobs/review.server";

const itemIds = z
  .array(z.string().trim().min(1).max(64))
  .min(1, "Select at least one image.")
  .max(500, "Select at most 500 images at a time.");
const itemId = z.string().trim().min(1, "Choose an image.").max(64);

export const jobIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("retry"), itemIds }),
  z.object({ intent: z.literal("cancel") }),
]);

export const reviewIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("approve"), itemIds }),
  z.object({ intent: z.literal("reject"), itemIds }),
  z.object({ intent: z.literal("approveAll") }),
  z.object({
    intent: z.literal("regenerate"),
    itemId,
    prompt: z
      .string()
      .trim()
      .max(500, "Keep the prompt under 500 characters.")
      .optional()
      .transform((prompt) => prompt || undefined),
  }),
  z.object({ intent: z.literal("erase"), itemId }),
  z.object({
    intent: z.literal("altText"),
    itemId,
    altText: z.string().max(512, "Keep the alt text under 512 characters.").default(""),
  }),
]);

export const historyIntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("restoreItems"), itemIds }),
  z.object({ intent: z.literal("restoreProduct"), productId: z.string().trim().min(1).max(128) }),
  z.object({ intent: z.literal("restoreJob"), jobId: z.string().trim().min(1).max(64) }),
]);

export type FieldErrors = Record<string, string>;

/** A form as the schemas read it: repeated `itemId` fields become `itemIds`; files are left out
 * (the erase action reads its mask itself). */
export function formFields(form: FormData): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== "string") continue;
    if (name === "itemId") {
      const list = form.getAll("itemId").filter((v): v is string => typeof v === "string");
      fields.itemIds = list;
      fields.itemId = list[0];
    } else {
      fields[name] = value;
    }
  }
  return fields;
}

export function parseIntent<T extends z.ZodTypeAny>(
  schema: T,
  form: FormData,
): { ok: true; data: z.infer<T> } | { ok: false; fieldErrors: FieldErrors } {
  const parsed = schema.safeParse(formFields(form));
  if (parsed.success) return { ok: true, data: parsed.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "form");
    fieldErrors[field] ??=
      field === "intent" ? "This action is not available here." : issue.message;
  }
  return { ok: false, fieldErrors };
}

const images = (n: number) => `${n} ${n === 1 ? "image" : "images"}`;

/** "3 images approved" or "2 images approved; 1 could not be: it is written". */
export function outcomeMessage(done: string, outcome: ItemsOutcome): string {
  const head =
    outcome.done.length > 0 ? `${images(outcome.done.length)} ${done}` : `No images ${done}`;
  if (outcome.refused.length === 0) return head;
  const reasons = [...new Set(outcome.refused.map((refusal) => refusal.reason))];
  const shown = reasons.slice(0, 2).join("; ");
  return `${head}; ${outcome.refused.length} could not be: ${shown}`;
}
