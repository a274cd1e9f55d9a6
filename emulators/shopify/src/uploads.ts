/**
 * The bucket behind staged upload targets, answering as Google Cloud Storage does, since that is
 * what Shopify's targets are (media/staged-targets.ts issues them):
 *
 * - POST <bucket>/ with multipart/form-data: every issued parameter, then `file` last; the signed
 *   policy's conditions (each field's value, the content-length range, the expiry) are enforced.
 *   https://cloud.google.com/storage/docs/xml-api/post-object
 * - PUT <object URL>?X-Goog-Signature=…: the body is the file; the signed Content-Type must match.
 * - Objects are private (acl "private"): reading one back is refused, as for Shopify's tmp/ objects.
 *
 * Success is 201 with a PostResponse document when success_action_status is 201 (204 otherwise),
 * 200 for PUT; failures are GCS's XML errors.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

import {
  objectPath,
  policyFields,
  STAGED_BUCKET,
  STAGED_UPLOADS_PATH,
} from "./media/staged-targets.ts";
import type { DevStore, DevStoreRoute } from "./server.ts";
import type { StagedUploadRecord } from "./state.ts";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, PUT, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, x-goog-acl",
  "Access-Control-Expose-Headers": "ETag, Location",
};

const escapeXml = (value: string) =>
  value.replace(
    /[<>&'"]/g,
    (char) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[char]!,
  );

function xml(status: number, body: string, headers: Record<string, string> = {}) {
  return new Response(`<?xml version='1.0' encoding='UTF-8'?>${body}`, {
    status,
    headers: { "Content-Type": "application/xml; charset=UTF-8", ...CORS, ...headers },
  });
}

function gcsError(status: number, code: string, message: string, details?: string) {
  return xml(
    status,
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${
      details ? `<Details>${escapeXml(details)}</Details>` : ""
    }</Error>`,
  );
}

const invalidArgument = (details: string) =>
  gcsError(400, "InvalidArgument", "Invalid argument.", details);
const signatureMismatch = (details: string) =>
  gcsError(
    403,
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.",
    details,
  );
const policyViolation = (details: string) =>
  gcsError(
    400,
    "InvalidPolicyDocument",
    "The content of the form does not meet the conditions specified in the policy document.",
    details,
  );
const tooLarge = (details: string) =>
  gcsError(
    400,
    "EntityTooLarge",
    "Your proposed upload is larger than the maximum object size specified in your Policy Document.",
    details,
  );

function sameSecret(given: string | null | undefined, issued: string | undefined) {
  if (!given || !issued || given.length !== issued.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(issued));
}

/** The dev store's clock as resolvers see it, so expiry agrees with the times they wrote. */
function now(devStore: DevStore, record: StagedUploadRecord) {
  const shop = devStore.store.shop(record.shop);
  return shop ? devStore.context(shop, "", []).now() : new Date();
}

function store(devStore: DevStore, record: StagedUploadRecord, bytes: Buffer) {
  // Like a bucket, a second upload to the same key replaces the object.
  if (record.blobKey) devStore.store.deleteBlob(record.blobKey);
  record.blobKey = `staged-${randomBytes(12).toString("hex")}`;
  devStore.store.writeBlob(record.blobKey, bytes);
  record.byteSize = bytes.length;
  record.uploadedAt = now(devStore, record).toISOString();
  devStore.store.changed();
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}

// Fields GCS does not hold to the policy's conditions.
const UNCONDITIONED = new Set(["policy", "x-goog-signature", "file"]);

