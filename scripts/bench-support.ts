/**
 * What the job benchmarks (bench-jobs.ts, bench-scale.ts) share: the BENCH line, the dev store
 * with the app registered and installed on a shop, and `npm run worker` as a child process.
 *
 * The app reads its configuration once, and @shopify/shopify-api keeps the fetch it finds when it
 * loads: callers set the environment first, and this module imports the app and the emulators only
 * when asked, after that.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** One figure, as CI and the README read them: `BENCH <name> <value> <unit>  (details)`. */
export function bench(name: string, value: number, unit: string, details = "") {
  const shown = Number.isInteger(value) ? value : value.toFixed(2);
  console.log(`BENCH ${name} ${shown} ${unit}${details ? `  ${details}` : ""}`);
}

/**
 * The CPU milliseconds of a fixed piece of the worker's own work, measured in this process: one
 * catalog photo (2,000 px, JPEG) through the Amazon preset without AI (decode, trim, Lanczos
 * resize, JPEG encode), the fastest of 16 runs after 8 not counted. The machines these benchmarks
 * run on are shared, and their speed moves by a third from one hour to the next, so a figure
 * from another run compares with this run's only where this reference is close to its own. The
 * fastest run, not the median: on these machines the same run takes 3 times as long at random
 * (the first touch of memory glibc has handed back to the kernel), which would hide the speed.
 */
export async function machineReferenceMs(): Promise<number> {
  const [{ default: sharp }, { processImage }] = await Promise.all([
    import("sharp"),
    import("../app/images/pipeline.ts"),
  ]);
  const photo = await sharp(
    path.resolve(
      import.meta.dirname,
      "../emulators/shopify/catalog/adam-birkett-239153-unsplash.jpg",
    ),
  )
    .resize(2000, 2000, { fit: "inside" })
    .jpeg({ quality: 85 })
    .toBuffer();
  const runs: number[] = [];
  for (let run = 0; run < 24; run++) {
    const before = process.cpuUsage();
    // A copy each time: libvips caches operations on the same input, which a job never repeats.
    await processImage(Buffer.from(photo), "amazon");
    const used = process.cpuUsage(before);
    if (run >= 8) runs.push((used.user + used.system) / 1000);
  }
  return Math.min(...runs);
}

/**
 * CPU seconds of a live process's threads, summed by thread name (from /proc, in clock ticks of
 * 10 ms): the main thread (named after the process) runs the app's JavaScript and its database
 * client; libuv's pool, libvips' and the cut-out threads run the image work. Only threads alive
 * when it is called are counted.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // it ended meanwhile
    }
    const name =
      tid === String(pid) ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    byName.set(name, (byName.get(name) ?? 0) + seconds);
  }
  return byName;
}

/** The dev store with the app of shopify.app.toml registered, this process's Shopify traffic routed to it. */
export async function startBenchDevStore(credentials: {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
}) {
  const { routeShopifyTrafficTo } = await import("../emulators/shopify/route-to-dev-store.ts");
  routeShopifyTrafficTo(null);
  const { startDevStore } = await import("../emulators/shopify/src/server.ts");
  const { appFromToml } = await import("../emulators/shopify/src/apps.ts");
  const app = appFromToml("shopify.app.toml", {
    clientId: credentials.apiKey,
    clientSecret: credentials.apiSecret,
    appUrl: credentials.appUrl,
  });
  const devStore = await startDevStore({ apps: [app], dataDir: null, webhookRetryDelaysMs: [] });
  routeShopifyTrafficTo(devStore.url);

  /** The merchant opens the app once: token exchange stores the offline session workers use. */
  async function openApp(shop: string) {
    const { mintSessionToken } = await import("../emulators/shopify/src/auth.ts");
    const { authenticate } = await import("../app/shopify.server.ts");
    const install = new URL("/app", credentials.appUrl);
    install.search = new URLSearchParams({
      embedded: "1",
      shop,
      host: Buffer.from(`${shop}/admin`).toString("base64url"),
      id_token: mintSessionToken(app, shop),
    }).toString();
    await authenticate.admin(new Request(install, { headers: { "Sec-Fetch-Dest": "iframe" } }));
  }

  return { devStore, app, openApp };
}

/**
 * `npm run worker` as a child process with this process's environment plus `env`, its Shopify
 * traffic routed to the dev store (SHOPIFY_DEV_STORE_URL). Its stdout (JSON log lines, its Admin
 * API figures among them once it stops) is kept; its stderr goes to ours.
 */
export function spawnWorkerProcess(env: Record<string, string>, nodeArgs: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      "--import",
      "./scripts/runtime/register.ts",
      "--import",
      "./emulators/shopify/preload.ts",
      "app/jobs/worker.ts",
    ],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return {
    child,
    output: () => output,
    exited,
    /** Settles once the worker says it has started (its queue consumers are registered). */
    async started(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!/"msg":"worker started"/.test(output)) {
        if (child.exitCode !== null) throw new Error(`The worker exited while starting`);
        if (Date.now() > deadline) throw new Error(`The worker did not start in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** SIGTERM: running steps finish within the queue's grace period, then the process exits. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
