/**
 * Staged upload targets (stagedUploadsCreate): where an app puts a file's bytes before fileCreate
 * or a product mutation turns them into a file.
 * https://shopify.dev/docs/api/admin-graphql/latest/mutations/stagedUploadsCreate
 *
 * Shopify hands out Google Cloud Storage targets: for POST a form policy (the client sends every
 * parameter, then the `file` field, as multipart/form-data to the bucket URL); for PUT a signed
 * object URL. The dev store issues the same shapes pointing at its own bucket path (uploads.ts):
 * the object key carries a random uuid, as Shopify's `tmp/<shop>/<folder>/<uuid>/<filename>` keys
 * do, and the policy and signature it issued are the only ones the bucket accepts.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";

import type { ResolverContext } from "../context.ts";
import type { StagedUploadRecord } from "../state.ts";
import { shopNumber } from "../views.ts";
import { notImplemented, userError, type UserErrorView } from "./errors.ts";
import {
  MAX_BULK_VARIABLES_BYTES,
  MAX_GENERIC_FILE_BYTES,
  MAX_IMAGE_BYTES,
  STAGED_OBJECT_LIFETIME_MS,
  STAGED_TARGET_LIFETIME_MS,
} from "./limits.ts";

/** The bucket's path on the dev store: the POST target, and the prefix of every object. */
export const STAGED_UPLOADS_PATH = "/staged-uploads";
export const STAGED_BUCKET = "shopify-staged-uploads";

const GOOG_ALGORITHM = "GOOG4-RSA-SHA256";
const GOOG_ACCOUNT = "dev-store@shopify-staged-uploads.iam.gserviceaccount.com";

/** The resources the dev store stages, with the folder of their keys and their size limit. */
const RESOURCES: Record<string, { folder: string; maxBytes: number }> = {
  IMAGE: { folder: "products", maxBytes: MAX_IMAGE_BYTES },
  PRODUCT_IMAGE: { folder: "products", maxBytes: MAX_IMAGE_BYTES },
  SHOP_IMAGE: { folder: "files", maxBytes: MAX_IMAGE_BYTES },
  FILE: { folder: "files", maxBytes: MAX_GENERIC_FILE_BYTES },
  BULK_MUTATION_VARIABLES: { folder: "bulk", maxBytes: MAX_BULK_VARIABLES_BYTES },
};

export interface StagedUploadInput {
  filename: string;
  mimeType: string;
  resource: string;
  httpMethod?: "POST" | "PUT" | null;
  /** UnsignedInt64: a string in JSON, or a number. */
  fileSize?: string | number | null;
}

export interface StagedTarget {
  url: string;
  resourceUrl: string;
  parameters: Array<{ name: string; value: string }>;
}

