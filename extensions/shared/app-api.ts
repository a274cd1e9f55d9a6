/**
 * Calls to Photo Studio's backend (app/routes/api.extensions.*). Relative URLs resolve against
 * the app's URL in the admin's extension sandbox; the session token is attached explicitly so the
 * call is authenticated the same way whichever host runs the extension.
 * https://shopify.dev/docs/api/admin-extensions#making-requests-to-your-apps-backend
 */
import { host } from "./host";

export interface Choice {
  id: string;
  kind: "saved" | "preset";
  name: string;
  summary: string;
  creditsPerImage: number;
}

export interface Options {
  choices: Choice[];
  credits: { available: number; planName: string };
}

export interface JobProgress {
  jobId: string;
  status: string;
  intake: string;
  intakeError: string | null;
  total: number;
  counts: Record<string, number>;
}

export interface ProductStatus {
  lastJob: { id: string; status: string; createdAt: string } | null;
  awaitingReview: number;
  written: number;
}

export interface Started {
  jobId: string;
  imageCount: number;
  credits: number;
}

/** A refusal from the backend: `code` picks the translated message, `message` is the fallback. */
export class AppApiError extends Error {
  override name = "AppApiError";
  readonly code: string;
  readonly status: number;
  readonly jobId: string | null;

  constructor(status: number, code: string, message: string, jobId: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.jobId = jobId;
  }
}

async function call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const token = await host().auth.idToken();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new AppApiError(0, "network", "", null);
  }
  const body = (await response.json().catch(() => null)) as
    (T & { error?: { code?: string; message?: string; jobId?: string } }) | null;
  if (!response.ok || !body) {
    const error = body?.error;
    throw new AppApiError(
      response.status,
      error?.code ?? (response.status === 401 ? "unauthorized" : "unavailable"),
      error?.message ?? "",
      error?.jobId ?? null,
    );
  }
  return body;
}

export const appApi = {
  options: () => call<Options>("/api/extensions/options"),
  start: (productIds: string[], choiceId: string) =>
    call<Started>("/api/extensions/jobs", { method: "POST", body: { productIds, choiceId } }),
  progress: (jobId: string) =>
    call<JobProgress>(`/api/extensions/jobs/${encodeURIComponent(jobId)}`),
  productStatus: (productId: string) =>
    call<ProductStatus>(
      `/api/extensions/product-status?productId=${encodeURIComponent(productId)}`,
    ),
  restore: (productId: string) =>
    call<{ restoring: number }>("/api/extensions/restore", {
      method: "POST",
      body: { productId },
    }),
};

/** The link into the app's job page; `app:` paths open inside the embedded app. */
export function jobPageUrl(jobId: string) {
  return `app:/app/jobs/${encodeURIComponent(jobId)}`;
}
