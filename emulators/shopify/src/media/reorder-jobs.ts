/**
 * productReorderMedia is asynchronous in Shopify: it answers with a Job and moves the media later;
 * `job(id:)` says when it is done. Here the moves apply after the dev store's processing delay,
 * and on the next read of a job if the dev store restarted in between.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/productReorderMedia
 */
import { randomUUID } from "node:crypto";

import type { ResolverContext } from "../context.ts";
import { gid } from "../ids.ts";
import { runtimeFor } from "../runtime.ts";
import type { JobRecord, ProductRecord } from "../state.ts";
import { announceProducts } from "./product-media.ts";

const KEEP_DONE_JOBS_MS = 24 * 60 * 60 * 1000;

function jobs(context: ResolverContext): JobRecord[] {
  context.shop.jobs ??= [];
  return context.shop.jobs;
}

/** A reorder of this product that has not been applied yet. */
export function pendingReorder(context: ResolverContext, productId: number) {
  return jobs(context).find((job) => !job.done && job.productId === productId);
}

/** Each move takes the media out and puts it at its zero-based new position (clamped). */
function applyJob(context: ResolverContext, job: JobRecord) {
  if (job.done) return;
  job.done = true;
  const product = context.shop.products.find((candidate) => candidate.id === job.productId);
  if (!product) return;
  for (const move of job.moves) {
    const from = product.mediaIds.indexOf(move.mediaId);
    if (from === -1) continue; // deleted since the job was created
    product.mediaIds.splice(from, 1);
    product.mediaIds.splice(Math.min(move.newPosition, product.mediaIds.length), 0, move.mediaId);
  }
  announceProducts(context, [product.id]);
}

/** Applies jobs whose time has come (after a restart their timers are gone). */
function applyDueJobs(context: ResolverContext) {
  const now = context.now().getTime();
  for (const job of jobs(context))
    if (!job.done && Date.parse(job.dueAt) <= now) applyJob(context, job);
}

export function scheduleReorder(
  context: ResolverContext,
  product: ProductRecord,
  moves: JobRecord["moves"],
): JobRecord {
  const runtime = runtimeFor(context);
  const delay = runtime.devStore.processingDelayMs;
  const now = context.now().getTime();
  context.shop.jobs = jobs(context).filter(
    (job) => !job.done || now - Date.parse(job.createdAt) < KEEP_DONE_JOBS_MS,
  );
  const job: JobRecord = {
    id: randomUUID(),
    kind: "productReorderMedia",
    productId: product.id,
    moves,
    createdAt: new Date(now).toISOString(),
    dueAt: new Date(now + delay).toISOString(),
    done: false,
  };
  context.shop.jobs.push(job);
  context.store.changed();
  runtime.later(delay, () => applyJob(context, job));
  return job;
}

export function jobView(job: JobRecord) {
  return { __typename: "Job", id: gid("Job", job.id), done: job.done };
}

/** `job(id:)`: the job, brought up to date; null for an id this shop never had. */
export function findJob(context: ResolverContext, id: unknown) {
  applyDueJobs(context);
  // Job ids are uuids, which parseGid (numeric ids) does not read.
  const match = typeof id === "string" ? /^gid:\/\/shopify\/Job\/([\w-]+)$/.exec(id) : null;
  const job = match ? jobs(context).find((candidate) => candidate.id === match[1]) : undefined;
  return job ? jobView(job) : null;
}
