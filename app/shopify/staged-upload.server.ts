/**
 * Putting bytes where Shopify can fetch them: stagedUploadsCreate hands out a Google Cloud Storage
 * target, the bytes go there, and the target's resourceUrl becomes the `originalSource` of
 * fileCreate or fileUpdate. Concurrent uploads of a shop ask for their targets in one
 * stagedUploadsCreate (admin-batching.server.ts): 10 points for up to 25 targets.
 * https://shopify.dev/docs/apps/build/online-store/product-media#step-1-upload-media-to-shopify
 */
import { batched, inputIndex, type BatchOutcome } from "./admin-batching.server.ts";
import type { AdminClient } from "./admin-types.ts";

export interface StageUploadInput {
  bytes: Uint8Array;
  mimeType: string;
  /** The name Shopify gives the file it makes from this upload; its extension must say the format. */
  filename: string;
  /** IMAGE for product media (the default), FILE for anything else. */
  resource?: "IMAGE" | "FILE";
  /** POST (a form policy, the default) or PUT (a signed URL). */
  httpMethod?: "POST" | "PUT";
  signal?: AbortSignal;
}

export interface StageUploadOptions {
  /** The fetch that talks to the storage bucket (tests point it elsewhere to make it fail). */
  fetch?: typeof fetch;
}

/** Staging or uploading failed; `retryable` says whether the same upload may work later. */
export class StagedUploadError extends Error {
  override name = "StagedUploadError";
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = retryable;
  }
}

const STAGED_UPLOADS_CREATE = `#graphql
  mutation PhotoStudioStagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets {
        url
        resourceUrl
        parameters {
          name
          value
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

interface StagedTarget {
  url: string | null;
  resourceUrl: string | null;
  parameters: Array<{ name: string; value: string }>;
}

interface StagedUploadsCreateData {
  stagedUploadsCreate: {
    stagedTargets: StagedTarget[] | null;
    userErrors: Array<{ field: string[] | null; message: string }>;
  } | null;
}

interface TargetRequest {
  resource: "IMAGE" | "FILE";
  filename: string;
  mimeType: string;
  httpMethod: "POST" | "PUT";
  fileSize: string;
}

/**
 * Shopify issues every target of a batch or, when one input is wrong, none: the wrong input gets
 * its userErrors, the others go again without it.
 */
const createTargets = batched<TargetRequest, StagedTarget>({
  maxSize: 25,
  windowMs: 20,
  async send(admin, inputs) {
    const data = await admin.request<StagedUploadsCreateData>(STAGED_UPLOADS_CREATE, {
      variables: { input: inputs },
    });
    const payload = data.stagedUploadsCreate;
    const errors = payload?.userErrors ?? [];
    const targets = payload?.stagedTargets ?? [];
    return inputs.map((input, index): BatchOutcome<StagedTarget> => {
      const own =
        inputs.length === 1
          ? errors
          : errors.filter((error) => inputIndex(error.field, "input") === index);
      if (own.length > 0) {
        return {
          error: new StagedUploadError(
            "upload_refused",
            `Shopify refused to accept the file ${input.filename}: ${own.map((error) => error.message).join(" ")}`,
            false,
          ),
        };
      }
      const target = errors.length === 0 ? targets[index] : undefined;
      if (target?.url && target.resourceUrl) return { value: target };
      if (inputs.length > 1) return { again: true };
      return {
        error: new StagedUploadError(
          "upload_failed",
          "Shopify did not give us a place to upload the image. Try again in a moment.",
          true,
        ),
      };
    });
  },
});

/** Uploads the bytes to a fresh staged target and answers the target's resourceUrl. */
export async function stageUpload(
  admin: AdminClient,
  input: StageUploadInput,
  options: StageUploadOptions = {},
): Promise<string> {
  const httpMethod = input.httpMethod ?? "POST";
  const target = await createTargets(
    admin,
    {
      resource: input.resource ?? "IMAGE",
      filename: input.filename,
      mimeType: input.mimeType,
      httpMethod,
      // Declared up front so Shopify refuses an oversized file before any byte is sent.
      fileSize: String(input.bytes.byteLength),
    },
    input.signal,
  );
  await sendToTarget(target, input, httpMethod, options.fetch ?? fetch);
  return target.resourceUrl!;
}

/**
 * A POST target is a form policy: every parameter as a form field, in order, then the file last
 * (GCS ignores fields after `file`). A PUT target is a signed URL whose signature covers the
 * Content-Type, which the target's `content_type` parameter names.
 * https://cloud.google.com/storage/docs/xml-api/post-object-forms
 */
async function sendToTarget(
  target: StagedTarget,
  input: StageUploadInput,
  httpMethod: "POST" | "PUT",
  send: typeof fetch,
) {
  const body = new Blob([new Uint8Array(input.bytes)], { type: input.mimeType });
  let request: RequestInit;
  if (httpMethod === "POST") {
    const form = new FormData();
    for (const { name, value } of target.parameters) form.append(name, value);
    form.append("file", body, input.filename);
    request = { method: "POST", body: form };
  } else {
    const contentType =
      target.parameters.find((parameter) => parameter.name === "content_type")?.value ??
      input.mimeType;
    request = { method: "PUT", headers: { "Content-Type": contentType }, body };
  }
  let response: Response;
  try {
    response = await send(target.url!, { ...request, signal: input.signal });
  } catch (error) {
    if (input.signal?.aborted) throw error;
    throw new StagedUploadError(
      "upload_failed",
      "The image could not be uploaded to Shopify (the connection failed). Try again in a moment.",
      true,
      { cause: error },
    );
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const answer = await response.text().catch(() => "");
  const code = /<Code>([^<]+)<\/Code>/.exec(answer)?.[1];
  // The bucket refuses a file above the size the target was issued for; sending it again will not help.
  const tooLarge = code === "EntityTooLarge";
  throw new StagedUploadError(
    tooLarge ? "upload_too_large" : "upload_failed",
    tooLarge
      ? "The image is larger than Shopify accepts, so it could not be uploaded."
      : `Shopify's storage did not accept the image (HTTP ${response.status}${code ? `, ${code}` : ""}). Try again in a moment.`,
    !tooLarge,
  );
}
