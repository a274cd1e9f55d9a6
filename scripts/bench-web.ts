/**
 * `npm run bench:web`: the studio's Web Vitals in Chromium against the production build on
 * localhost, inside the dev store's admin shell as a merchant sees it.
 *
 * The demo stack (dev store, app front, remix-serve with the production build) runs with a fresh
 * database and storage. The demo shop gets 50 more products of two photos each, and a job on them
 * (eBay preset, local provider: the app's own in-process workers generate it) leaves 100 variants
 * ready for review. Then, each time in a fresh browser profile (cold cache, warm server):
 *
 * - `web_lcp_ms_home`, `web_cls_home`: the home page, from PerformanceObserver in the app's frame
 *   (tests/support/web-vitals.ts); the median of RUNS loads;
 * - `web_js_kb_gz_home`: JavaScript the app's frame downloads on its first load, as encoded on the
 *   wire (remix-serve compresses with gzip); App Bridge is Shopify's and not counted;
 * - `web_lcp_ms_review`: the review page of the 100-variant job, median of RUNS loads;
 * - `web_inp_ms_review`: a click on "Approve" in the review grid: the longest Event Timing entry of
 *   that interaction (web-vitals' INP for one interaction), the worst of RUNS clicks.
 *
 * Targets (issue #6): LCP ≤ 1000 ms, CLS ≤ 0.05, INP ≤ 100 ms.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import type { Frame, Page } from "playwright-core";

import { DEMO_SHOP } from "../emulators/shopify/cli.ts";
import { storeName } from "../emulators/shopify/src/admin/app-url.ts";
import { seedJobCatalog } from "../emulators/shopify/src/seed-scaled.ts";
import { launchChromium } from "../tests/support/browser.ts";
import {
  measureWebVitals,
  readWebVitals,
  waitForInteraction,
} from "../tests/support/web-vitals.ts";

import { buildIfStale, freeDemoPorts, startDemoStack } from "./demo.ts";

const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 3);
const PRODUCTS = 50;
const IMAGES_PER_PRODUCT = 2;
const VARIANTS = PRODUCTS * IMAGES_PER_PRODUCT;
const STORE = `/store/${storeName(DEMO_SHOP.domain)}`;
const APP_PATH = `${STORE}/apps/photo-studio`;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-bench-web-"));
const databaseUrl = `file:${path.join(work, "bench.sqlite")}`;
const storageDir = path.join(work, "storage");
const credentials = {
  clientId: "bench-web-client-id",
  clientSecret: randomBytes(24).toString("hex"),
};
// The app server inherits this process's environment (startDemoStack) and runs the job in its
// own in-process workers, as `npm run demo` does.
Object.assign(process.env, {
  DATABASE_URL: databaseUrl,
  STORAGE_DIR: storageDir,
  AI_PROVIDER: "local",
  JOB_WORKERS: "in-process",
});

function bench(name: string, value: number, unit: string, details = "") {
  const shown = Number.isInteger(value) ? value : value.toFixed(unit === "score" ? 4 : 1);
  console.log(`BENCH ${name} ${shown} ${unit}${details ? `  ${details}` : ""}`);
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const { resolveDatabaseTarget } = await import("../app/db/database-url.ts");
const { applyMigrations } = await import("../app/db/migrate.server.ts");
const { createPrismaClient } = await import("../app/db/client.server.ts");
const { DatabaseQueue } = await import("../app/jobs/queue/database-queue.server.ts");
const { startJob } = await import("../app/jobs/start-job.server.ts");

const target = resolveDatabaseTarget(databaseUrl);
await applyMigrations(target);
const db = createPrismaClient(target);

if (buildIfStale()) console.log("bench:web: built the app (remix build)");
const ports = await freeDemoPorts();
const appOutput: string[] = [];
const stack = await startDemoStack({
  ports,
  publicHost: "127.0.0.1",
  devStoreDir: null,
  credentials,
  databaseUrl,
  onAppOutput: (line) => appOutput.push(line),
});
// A browser that cannot start must not leave the demo stack running behind it.
const browser = await launchChromium().catch(async (error: unknown) => {
  await stack.stop();
  throw error;
});

/** Opens `appPath` of the app inside the admin shell and returns the app's frame. */
let current: Page | undefined;
async function openInAdmin(page: Page, appPath: string): Promise<Frame> {
  current = page;
  await page.goto(`${stack.adminUrl}${APP_PATH}${appPath}`);
  const frame = await (await page.waitForSelector("#app-iframe")).contentFrame();
  if (!frame) throw new Error("The admin shell has no app frame");
  return frame;
}

/** A new browser on a fresh profile (nothing cached), with the Web Vitals observers. */
async function freshBrowser() {
  const fresh = await launchChromium();
  await measureWebVitals(fresh.context);
  return fresh;
}

/**
 * BENCH_WEB_TRACE=1: what the frame fetched before its LCP, to see where the time goes (request
 * start, response start and end, in ms from the frame's navigation).
 */