async function postObject(request: Request, url: URL, devStore: DevStore) {
  if (!(request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    return invalidArgument("POST object expects Content-Type multipart/form-data");
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return invalidArgument("The multipart/form-data body could not be parsed");
  }
  const entries = [...form.entries()];
  const file = form.get("file");
  if (!(file instanceof File)) return invalidArgument("POST object requires a file field");
  if (entries.at(-1)?.[0] !== "file") {
    return invalidArgument("The file field must be the last field of the form");
  }
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : null;
  };
  const key = text("key");
  if (!key) return invalidArgument("POST object requires a key field");

  const record = devStore.store.state.stagedUploads[key];
  if (
    !record ||
    record.httpMethod !== "POST" ||
    text("policy") !== record.policy ||
    !sameSecret(text("x-goog-signature"), record.signature)
  ) {
    return signatureMismatch("The policy and signature were not issued for this key");
  }
  if (now(devStore, record).getTime() > Date.parse(record.expiresAt)) {
    return policyViolation(`Policy expired at ${record.expiresAt}`);
  }
  const conditions = policyFields(record);
  for (const [name, expected] of conditions) {
    const given = text(name);
    if (given !== expected) {
      return policyViolation(
        `Policy requires ${name} to be ${JSON.stringify(expected)}, the form has ${JSON.stringify(given)}`,
      );
    }
  }
  const unreferenced = entries
    .map(([name]) => name)
    .filter(
      (name) => !UNCONDITIONED.has(name) && !conditions.has(name) && !name.startsWith("x-ignore-"),
    );
  if (unreferenced.length > 0) {
    return policyViolation(`Policy did not reference these fields: ${unreferenced.join(", ")}`);
  }
  if (file.size > record.maxBytes) {
    return tooLarge(
      `Content-length ${file.size} exceeds the upper bound of the policy's range (${record.maxBytes})`,
    );
  }

  const etag = store(devStore, record, Buffer.from(await file.arrayBuffer()));
  const location = new URL(objectPath(record.key), url).toString();
  if (text("success_action_status") === "201") {
    return xml(
      201,
      `<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${STAGED_BUCKET}</Bucket><Key>${escapeXml(
        record.key,
      )}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`,
      { ETag: etag, Location: location },
    );
  }
  return new Response(null, { status: 204, headers: { ...CORS, ETag: etag, Location: location } });
}

async function putObject(request: Request, url: URL, key: string, devStore: DevStore) {
  const record = devStore.store.state.stagedUploads[key];
  if (
    !record ||
    record.httpMethod !== "PUT" ||
    !sameSecret(url.searchParams.get("X-Goog-Signature"), record.signature)
  ) {
    return signatureMismatch("The URL's signature was not issued for this object");
  }
  if (now(devStore, record).getTime() > Date.parse(record.expiresAt)) {
    return gcsError(
      400,
      "ExpiredToken",
      "The provided token has expired.",
      `Request signature expired at: ${record.expiresAt}`,
    );
  }
  // content-type is a signed header: any other value invalidates the signature.
  const contentType = request.headers.get("content-type");
  if (contentType !== record.mimeType) {
    return signatureMismatch(
      `The signed Content-Type is ${record.mimeType}, the request's is ${contentType ?? "absent"}`,
    );
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > record.maxBytes) {
    return tooLarge(`Content-length ${bytes.length} exceeds the maximum of ${record.maxBytes}`);
  }
  const etag = store(devStore, record, bytes);
  return new Response(null, { status: 200, headers: { ...CORS, ETag: etag } });
}

export const uploadRoutes: DevStoreRoute = async (request, url, devStore) => {
  const prefix = `${STAGED_UPLOADS_PATH}/`;
  if (!url.pathname.startsWith(prefix)) return null;
  if (request.method === "OPTIONS") return new Response(null, { status: 200, headers: CORS });
  if (request.method === "POST" && url.pathname === prefix) {
    return postObject(request, url, devStore);
  }
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.slice(prefix.length));
  } catch {
    return invalidArgument("The object name is not valid");
  }
  if (request.method === "PUT") return putObject(request, url, key, devStore);
  if (request.method === "GET" || request.method === "HEAD") {
    return gcsError(
      403,
      "AccessDenied",
      "Access denied.",
      "Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.",
    );
  }
  return gcsError(
    405,
    "MethodNotAllowed",
    "The specified method is not allowed against this resource.",
  );
};
