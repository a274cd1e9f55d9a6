/**
 * Answers to admin extensions. Extensions run on Shopify's extension origin, so every answer,
 * errors included, goes through `cors` from authenticate.admin or the browser hides it from the
 * extension. Refusals carry a code (for the extension's own translation) and a plain message.
 * https://shopify.dev/docs/api/shopify-app-remix/latest/authenticate/admin#example-cors
 */
import { json } from "@remix-run/node";
import type { ZodError } from "zod";

import { isExtensionRefusal } from "./refusal.ts";

type Cors = (response: Response) => Response;

export async function answer(cors: Cors, work: () => Promise<unknown>, status = 200) {
  try {
    const body = await work();
    return cors(json(body, { status, headers: { "Cache-Control": "no-store" } }));
  } catch (error) {
    if (!isExtensionRefusal(error)) throw error;
    return cors(
      json(
        { error: { code: error.code, message: error.message, ...error.details } },
        { status: error.status },
      ),
    );
  }
}

export function invalid(cors: Cors, error: ZodError) {
  const { fieldErrors, formErrors } = error.flatten();
  const first = formErrors[0] ?? Object.values(fieldErrors).flat()[0] ?? "Invalid request.";
  return cors(json({ error: { code: "invalid", message: first, fieldErrors } }, { status: 422 }));
}

export function methodNotAllowed(cors: Cors, allow: string) {
  return cors(
    json(
      { error: { code: "invalid", message: `Use ${allow}.` } },
      { status: 405, headers: { Allow: allow } },
    ),
  );
}

/** The request's JSON body, or undefined when it is not JSON (validation then says what is wrong). */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}
