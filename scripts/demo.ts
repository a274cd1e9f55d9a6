/**
 * `npm run demo`: the whole product on one machine, offline, without a Shopify account.
 *
 * 1. `npm run setup`: a .env for the local dev store if there is none (client ID
 *    photo-studio-local, a random secret), migrations applied.
 * 2. The app is built if build/ is missing or older than its sources.
 * 3. Three servers, stopped together by Ctrl-C:
 *    - the dev store on PORT (3000): Shopify admin for the demo shop photo-studio-demo (seeded with
 *      the 54-product catalog the first time; state kept in data/dev-store/), and the Admin API,
 *      token exchange and CDN the app talks to;
 *    - the app front on PORT+1 (emulators/shopify/src/app-front.ts): the app's public URL, a proxy
 *      that lets the dev store frame the app and gives it the dev store's App Bridge;
 *    - the app (remix-serve) on PORT+2 on 127.0.0.1, its Shopify traffic routed to the dev store
 *      (emulators/shopify/preload.ts).
 *
 * The browser tests (tests/e2e) start the same stack with startDemoStack.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";

import { DEMO_SHOP, localAppConfig, startLocalDevStore } from "../emulators/shopify/cli.ts";
import { storeName } from "../emulators/shopify/src/admin/app-url.ts";
import { startAppFront } from "../emulators/shopify/src/app-front.ts";
import type { DevStore } from "../emulators/shopify/src/server.ts";

import { withBuildLock } from "./build-lock.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Sources the build is made from: a newer file among them means build/ is stale. */
const BUILD_INPUTS = ["app", "remix.config.js", "package-lock.json"];

function newestChange(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...fs.readdirSync(entry).map((name) => newestChange(path.join(entry, name))),
  );
}

export function buildIsStale(root = ROOT): boolean {
  const built = path.join(root, "build", "index.js");
  if (!fs.existsSync(built)) return true;
  const builtAt = fs.statSync(built).mtimeMs;
  return BUILD_INPUTS.some((input) => newestChange(path.join(root, input)) > builtAt);
}

/**
 * Runs the Remix build when build/ is missing or stale. Only `remix build`: the Prisma clients
 * `npm run build` also generates are made at install time, and regenerating them while other
 * processes load them (parallel test files) would break those.
 */
export function buildIfStale(root = ROOT): boolean {
  // Checked under the lock: a process that waited finds the build another one just made.
  return withBuildLock(path.join(root, ".cache", "build.lock"), () => {
    buildExtensionsIfStale(root);
    if (!buildIsStale(root)) return false;
    const cli = path.join(root, "node_modules", "@remix-run", "dev", "dist", "cli.js");
    const result = spawnSync(process.execPath, [cli, "build"], {
      cwd: root,
      encoding: "utf8",
      // A production build whatever the caller's NODE_ENV (vitest sets "test").
      env: { ...process.env, NODE_ENV: "production" },
    });
    if (result.status !== 0) {
      throw new Error(`remix build failed:\n${result.stdout}${result.stderr}`);
    }
    return true;
  });
}

/** The newest change under extensions/, their built bundles left out. */
function newestExtensionSource(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    stat.mtimeMs,
    ...fs
      .readdirSync(entry)
      .filter((name) => name !== "dist" && name !== "node_modules")
      .map((name) => newestExtensionSource(path.join(entry, name))),
  );
}

/**
 * The dev store's product list hosts the admin action extensions from their built bundles
 * (extensions/<name>/dist), so the demo builds them as the Shopify CLI would when they changed.
 */
export function buildExtensionsIfStale(root = ROOT): boolean {
  const extensionsDir = path.join(root, "extensions");
  if (!fs.existsSync(extensionsDir)) return false;
  const bundles = fs
    .readdirSync(extensionsDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() &&
        fs.existsSync(path.join(extensionsDir, entry.name, "shopify.extension.toml")),
    )
    .map((entry) => path.join(extensionsDir, entry.name, "dist"));
  const builtAt = Math.min(
    ...bundles.map((dist) =>
      fs.existsSync(dist) && fs.readdirSync(dist).length > 0
        ? Math.min(
            ...fs.readdirSync(dist).map((name) => fs.statSync(path.join(dist, name)).mtimeMs),
          )
        : 0,
    ),
  );
  if (bundles.length === 0 || newestExtensionSource(extensionsDir) <= builtAt) return false;
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "build-extensions.ts")], {
    cwd: root,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`building the admin extensions failed:\n${result.stdout}${result.stderr}`);
  }
  return true;
}

/** Three ports free on this machine for a demo stack beside others (tests, benchmarks). */
export async function freeDemoPorts(): Promise<DemoPorts> {
  const servers = await Promise.all(
    Array.from({ length: 3 }, async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return server;
    }),
  );
  const [admin, front, app] = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return { admin: admin!, front: front!, app: app! };
}

export interface DemoPorts {
  admin: number;
  front: number;
  app: number;
}

export interface DemoStackOptions {
  root?: string;
  ports: DemoPorts;
  /** The host name browsers use: localhost for people, 127.0.0.1 in tests. */
  publicHost: string;
  /** The dev store's state directory; null keeps it in memory. */
  devStoreDir: string | null;
  credentials: { clientId: string; clientSecret: string };
  /** The app's database, if not the one its .env names. */
  databaseUrl?: string;
  /** Catalog products for a new demo shop (all 54 by default). */
  products?: number;
  /** Receives the app server's output, line by line. */
  onAppOutput: (line: string) => void;
}

