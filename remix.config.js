/**
 * Remix's classic compiler (esbuild), as chosen in docs/decisions/001-remix-classic-compiler.md.
 * @type {import('@remix-run/dev').AppConfig}
 */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  appDirectory: "app",
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Node's ESM loader wants an import attribute on JSON imports, which the classic compiler does
  // not write for external modules: bundling Polaris' locale files avoids the question.
  serverDependenciesToBundle: [/^@shopify\/polaris\/locales\//],
  dev: {
    port: Number(process.env.HMR_SERVER_PORT) || 8002,
  },
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    // Single fetch changes how loaders serialise and how thrown auth responses travel; it waits
    // until shopify-app-remix's boundary helpers are verified with it.
    v3_singleFetch: false,
  },
};
