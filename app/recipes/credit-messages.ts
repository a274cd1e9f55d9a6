/**
 * What the new-job page says when the shop's credits do not cover a job: the same words in the
 * browser's live preview and in the server's refusal. Client-safe.
 */
import { formatCredits } from "../billing/costs.ts";

export function notEnoughCredits(needed: number, available: number, exact: boolean): string {
  return (
    `This job needs ${exact ? "" : "about "}${formatCredits(needed)} and you have ` +
    `${available > 0 ? formatCredits(available) : "none"}. Select fewer products, choose a recipe ` +
    `with fewer AI steps (framing alone is free), or add credits to your plan.`
  );
}