export interface DemoStack {
  adminUrl: string;
  appUrl: string;
  devStore: DevStore;
  /** Settles with the app server's exit code when it stops. */
  appExit: Promise<number | null>;
  /**
   * Stops the three servers. `appSignalled`: the app server got the signal too (Ctrl-C reaches
   * the terminal's whole process group), so it is given a moment to stop on its own first.
   */
  stop(options?: { appSignalled?: boolean }): Promise<void>;
}

const LOOPBACK = "127.0.0.1";

async function waitForApp(url: string, exit: Promise<number | null>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      await fetch(url, { redirect: "manual" });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(exited ? "The app server exited while starting" : `No answer from ${url}`);
}

export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const root = options.root ?? ROOT;
  const { ports, publicHost } = options;
  const adminUrl = `http://${publicHost}:${ports.admin}`;
  const appUrl = `http://${publicHost}:${ports.front}`;
  const devStoreUrl = `http://${LOOPBACK}:${ports.admin}`;

  // The app boots while the dev store seeds its catalog.
  const preload = pathToFileURL(path.join(root, "emulators", "shopify", "preload.ts")).href;
  const serve = path.join(root, "node_modules", "@remix-run", "serve", "dist", "cli.js");
  const app = spawn(process.execPath, ["--import", preload, serve, "./build/index.js"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: LOOPBACK,
      PORT: String(ports.app),
      SHOPIFY_APP_URL: appUrl,
      SHOPIFY_API_KEY: options.credentials.clientId,
      SHOPIFY_API_SECRET: options.credentials.clientSecret,
      SHOPIFY_DEV_STORE_URL: devStoreUrl,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    },
  });
  const appExit = new Promise<number | null>((resolve) => app.once("exit", resolve));
  for (const output of [app.stdout, app.stderr]) {
    readline.createInterface({ input: output }).on("line", options.onAppOutput);
  }
  // Should this process end without stop(), the app server goes with it.
  const killApp = () => app.kill("SIGTERM");
  process.once("exit", killApp);

  let devStore: DevStore | null = null;
  let front: Awaited<ReturnType<typeof startAppFront>> | null = null;
  const running = () => app.exitCode === null && app.signalCode === null;
  const exitWithin = (ms: number) =>
    Promise.race([appExit, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
  const stop = async ({ appSignalled = false } = {}) => {
    process.off("exit", killApp);
    // The front first: its keep-alive connections would hold the app server open.
    await front?.close();
    if (appSignalled && running()) await exitWithin(3_000);
    // remix-serve stops listening at once but may linger on timers (entry.server's abort delay).
    if (running()) app.kill("SIGTERM");
    if (running()) await exitWithin(2_000);
    if (running()) app.kill("SIGKILL");
    await devStore?.close();
  };

  try {
    devStore = await startLocalDevStore({
      root,
      port: ports.admin,
      host: LOOPBACK,
      publicOrigin: adminUrl,
      dataDir: options.devStoreDir,
      app: { ...options.credentials, appUrl },
      products: options.products,
    });
    front = await startAppFront({
      upstream: `http://${LOOPBACK}:${ports.app}`,
      devStoreOrigin: adminUrl,
      port: ports.front,
      host: LOOPBACK,
    });
    await waitForApp(`http://${LOOPBACK}:${ports.app}/`, appExit);
  } catch (error) {
    await stop();
    throw error;
  }
  return { adminUrl, appUrl, devStore, appExit, stop };
}

async function assertFree(port: number) {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () =>
      reject(
        new Error(`Port ${port} is in use: stop what uses it, or run PORT=<port> npm run demo`),
      ),
    );
    probe.listen(port, LOOPBACK, () => probe.close(() => resolve()));
  });
}

async function main() {
  const started = performance.now();
  const setup = spawnSync("npm", ["run", "--silent", "setup"], { cwd: ROOT, stdio: "inherit" });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
  if (buildIsStale()) {
    console.log("demo: building the app…");
    buildIfStale();
  }

  const config = localAppConfig(ROOT);
  const base = Number(process.env.PORT) || 3000;
  const ports = { admin: base, front: base + 1, app: base + 2 };
  for (const port of Object.values(ports)) await assertFree(port);

  const stack = await startDemoStack({
    ports,
    publicHost: "localhost",
    devStoreDir: path.join(ROOT, "data", "dev-store"),
    credentials: { clientId: config.clientId, clientSecret: config.clientSecret },
    onAppOutput: (line) => {
      if (line.trim()) console.log(`[app] ${line}`);
    },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const store = storeName(DEMO_SHOP.domain);
  console.log(
    [
      "",
      `Photo Studio demo is running (ready in ${seconds} s). Open ${stack.adminUrl}`,
      `  Shopify admin (dev store)  ${stack.adminUrl}/store/${store}`,
      `  Photo Studio in the admin  ${stack.adminUrl}/store/${store}/apps/photo-studio`,
      `  the app's own URL          ${stack.appUrl}`,
      "  State: data/dev-store/ (the store) and the app's database. Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutDown = async (code: number, appSignalled = false) => {
    if (stopping) return;
    stopping = true;
    await stack.stop({ appSignalled });
    console.log("demo: stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutDown(0, true));
  process.on("SIGTERM", () => void shutDown(0));
  void stack.appExit.then((code) => {
    if (stopping) return;
    if (code !== 0) console.error(`demo: the app server exited (code ${code}); stopping the demo`);
    void shutDown(code ?? 1);
  });
}

if (import.meta.main) await main();