/** "20260101T120000Z", the x-goog-date format. */
function googDate(date: Date) {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** The object path under the bucket, each segment escaped as in a URL. */
export function objectPath(key: string) {
  return `${STAGED_UPLOADS_PATH}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

function formatMegabytes(bytes: number) {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** The form fields a POST upload must carry, in the order Shopify lists them. */
function postParameters(record: StagedUploadRecord, issuedAt: Date) {
  const date = googDate(issuedAt);
  return [
    { name: "Content-Type", value: record.mimeType },
    { name: "success_action_status", value: "201" },
    { name: "acl", value: "private" },
    { name: "key", value: record.key },
    { name: "x-goog-date", value: date },
    {
      name: "x-goog-credential",
      value: `${GOOG_ACCOUNT}/${date.slice(0, 8)}/auto/storage/goog4_request`,
    },
    { name: "x-goog-algorithm", value: GOOG_ALGORITHM },
  ];
}

/**
 * The fields of an issued POST policy that the uploaded form must repeat exactly (a GCS policy's
 * `eq` conditions), the content-length range aside.
 */
export function policyFields(record: StagedUploadRecord): Map<string, string> {
  const policy = JSON.parse(Buffer.from(record.policy ?? "", "base64").toString("utf8")) as {
    conditions: Array<Record<string, string> | unknown[]>;
  };
  const fields = new Map<string, string>();
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) continue;
    for (const [name, value] of Object.entries(condition)) {
      if (name !== "bucket") fields.set(name, value);
    }
  }
  return fields;
}

function sign(payload: string) {
  // A one-off key: nobody, the dev store included, can sign another policy with it; the bucket
  // accepts exactly the signature it issued.
  return createHmac("sha256", randomBytes(32)).update(payload).digest("hex");
}

function resourceRule(resource: string) {
  const rule = RESOURCES[resource];
  if (!rule) throw notImplemented(`staged uploads of ${resource} resources`);
  return rule;
}

const declaredSizeOf = (input: StagedUploadInput) =>
  input.fileSize === undefined || input.fileSize === null ? null : Number(input.fileSize);

/** What is wrong with one input (nothing: an empty list). */
export function checkStagedInput(input: StagedUploadInput, index: number): UserErrorView[] {
  const rule = resourceRule(input.resource);
  const errors: UserErrorView[] = [];
  const filename = input.filename.trim();
  if (!filename || filename.includes("/")) {
    errors.push(userError(["input", index, "filename"], "Filename is invalid"));
  }
  if (!input.mimeType.trim()) {
    errors.push(userError(["input", index, "mimeType"], "Mime type can't be blank"));
  }
  const declaredSize = declaredSizeOf(input);
  if (declaredSize !== null && (!Number.isSafeInteger(declaredSize) || declaredSize < 0)) {
    errors.push(userError(["input", index, "fileSize"], "File size is invalid"));
  } else if (declaredSize !== null && declaredSize > rule.maxBytes) {
    errors.push(
      userError(
        ["input", index, "fileSize"],
        `File size exceeds the maximum of ${formatMegabytes(rule.maxBytes)} for ${input.resource} uploads`,
      ),
    );
  }
  return errors;
}

/** Issues the target of an input checkStagedInput found nothing wrong with. */
export function issueStagedTarget(
  context: ResolverContext,
  input: StagedUploadInput,
): StagedTarget {
  const rule = resourceRule(input.resource);
  const filename = input.filename.trim();
  const declaredSize = declaredSizeOf(input);
  const now = context.now();
  const key = `tmp/${shopNumber(context.shop)}/${rule.folder}/${randomUUID()}/${filename}`;
  const httpMethod = input.httpMethod ?? "PUT"; // StagedUploadInput.httpMethod defaults to PUT
  const expiresAt = new Date(now.getTime() + STAGED_TARGET_LIFETIME_MS);
  const record: StagedUploadRecord = {
    key,
    shop: context.shop.domain,
    filename,
    mimeType: input.mimeType,
    resource: input.resource,
    httpMethod,
    maxBytes: declaredSize ?? rule.maxBytes,
    declaredSize,
    blobKey: null,
    byteSize: null,
    uploadedAt: null,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  const resourceUrl = context.publicUrl(objectPath(key));

  if (httpMethod === "POST") {
    const fields = postParameters(record, now);
    record.policy = Buffer.from(
      JSON.stringify({
        conditions: [
          { bucket: STAGED_BUCKET },
          ...fields.map((field) => ({ [field.name]: field.value })),
          ["content-length-range", 0, record.maxBytes],
        ],
        expiration: expiresAt.toISOString(),
      }),
    ).toString("base64");
    record.signature = sign(record.policy);
    saveRecord(context, record);
    return {
      url: context.publicUrl(`${STAGED_UPLOADS_PATH}/`),
      resourceUrl,
      parameters: [
        ...fields,
        { name: "x-goog-signature", value: record.signature },
        { name: "policy", value: record.policy },
      ],
    };
  }

  const date = googDate(now);
  const query = new URLSearchParams({
    "X-Goog-Algorithm": GOOG_ALGORITHM,
    "X-Goog-Credential": `${GOOG_ACCOUNT}/${date.slice(0, 8)}/auto/storage/goog4_request`,
    "X-Goog-Date": date,
    "X-Goog-Expires": String(STAGED_TARGET_LIFETIME_MS / 1000),
    "X-Goog-SignedHeaders": "content-type;host",
  });
  record.signature = sign(`${key}?${query}`);
  query.set("X-Goog-Signature", record.signature);
  saveRecord(context, record);
  return {
    url: `${resourceUrl}?${query}`,
    resourceUrl,
    parameters: [
      { name: "content_type", value: record.mimeType },
      { name: "acl", value: "private" },
    ],
  };
}

function saveRecord(context: ResolverContext, record: StagedUploadRecord) {
  const uploads = context.store.state.stagedUploads;
  // Staged objects are temporary: forget those past their lifetime (and their bytes).
  const cutoff = context.now().getTime() - STAGED_OBJECT_LIFETIME_MS;
  for (const [key, old] of Object.entries(uploads)) {
    if (Date.parse(old.createdAt) >= cutoff) continue;
    if (old.blobKey) context.store.deleteBlob(old.blobKey);
    delete uploads[key];
  }
  uploads[record.key] = record;
  context.store.changed();
}

/** The staged object a URL names, if it is one of this dev store's bucket objects. */
export function stagedObjectKey(context: ResolverContext, url: URL): string | null {
  const bucket = new URL(context.publicUrl(`${STAGED_UPLOADS_PATH}/`));
  if (url.origin !== bucket.origin || !url.pathname.startsWith(bucket.pathname)) return null;
  try {
    return decodeURIComponent(url.pathname.slice(bucket.pathname.length));
  } catch {
    return null;
  }
}

/**
 * The bytes uploaded to a staged target of this shop, found by its resourceUrl or its key (the
 * `key` parameter, which bulkOperationRunMutation takes as `stagedUploadPath`).
 */
export function stagedUploadBytes(
  context: ResolverContext,
  keyOrUrl: string,
): { record: StagedUploadRecord; bytes: Buffer } | null {
  let key: string | null = keyOrUrl;
  if (/^https?:\/\//.test(keyOrUrl)) {
    try {
      key = stagedObjectKey(context, new URL(keyOrUrl));
    } catch {
      key = null;
    }
  }
  const record = key === null ? undefined : context.store.state.stagedUploads[key];
  if (!record || record.shop !== context.shop.domain || !record.blobKey) return null;
  const bytes = context.store.readBlob(record.blobKey);
  return bytes ? { record, bytes } : null;
}
