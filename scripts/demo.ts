/**
 * `npm run demo`: the whole product on one machine, offline. Prepares the database, builds the app
 * if needed and serves it on PORT (3000 by default).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const run = (script: string) => {
  const result = spawnSync("npm", ["run", "--silent", script], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run("setup");
if (!existsSync("build/index.js")) run("build");

const server = spawn("npx", ["remix-serve", "./build/index.js"], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code) => process.exit(code ?? 0));
