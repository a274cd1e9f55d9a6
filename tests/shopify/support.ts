import type { AdminClient } from "~/shopify/admin-types";
import { unauthenticated } from "~/shopify.server";

/** The operation name of a document, for counting calls: "PhotoStudioMediaFileCreate". */
export function operationName(document: string): string {
  return /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "anonymous";
}

/**
 * An AdminClient over the app's own Admin API client (`unauthenticated.admin`, the shop's
 * offline session): the real transport, without the pacing the production client adds. GraphQL
 * errors throw. Every operation it sends is recorded in `calls`.
 */
export function testAdminClient(shop: string): AdminClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    shop,
    calls,
    async request(document, options = {}) {
      calls.push(operationName(document));
      const { admin } = await unauthenticated.admin(shop);
      const response = await admin.graphql(document, {
        variables: options.variables,
        signal: options.signal,
      });
      const body = (await response.json()) as { data?: unknown; errors?: unknown };
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return body.data as any;
    },
  };
}

/** A journal kept in memory, as the WriteBack row keeps it: every save goes through JSON. */
export function memoryJournal<P>(progress: P | null = null) {
  const journal = {
    progress,
    saves: [] as P[],
    async save(next: P) {
      const stored = JSON.parse(JSON.stringify(next)) as P;
      journal.saves.push(stored);
      journal.progress = stored;
    },
  };
  return journal;
}

export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/**
 * A journal whose `crashAt`-th save fails, as if the process died right after the step it was
 * recording: the store changed, the progress did not. `progress` is what was persisted.
 */
export function crashingJournal<P>(crashAt: number, progress: P | null = null) {
  const journal = {
    progress,
    attempts: 0,
    async save(next: P) {
      journal.attempts += 1;
      if (journal.attempts === crashAt) throw new SimulatedCrash(`crash at save ${crashAt}`);
      journal.progress = JSON.parse(JSON.stringify(next)) as P;
    },
  };
  return journal;
}
