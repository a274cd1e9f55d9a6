import fs from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { hasErrorWords, itemErrorWords, skippedReasonWords } from "~/review/error-words";
import {
  outcomeMessage,
  parseIntent,
  reviewIntentSchema,
  historyIntentSchema,
  jobIntentSchema,
} from "~/review/intents.server";
import { etaWords, isJobMoving, percentSettled, productName } from "~/review/job-words";

const APP = path.resolve(import.meta.dirname, "../../app");

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Every code an error class that reaches `JobItem.errorCode` is constructed with in app/. */
function codesRaisedByTheApp(): string[] {
  const codes = new Set<string>();
  const constructors =
    /new (?:AiProviderError|WriteBackError|ImageDownloadError|StorageError|CatalogError|ShopifyAdminError|ImageError)\(\s*"([A-Za-z_]+)"/g;
  for (const file of sourceFiles(APP)) {
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(constructors)) codes.add(match[1]!);
  }
  const imageCodes = fs.readFileSync(path.join(APP, "images/errors.ts"), "utf8");
  const union = imageCodes.slice(
    imageCodes.indexOf("export type ImageErrorCode"),
    imageCodes.indexOf(";", imageCodes.indexOf("export type ImageErrorCode")),
  );
  for (const match of union.matchAll(/"([a-z_]+)"/g)) codes.add(match[1]!);
  const failures = fs.readFileSync(path.join(APP, "jobs/failures.ts"), "utf8");
  for (const match of failures.matchAll(/code: "([a-z_]+)"/g)) codes.add(match[1]!);
  return [...codes].sort();
}

describe("item error words", () => {
  it("has merchant words for every error code the app raises", () => {
    const codes = codesRaisedByTheApp();
    // The scan itself must find the engines' codes, or this test would pass on nothing.
    expect(codes).toEqual(
      expect.arrayContaining([
        "corrupt",
        "rate_limited",
        "media_limit_reached",
        "THROTTLED",
        "internal_error",
      ]),
    );
    expect(codes.filter((code) => !hasErrorWords(code))).toEqual([]);
  });

  it("says what happened and what to do, without the engine's jargon", () => {
    const words = itemErrorWords("corrupt", "Input buffer contains unsupported image format");
    expect(words.what).toBe(
      "The original photo is damaged or incomplete, so it could not be opened.",
    );
    expect(words.next).toMatch(/Replace the photo/);
    expect(words.retryHelps).toBe(false);
    expect(words.what).not.toMatch(/buffer/i);
  });

  it("tells the merchant that retrying helps when a service was busy", () => {
    expect(itemErrorWords("THROTTLED", null)).toMatchObject({
      retryHelps: true,
      next: "Retry in a few minutes.",
    });
    expect(itemErrorWords("rate_limited", null).what).toMatch(/busy/);
  });

  it("falls back to the stored message for a code it does not know", () => {
    const words = itemErrorWords("brand_new_code", "Shopify refused the alt text");
    expect(words.what).toBe("Shopify refused the alt text.");
    expect(words.retryHelps).toBe(true);
  });

  it("answers a generic sentence when nothing is known", () => {
    expect(itemErrorWords(null, null).what).toBe(
      "Something went wrong on our side while working on this image.",
    );
  });

  it("writes skipped reasons as sentences", () => {
    expect(skippedReasonWords("this is a video")).toBe("This is a video.");
    expect(skippedReasonWords("This product has no images.")).toBe("This product has no images.");
    expect(skippedReasonWords("  ")).toBe("It could not be processed.");
  });
});

const counts = (over: Partial<Record<string, number>>) => ({
  queued: 0,
  processing: 0,
  ready_for_review: 0,
  approved: 0,
  writing: 0,
  written: 0,
  failed: 0,
  canceled: 0,
  restored: 0,
  ...over,
});

