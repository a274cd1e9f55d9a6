/**
 * Expected failures of the studio's routes as responses: a job or item that is missing or
 * another shop's answers 404 with the same words, so ids from other shops reveal nothing.
 */
import { json } from "@remix-run/node";

export function notFound(what = "job"): never {
  throw json({ message: `This ${what} does not exist or was deleted.` }, { status: 404 });
}

/** Cursors and ids come from our own links; anything else is not ours to look up. */
export function cleanId(value: string | null | undefined): string | null {
  return value && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null;
}
