import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

/**
 * The production web process as `npm start` runs it (remix-serve on the built app, build/ made by
 * scripts/demo.ts's buildIfStale, as the browser tests do), with its Shopify traffic routed to the
 * dev store. Answers once it serves HTTP.
 */
export async function startWebProcess(env: Record<string, string>) {
  const port = await freePort();
  const serve = path.resolve("node_modules/@remix-run/serve/dist/cli.js");
  const child = spawn(
    process.execPath,
    ["--import", "./emulators/shopify/preload.ts", serve, "./build/index.js"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...env,
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The web process exited:\n${output}`);
    try {
      await fetch(`${url}/`, { redirect: "manual" });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`No answer from ${url}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      // remix-serve may linger on timers after it stops listening.
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type WebProcess = Awaited<ReturnType<typeof startWebProcess>>;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
