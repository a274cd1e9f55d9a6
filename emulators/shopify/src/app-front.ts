/**
 * The app front: a reverse proxy in front of the app server, used only by the offline demo
 * (`npm run demo`) and the browser tests. Production never runs it: there, Shopify admin frames the
 * app from https://admin.shopify.com and the browser loads App Bridge from cdn.shopify.com.
 *
 * Offline, the admin is the dev store and neither Shopify host is reachable, so for the app's
 * unchanged pages to work in a browser the front changes three things on their way out:
 *
 * - the `frame-ancestors` directive of the Content-Security-Policy (shopify-app-remix allows only
 *   the shop and Shopify's admin hosts) also names the dev store's origin, so the browser lets the
 *   admin shell frame the app;
 * - `https://cdn.shopify.com/shopifycloud/app-bridge.js` in HTML documents (the App Bridge script
 *   tag) and in the preload `Link` header points at the dev store's App Bridge stand-in;
 * - a redirect to `https://admin.shopify.com/store/…` (the app sending a merchant back into the
 *   admin) goes to the same page of the dev store's admin.
 *
 * Everything else passes through as it is: methods, status, headers, bodies, streaming.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Transform, pipeline } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import zlib from "node:zlib";

export const SHOPIFY_APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";
const STAND_IN_PATH = "/cdn/shopifycloud/app-bridge.js";
const ADMIN_ORIGIN = "https://admin.shopify.com";

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
];

export interface AppFrontOptions {
  /** The app server, e.g. http://127.0.0.1:3002. */
  upstream: string;
  /** The dev store's origin as browsers reach it, e.g. http://localhost:3000. */
  devStoreOrigin: string;
  port: number;
  host: string;
}

export interface AppFront {
  port: number;
  close(): Promise<void>;
}

/** Adds `origin` to the policy's frame-ancestors (left alone when absent or 'none'). */
export function allowFrameAncestor(policy: string, origin: string): string {
  return policy
    .split(";")
    .map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      if (name?.toLowerCase() !== "frame-ancestors") return directive;
      if (sources.includes("'none'") || sources.includes(origin)) return directive;
      return ` ${[name, origin, ...sources].join(" ")}`;
    })
    .join(";")
    .trim();
}

/** Replaces every occurrence of `search` in a text stream, including across chunk boundaries. */
export class ReplaceStream extends Transform {
  private readonly search: string;
  private readonly replacement: string;
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(search: string, replacement: string) {
    super();
    this.search = search;
    this.replacement = replacement;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    this.pending += this.decoder.write(chunk);
    const parts = this.pending.split(this.search);
    const tail = parts.pop()!;
    // Keep back what could be the start of a match that the next chunk completes (and never
    // split a surrogate pair, which would not survive encoding).
    let cut = Math.max(0, tail.length - (this.search.length - 1));
    if (cut > 0 && /[\uD800-\uDBFF]/.test(tail[cut - 1]!)) cut -= 1;
    const output = [...parts, tail.slice(0, cut)].join(this.replacement);
    this.pending = tail.slice(cut);
    if (output) this.push(output);
    done();
  }

  override _flush(done: () => void) {
    const rest = this.pending + this.decoder.end();
    if (rest) this.push(rest.split(this.search).join(this.replacement));
    done();
  }
}

function decoder(encoding: string | undefined): Transform | null {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

function responseHeaders(upstream: http.IncomingMessage, standIn: string, devStoreOrigin: string) {
  const headers: http.OutgoingHttpHeaders = { ...upstream.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  const csp = headers["content-security-policy"];
  if (typeof csp === "string") {
    headers["content-security-policy"] = allowFrameAncestor(csp, devStoreOrigin);
  }
  if (typeof headers.link === "string") {
    headers.link = headers.link.split(SHOPIFY_APP_BRIDGE_URL).join(standIn);
  }
  if (
    typeof headers.location === "string" &&
    headers.location.startsWith(`${ADMIN_ORIGIN}/store/`)
  ) {
    headers.location = `${devStoreOrigin}${headers.location.slice(ADMIN_ORIGIN.length)}`;
  }
  return headers;
}

export async function startAppFront(options: AppFrontOptions): Promise<AppFront> {
  const upstream = new URL(options.upstream);
  const standIn = `${options.devStoreOrigin}${STAND_IN_PATH}`;
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const proxied = http.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      },
      (answer) => {
        const outgoing = responseHeaders(answer, standIn, options.devStoreOrigin);
        const isHtml = String(answer.headers["content-type"] ?? "").startsWith("text/html");
        if (!isHtml) {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, outgoing);
          pipeline(answer, res, () => undefined);
          return;
        }
        // The body is rewritten, so it goes out decoded and without a length.
        const decode = decoder(answer.headers["content-encoding"]);
        delete outgoing["content-encoding"];
        delete outgoing["content-length"];
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, outgoing);
        const rewrite = new ReplaceStream(SHOPIFY_APP_BRIDGE_URL, standIn);
        pipeline(decode ? [answer, decode, rewrite, res] : [answer, rewrite, res], () => undefined);
      },
    );
    proxied.on("error", (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(`The app front could not reach the app at ${upstream.origin}: ${error.message}\n`);
    });
    pipeline(req, proxied, () => undefined);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
