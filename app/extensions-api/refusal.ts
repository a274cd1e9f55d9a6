/**
 * Why the app will not do what an admin extension asked, in words the merchant reads in the
 * extension's banner. `code` lets the extension pick its own translation; `message` is the English
 * fallback and what the API answers.
 */
export type RefusalCode =
  "no_images" | "job_running" | "insufficient_credits" | "not_found" | "invalid";

export class ExtensionRefusal extends Error {
  override name = "ExtensionRefusal";
  readonly code: RefusalCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(
    code: RefusalCode,
    status: number,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export function isExtensionRefusal(error: unknown): error is ExtensionRefusal {
  return error instanceof ExtensionRefusal;
}
