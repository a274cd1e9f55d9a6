/**
 * What the job benchmarks (bench-jobs.ts, bench-scale.ts) share: the BENCH line, the dev store
 * with the app registered and installed on a shop, and `npm run worker` as a child process.
 *
 * The app reads its configuration once, and @shopify/shopify-api keeps the fetch it finds when it
 * loads: callers set the environment first, and this module imports the app and the emulators only
 * when asked, after that.
 */
import { spawn } from "node:child_process";

/** One figure, as CI and the README read them: `BENCH <name> <value> <unit>  (details)`. */
export function bench(name: string, value: number, unit: string, details = "") {
  const shown = Number.isInteger(value) ? value : value.toFixed(2);
  console.log(`BENCH ${name} ${shown} ${unit}${details ? `  ${details}` : ""}`);
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
