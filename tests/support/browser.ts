import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { chromium, type BrowserContext } from "playwright-core";

/** Debian's Chromium, which CI installs (.ci/run); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const SCREENSHOTS_DIR = path.resolve(".cache/screenshots");

// A merchant's desktop Chrome: headless Chromium says "HeadlessChrome", which isbot counts as a
// bot, and shopify-app-remix answers bots 410 Gone before authenticating.
const DESKTOP_CHROME =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

/**
 * Headless Chromium with a fresh profile, driven by playwright-core, kept offline apart from the
 * servers the test starts on 127.0.0.1.
 */
export async function launchChromium(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium, and there is none at ${CHROMIUM_PATH}. Install it ` +
        "(`apt-get install -y chromium`; CI does this in .ci/run) or set CHROMIUM_PATH.",
    );
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    userAgent: DESKTOP_CHROME,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
