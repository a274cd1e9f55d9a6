import http from "node:http";
import type { AddressInfo } from "node:net";

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { APP_URL } from "@shopify/shopify-api/test-helpers";

type Handler = (args: LoaderFunctionArgs | ActionFunctionArgs) => unknown;

export interface Route {
  /** Matched against the path; named groups become params. */
  path: RegExp;
  loader?: Handler;
  action?: Handler;
}

/**
 * A real HTTP server in front of route modules, the way remix-serve dispatches them: loaders for
 * GET, actions for the rest, a thrown Response answers, and anything else thrown is reported with
 * console.error (Remix's default handleError) and answered 500. Requests reach the routes with the
 * app's public URL, as behind the production proxy, so Shopify's checks see what they expect.
 */
export async function startRouteServer(routes: Route[]) {
  const server = http.createServer(async (incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", APP_URL);
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request = new Request(url, {
      method: incoming.method,
      headers: Object.entries(incoming.headers).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : value]],
      ) as Array<[string, string]>,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const response = await answer(routes, request, url);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(routes: Route[], request: Request, url: URL): Promise<Response> {
  for (const route of routes) {
    const match = route.path.exec(url.pathname);
    if (!match) continue;
    const handler = request.method === "GET" ? route.loader : route.action;
    if (!handler) return new Response(null, { status: 405 });
    try {
      const result = await handler({ request, params: { ...match.groups }, context: {} });
      return result instanceof Response ? result : Response.json(result ?? null);
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      console.error(thrown);
      return new Response("Unexpected Server Error", { status: 500 });
    }
  }
  return new Response("Not Found", { status: 404 });
}
