import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

import db from "~/db.server";
import { creditSummary } from "~/billing/ledger.server";
import { extensionChoices } from "~/extensions-api/choices.server";
import { answer, methodNotAllowed } from "~/extensions-api/responses.server";
import { authenticate } from "~/shopify.server";

/**
 * What the admin extensions offer before a job starts: the shop's saved recipes and the presets,
 * each priced per image, and the credits left. Called with the extension's session token.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  return answer(cors, async () => {
    const [choices, credits] = await Promise.all([
      extensionChoices(db, session.shop),
      creditSummary(db, session.shop),
    ]);
    return {
      choices: choices.map(({ id, kind, name, summary, creditsPerImage }) => ({
        id,
        kind,
        name,
        summary,
        creditsPerImage,
      })),
      credits: { available: credits.available, planName: credits.plan.name },
    };
  });
};

/** Only the CORS preflight (OPTIONS) reaches here; authenticate.admin answers it. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return methodNotAllowed(cors, "GET");
};