const TRACE = process.env.BENCH_WEB_TRACE === "1";
async function resourcesBefore(frame: Frame, untilMs: number) {
  const rows = await frame.evaluate(
    (until) =>
      (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((entry) => entry.startTime <= until)
        .map((entry) => ({
          name: new URL(entry.name).pathname.slice(0, 48),
          start: Math.round(entry.startTime),
          firstByte: Math.round(entry.responseStart),
          end: Math.round(entry.responseEnd),
          kb: Math.round(entry.encodedBodySize / 1024),
        })),
    untilMs,
  );
  const documentFacts = await frame.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    return {
      kb: Math.round(navigation.decodedBodySize / 1024),
      wireKb: Math.round(navigation.encodedBodySize / 1024),
      end: Math.round(navigation.responseEnd),
      domNodes: document.getElementsByTagName("*").length,
    };
  });
  const lines = rows.map(
    (row) => `  ${row.start}\t${row.firstByte}\t${row.end}\t${row.kb} KiB\t${row.name}`,
  );
  const heading =
    `bench:web: document ${documentFacts.kb} KiB (${documentFacts.wireKb} KiB on the wire, ` +
    `received by ${documentFacts.end} ms, ${documentFacts.domNodes} elements); ` +
    `resources before LCP ${untilMs} ms (start, first byte, end)`;
  return [heading, ...lines].join("\n");
}

/**
 * BENCH_WEB_CDP_TRACE=1: a Chromium performance trace of each review load (main-thread tasks,
 * parsing, style, layout, paint), written to .cache/ for chrome://tracing or a script.
 */
const CDP_TRACE = process.env.BENCH_WEB_CDP_TRACE === "1";
async function startCdpTrace(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Tracing.start", {
    transferMode: "ReturnAsStream",
    categories: [
      "devtools.timeline",
      "disabled-by-default-devtools.timeline",
      "blink.user_timing",
      "loading",
      "toplevel",
    ].join(","),
  });
  return {
    async stop(): Promise<string> {
      const done = new Promise<string>((resolve) =>
        cdp.once("Tracing.tracingComplete", (event) => resolve(event.stream ?? "")),
      );
      await cdp.send("Tracing.end");
      const handle = await done;
      let text = "";
      for (;;) {
        const chunk = await cdp.send("IO.read", { handle });
        text += chunk.base64Encoded ? Buffer.from(chunk.data, "base64").toString() : chunk.data;
        if (chunk.eof) break;
      }
      await cdp.send("IO.close", { handle });
      await cdp.detach();
      return text;
    },
  };
}

/** LCP is final once the page has painted everything it loads; give it a quiet moment. */
async function settle(frame: Frame) {
  await frame.waitForLoadState("networkidle");
  await frame.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 300))),
  );
}