describe("job progress words", () => {
  it("gives the ETA in words", () => {
    const base = { intake: "done", counts: counts({ queued: 5 }) };
    expect(etaWords({ ...base, etaSeconds: null })).toBe("Estimating the time left…");
    expect(etaWords({ ...base, etaSeconds: 30 })).toBe("Less than a minute left.");
    expect(etaWords({ ...base, etaSeconds: 60 })).toBe("About 1 minute left.");
    expect(etaWords({ ...base, etaSeconds: 25 * 60 })).toBe("About 25 minutes left.");
    expect(etaWords({ ...base, etaSeconds: 2 * 3600 })).toBe("About 2 hours left.");
    expect(etaWords({ ...base, etaSeconds: 3600 + 60 })).toBe("About 1 hour 1 minute left.");
    expect(etaWords({ intake: "pending", counts: counts({}), etaSeconds: null })).toMatch(
      /Finding/,
    );
    expect(etaWords({ intake: "done", counts: counts({ written: 2 }), etaSeconds: 0 })).toBe(
      "All images are generated.",
    );
  });

  it("keeps polling only while something moves without the merchant", () => {
    expect(isJobMoving({ intake: "pending", counts: counts({}) })).toBe(true);
    expect(isJobMoving({ intake: "done", counts: counts({ writing: 1 }) })).toBe(true);
    expect(isJobMoving({ intake: "done", counts: counts({ approved: 1 }) })).toBe(true);
    expect(
      isJobMoving({ intake: "done", counts: counts({ ready_for_review: 3, failed: 1 }) }),
    ).toBe(false);
    expect(isJobMoving({ intake: "failed", counts: counts({}) })).toBe(false);
  });

  it("counts everything generated or settled as progress", () => {
    expect(percentSettled({ total: 0, counts: counts({}) })).toBe(0);
    expect(
      percentSettled({ total: 4, counts: counts({ queued: 1, processing: 1, written: 2 }) }),
    ).toBe(50);
    expect(percentSettled({ total: 3, counts: counts({ failed: 1, ready_for_review: 2 }) })).toBe(
      100,
    );
  });

  it("names products by title, or by number when the title is unknown", () => {
    expect(productName({ "gid://shopify/Product/1": "Mug" }, "gid://shopify/Product/1")).toBe(
      "Mug",
    );
    expect(productName({}, "gid://shopify/Product/77")).toBe("Product 77");
  });
});

function form(fields: Array<[string, string]>) {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  return data;
}

describe("posted intents", () => {
  it("reads repeated item ids as a list", () => {
    const parsed = parseIntent(
      reviewIntentSchema,
      form([
        ["intent", "approve"],
        ["itemId", "a"],
        ["itemId", "b"],
      ]),
    );
    expect(parsed).toEqual({ ok: true, data: { intent: "approve", itemIds: ["a", "b"] } });
  });

  it("answers field errors for a post without images or with an unknown intent", () => {
    expect(parseIntent(reviewIntentSchema, form([["intent", "approve"]]))).toEqual({
      ok: false,
      fieldErrors: { itemIds: "Required" },
    });
    expect(parseIntent(jobIntentSchema, form([["intent", "explode"]]))).toEqual({
      ok: false,
      fieldErrors: { intent: "This action is not available here." },
    });
  });

  it("refuses a prompt over 500 characters and drops an empty one", () => {
    const long = parseIntent(
      reviewIntentSchema,
      form([
        ["intent", "regenerate"],
        ["itemId", "a"],
        ["prompt", "x".repeat(501)],
      ]),
    );
    expect(long).toEqual({
      ok: false,
      fieldErrors: { prompt: "Keep the prompt under 500 characters." },
    });
    const empty = parseIntent(
      reviewIntentSchema,
      form([
        ["intent", "regenerate"],
        ["itemId", "a"],
        ["prompt", "  "],
      ]),
    );
    expect(empty).toEqual({
      ok: true,
      data: { intent: "regenerate", itemId: "a", prompt: undefined },
    });
  });

  it("reads the history's restore scopes", () => {
    expect(
      parseIntent(
        historyIntentSchema,
        form([
          ["intent", "restoreProduct"],
          ["productId", "gid://shopify/Product/1"],
        ]),
      ),
    ).toEqual({
      ok: true,
      data: { intent: "restoreProduct", productId: "gid://shopify/Product/1" },
    });
  });

  it("says what was done and why the rest was not", () => {
    expect(outcomeMessage("approved", { done: ["a", "b", "c"], refused: [] })).toBe(
      "3 images approved",
    );
    expect(
      outcomeMessage("approved", {
        done: ["a"],
        refused: [{ itemId: "b", reason: "it is written" }],
      }),
    ).toBe("1 image approved; 1 could not be: it is written");
    expect(
      outcomeMessage("rejected", { done: [], refused: [{ itemId: "b", reason: "not found" }] }),
    ).toBe("No images rejected; 1 could not be: not found");
  });
});
