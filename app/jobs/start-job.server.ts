/**
 * A merchant asks for a job: the request is checked and recorded at once, and the slow part
 * (listing the selected products' images, a bulk operation for a whole catalog) runs as the
 * job's intake task, so the page answers immediately and a crash mid-intake loses nothing.
 */
import { z } from "zod";

import { recordAudit } from "../audit/audit.server.ts";
import type { ProductSelection, SelectedImages } from "../shopify/catalog.server.ts";

import type { JobDeps, JobTask } from "./deps.server.ts";
import { QUEUES } from "./deps.server.ts";
import { ADD_POSITIONS, recipeSchema, WRITE_MODES, type AddPosition } from "./recipe.ts";

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;
const MEDIA_GID = /^gid:\/\/shopify\/[A-Za-z]+\/\d+$/;

export const jobRequestSchema = z.object({
  selection: z.union([
    z.object({
      productIds: z
        .array(z.string().regex(PRODUCT_GID, "must be Shopify product ids"))
        .min(1, "Select at least one product.")
        .max(10_000),
      // Only these media of the products (automation processes a product's new images only).
      mediaIds: z
        .array(z.string().regex(MEDIA_GID, "must be Shopify media ids"))
        .min(1)
        .max(250)
        .optional(),
    }),
    // Shopify's product search syntax; "" is the whole catalog.
    z.object({ query: z.string().max(1_000) }),
  ]),
  recipe: recipeSchema,
  mode: z.enum(WRITE_MODES).default("replace"),
  /** Where mode "add" puts each new image among the product's media. */
  position: z.enum(ADD_POSITIONS).default("after-original"),
  autoApprove: z.boolean().default(false),
});

export type JobRequest = z.input<typeof jobRequestSchema>;

export async function startJob(
  deps: Pick<JobDeps, "db" | "queue">,
  shop: string,
  input: JobRequest,
) {
  const request = jobRequestSchema.parse(input);
  const job = await deps.db.job.create({
    data: {
      shop,
      recipe: JSON.stringify(request.recipe),
      selection: JSON.stringify({ ...request.selection, position: request.position }),
      mode: request.mode,
      autoApprove: request.autoApprove,
    },
  });
  await deps.queue.enqueue<JobTask>(
    QUEUES.intake,
    { shop, jobId: job.id },
    { key: `intake:${job.id}` },
  );
  await recordAudit(deps.db, shop, {
    action: "job.started",
    actor: "merchant",
    subjectType: "job",
    subjectId: job.id,
    details: {
      preset: request.recipe.preset,
      mode: request.mode,
      autoApprove: request.autoApprove,
    },
  });
  return job;
}

/**
 * The job's stored request: the selection intake lists, and where added images go. The placement
 * travels in the selection's JSON (beside what was selected) rather than a column of its own;
 * jobs stored before it existed place after the original.
 */
export function readJobRequest(job: { selection: string }): {
  selection: ProductSelection;
  position: AddPosition;
} {
  const { position, ...selection } = JSON.parse(job.selection) as ProductSelection & {
    position?: AddPosition;
  };
  return {
    selection: selection as ProductSelection,
    position: position && ADD_POSITIONS.includes(position) ? position : "after-original",
  };
}

/** What intake listed, narrowed to the media the selection names when it names any. */
export function onlySelectedMedia(
  listed: SelectedImages,
  selection: ProductSelection & { mediaIds?: string[] },
): SelectedImages {
  const mediaIds = "mediaIds" in selection ? selection.mediaIds : undefined;
  if (!mediaIds) return listed;
  const wanted = new Set(mediaIds);
  return {
    images: listed.images.filter((image) => wanted.has(image.mediaId)),
    skipped: listed.skipped.filter((media) => !media.mediaId || wanted.has(media.mediaId)),
  };
}