try {
  // The merchant opens the app once: token exchange stores the offline session the workers use.
  const first = await browser.context.newPage();
  const installed = await openInAdmin(first, "/app");
  await installed.getByText("in your catalog").waitFor({ timeout: 30_000 });

  // 100 product images, and a job on them the app's workers generate.
  const shop = stack.devStore.store.shop(DEMO_SHOP.domain)!;
  const before = new Set(shop.products.map((product) => product.id));
  await seedJobCatalog(stack.devStore.store, shop, {
    products: PRODUCTS,
    imagesPerProduct: IMAGES_PER_PRODUCT,
    maxSide: 1200,
  });
  const productIds = shop.products
    .filter((product) => !before.has(product.id))
    .map((product) => `gid://shopify/Product/${product.id}`);
  const queue = new DatabaseQueue(db);
  const job = await startJob({ db, queue }, DEMO_SHOP.domain, {
    selection: { productIds },
    recipe: { preset: "ebay" },
  });
  const started = performance.now();
  await waitFor(
    async () => {
      const row = await db.job.findFirst({ where: { id: job.id, shop: DEMO_SHOP.domain } });
      if (row?.intake === "failed") throw new Error(`Intake failed: ${row.intakeError}`);
      return row && row.itemCount === VARIANTS && row.doneCount === VARIANTS ? row : undefined;
    },
    `${VARIANTS} variants ready for review`,
    600_000,
  );
  console.log(
    `bench:web: ${VARIANTS} variants ready for review in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // Warm the server: the first requests build thumbnails and previews that later loads reuse.
  await openInAdmin(first, "/app").then(settle);
  const warmReview = await openInAdmin(first, `/app/jobs/${job.id}/review`);
  await warmReview
    .getByRole("button", { name: "Approve", exact: true, disabled: false })
    .first()
    .waitFor();
  await settle(warmReview);
  await first.close();

  const home = {
    lcp: [] as number[],
    cls: [] as number[],
    ttfb: [] as number[],
    fcp: [] as number[],
    elements: new Set<string>(),
  };
  let jsBytes = 0;
  let jsFiles = 0;
  for (let run = 0; run < RUNS; run++) {
    const fresh = await freshBrowser();
    const page = await fresh.context.newPage();
    const scripts: Promise<number>[] = [];
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (url.origin !== stack.appUrl || response.request().resourceType() !== "script") return;
      scripts.push(
        response
          .request()
          .sizes()
          .then((sizes) => sizes.responseBodySize),
      );
    });
    const frame = await openInAdmin(page, "/app");
    await frame.getByText("in your catalog").waitFor();
    await settle(frame);
    const vitals = await readWebVitals(frame);
    if (vitals.lcpMs === null) throw new Error("The home page reported no LCP");
    home.lcp.push(vitals.lcpMs);
    home.cls.push(vitals.cls);
    home.ttfb.push(vitals.ttfbMs ?? NaN);
    home.fcp.push(vitals.fcpMs ?? NaN);
    if (vitals.lcpElement) home.elements.add(vitals.lcpElement);
    if (run === 0) {
      const sizes = await Promise.all(scripts);
      jsBytes = sizes.reduce((sum, size) => sum + size, 0);
      jsFiles = sizes.length;
    }
    await fresh.close();
  }

  const review = {
    lcp: [] as number[],
    inp: [] as number[],
    ttfb: [] as number[],
    fcp: [] as number[],
    elements: new Set<string>(),
  };
  for (let run = 0; run < RUNS; run++) {
    const fresh = await freshBrowser();
    const page = await fresh.context.newPage();
    const logFrom = appOutput.length;
    const tracing = CDP_TRACE ? await startCdpTrace(page) : null;
    const frame = await openInAdmin(page, `/app/jobs/${job.id}/review`);
    const approve = frame
      .getByRole("button", { name: "Approve", exact: true, disabled: false })
      .first();
    await approve.waitFor();
    await settle(frame);
    const vitals = await readWebVitals(frame);
    if (vitals.lcpMs === null) throw new Error("The review page reported no LCP");
    review.lcp.push(vitals.lcpMs);
    review.ttfb.push(vitals.ttfbMs ?? NaN);
    review.fcp.push(vitals.fcpMs ?? NaN);
    if (vitals.lcpElement) review.elements.add(vitals.lcpElement);
    if (TRACE) {
      console.log(await resourcesBefore(frame, vitals.lcpMs));
      // The app's own request log: how long the server took over the page's document.
      const documentLines = appOutput.filter((line) =>
        line.includes(`/app/jobs/${job.id}/review?`),
      );
      console.log(`bench:web: app log: ${documentLines.at(-1) ?? "(no line)"}`);
      // And over the signed thumbnails it served for this load.
      const fileTimes = appOutput
        .slice(logFrom)
        .filter((line) => line.includes(" /files/"))
        .map((line) => Number(/ ([\d.]+) ms$/.exec(line)?.[1] ?? NaN));
      console.log(
        `bench:web: app log: ${fileTimes.length} file requests, ` +
          `server ms ${fileTimes.map((ms) => Math.round(ms)).join(", ")}`,
      );
    }
    if (tracing) {
      const file = path.resolve(`.cache/bench-web-trace-${run}.json`);
      fs.writeFileSync(file, await tracing.stop());
      console.log(`bench:web: Chromium trace of this load in ${file}`);
    }
    const lastId = Math.max(0, ...vitals.interactions.map((interaction) => interaction.id));
    const tileId = await approve.evaluate((button) =>
      button.closest("[data-tile]")?.getAttribute("data-tile"),
    );
    await approve.click();
    // Event Timing reports only interactions of 16 ms or more (its smallest threshold): a click
    // that leaves no entry was quicker than that, and counts as 16 ms, the most it can have been.
    // Its tile must then show the approval, so a click that did nothing still fails.
    const interaction = await waitForInteraction(frame, { after: lastId }).catch(async () => {
      await frame
        .locator(`[data-tile="${tileId}"] button[data-action="approve"]:disabled`)
        .waitFor({ timeout: 5_000 });
      return { durationMs: 16 };
    });
    review.inp.push(interaction.durationMs);
    await fresh.close();
  }

  bench(
    "web_lcp_ms_home",
    median(home.lcp),
    "ms",
    `runs ${home.lcp.join(", ")}; TTFB ${home.ttfb.join(", ")}; FCP ${home.fcp.join(", ")}; element ${[...home.elements].join(" | ")}`,
  );
  bench("web_cls_home", Math.max(...home.cls), "score", `runs ${home.cls.join(", ")}`);
  bench(
    "web_js_kb_gz_home",
    Math.round((jsBytes / 1024) * 10) / 10,
    "KiB",
    `${jsFiles} scripts from the app`,
  );
  bench(
    "web_lcp_ms_review",
    median(review.lcp),
    "ms",
    `${VARIANTS} variants; runs ${review.lcp.join(", ")}; TTFB ${review.ttfb.join(", ")}; FCP ${review.fcp.join(", ")}; element ${[...review.elements].join(" | ")}`,
  );
  bench(
    "web_inp_ms_review",
    Math.max(...review.inp),
    "ms",
    `clicks on Approve: ${review.inp.join(", ")}`,
  );
} catch (error) {
  await current
    ?.screenshot({ path: path.resolve(".cache/screenshots/bench-web-failure.png") })
    .catch(() => undefined);
  console.error(`bench:web failed. Last app output:\n${appOutput.slice(-40).join("\n")}`);
  throw error;
} finally {
  await browser.close();
  await stack.stop();
  await db.$disconnect();
  fs.rmSync(work, { recursive: true, force: true });
}
