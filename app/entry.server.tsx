import { PassThrough } from "node:stream";

import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";

import { getEnv } from "./env.server";
import { startWorkersInWebProcess } from "./jobs/runtime.server";
import { startRequestLogging } from "./observability/request-log.server";
import { scrubProcessOutput } from "./observability/scrub-output.server";
import { addDocumentResponseHeaders } from "./shopify.server";

// Before anything else prints: no token, secret or link signature reaches the logs. getEnv()
// first, because it reads .env, and the scrubber must know every secret's value.
const { logDir } = getEnv();
scrubProcessOutput();
startRequestLogging({ dir: logDir });

// The embedded default runs bulk jobs in this process; at scale JOB_WORKERS=separate leaves them
// to `npm run worker` processes.
startWorkersInWebProcess();

const ABORT_DELAY_MS = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // Frame-ancestors CSP and the other headers Shopify requires of an embedded app's documents.
  addDocumentResponseHeaders(request, responseHeaders);
  // Crawlers get the whole document at once; people get the shell as soon as it is ready.
  const waitForAll = isbot(request.headers.get("user-agent") ?? "");

  return new Promise<Response>((resolve, reject) => {
    // Declared before the render starts so onAllReady can always clear it; `abort` is only read
    // when the timer fires, long after it is assigned.
    const abortTimer = setTimeout(() => abort(), ABORT_DELAY_MS);
    const respond = () => {
      const body = new PassThrough();
      responseHeaders.set("Content-Type", "text/html");
      resolve(
        new Response(createReadableStreamFromReadable(body), {
          headers: responseHeaders,
          status: responseStatusCode,
        }),
      );
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} />,
      {
        onShellReady() {
          if (!waitForAll) respond();
        },
        onAllReady() {
          // A finished render must not keep the process alive (a quick shutdown after a request).
          clearTimeout(abortTimer);
          if (waitForAll) respond();
        },
        onShellError: reject,
        onError(error: unknown) {
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
  });
}
