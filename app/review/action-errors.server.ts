/**
 * Failures the merchant's actions can meet, as the answer the page turns into a toast: not
 * enough credits (402, with the balance in the message), an image that moved on meanwhile (409),
 * an unknown or foreign image (404), a prompt or mask the job engine refused (422). Anything
 * else is a bug and is thrown on.
 */
import { json } from "@remix-run/node";

import { formatCredits } from "~/billing/costs";
import { InsufficientCreditsError } from "~/billing/ledger.server";
import { ReviewActionError } from "~/jobs/review.server";
import {
  ConcurrentTransitionError,
  IllegalTransitionError,
  JobItemNotFoundError,
} from "~/jobs/states";

export function actionFailure(error: unknown) {
  if (error instanceof ReviewActionError) {
    return json({ ok: false as const, message: error.message }, { status: error.status });
  }
  if (error instanceof InsufficientCreditsError) {
    return json(
      {
        ok: false as const,
        message: `Not enough credits: this needs ${formatCredits(error.needed)} and you have ${
          error.available > 0 ? formatCredits(error.available) : "none"
        } left.`,
      },
      { status: 402 },
    );
  }
  if (error instanceof JobItemNotFoundError) {
    return json(
      { ok: false as const, message: "This image does not exist or was deleted." },
      { status: 404 },
    );
  }
  if (error instanceof IllegalTransitionError) {
    return json(
      {
        ok: false as const,
        message: `This image cannot do that now: it is ${error.from.replaceAll("_", " ")}.`,
      },
      { status: 409 },
    );
  }
  if (error instanceof ConcurrentTransitionError) {
    return json(
      {
        ok: false as const,
        message: `This image changed meanwhile: it is now ${error.actual.replaceAll("_", " ")}.`,
      },
      { status: 409 },
    );
  }
  throw error;
}
