import type { LoaderFunctionArgs } from "@remix-run/node";

import { recordAudit } from "~/audit/audit.server";
import { exportFileName, exportShopData } from "~/data-export/export.server";
import db from "~/db.server";
import { enforceRateLimit } from "~/security/rate-limit.server";
import { authenticate } from "~/shopify.server";

// The merchant's data as a JSON file. The "Your data" page fetches it (App Bridge adds the
// session token to the fetch) and saves the answer under the name given here.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  await enforceRateLimit(session.shop, "data.export");
  const now = new Date();
  const data = await exportShopData(db, session.shop, now);
  await recordAudit(db, session.shop, {
    action: "data.exported",
    actor: "merchant",
    details: { jobs: data.jobs.length, ledgerEntries: data.credits.ledger.length },
  });
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFileName(session.shop, now)}"`,
      "Cache-Control": "no-store",
    },
  });
};
