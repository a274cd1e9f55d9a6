import fs from "node:fs";
import path from "node:path";

import { DEFAULT_SETTINGS, saveShopSettings } from "~/settings/shop-settings.server";
import { action as productsWebhook } from "~/routes/webhooks.products";

import { CATALOG_DIR } from "../../../emulators/shopify/src/seed";
import { serveWebhookRoutes } from "../../support/dev-store";
import {
  startJobHarness,
  waitFor,
  type Backend,
  type JobHarness,
} from "../../jobs/support/job-harness";

export const PHOTO = fs.readFileSync(path.join(CATALOG_DIR, "abel-y-costa-716024-unsplash.jpg"));

/**
 * The job harness (dev store, fake Replicate, queue, workers) with the app's products webhook
 * route served over HTTP and the dev store delivering to it: the route runs unchanged, on the
 * harness's parts (its `jobRuntime()` is the harness's).
 */
export async function startAutomationHarness(backend: Backend, credits?: number) {
  const harness = await startJobHarness({
    backend,
    products: 1,
    imagesPerProduct: 1,
    maxSide: 400,
    credits,
  });
  const routes = await serveWebhookRoutes({ "/webhooks/products": productsWebhook });
  harness.store.app.appUrl = routes.url;
  const previousRuntime = globalThis.photoStudioJobs;
  globalThis.photoStudioJobs = { deps: harness.deps, working: true };
  const { shop, deps } = harness;
  const admin = await deps.adminFor(shop);

  return {
    harness,
    routes,
    shop,
    db: deps.db,
    devStore: harness.store.devStore,
    async settings(values: Record<string, unknown>) {
      const saved = await saveShopSettings(deps.db, shop, {
        ...DEFAULT_SETTINGS,
        aiProvider: undefined,
        ...values,
      });
      if (!saved.ok) throw new Error(`Settings refused: ${JSON.stringify(saved.errors)}`);
      return saved.settings;
    },
    /** A merchant adds a product with one photo (staged upload, then productCreate). */
    async createProduct(title: string) {
      const staged = await admin.request(
        `#graphql
        mutation PhotoStudioTestStage($input: [StagedUploadInput!]!) {
          stagedUploadsCreate(input: $input) {
            stagedTargets { url resourceUrl parameters { name value } }
            userErrors { field message }
          }
        }`,
        {
          variables: {
            input: [
              {
                resource: "IMAGE",
                httpMethod: "POST",
                filename: "new-arrival.jpg",
                mimeType: "image/jpeg",
                fileSize: String(PHOTO.length),
              },
            ],
          },
        },
      );
      const target = staged.stagedUploadsCreate.stagedTargets[0];
      const form = new FormData();
      for (const { name, value } of target.parameters) form.append(name, value);
      form.append("file", new Blob([new Uint8Array(PHOTO)]), "new-arrival.jpg");
      const upload = await fetch(target.url, { method: "POST", body: form });
      if (upload.status !== 201) throw new Error(`Staged upload answered ${upload.status}`);
      const created = await admin.request(
        `#graphql
        mutation PhotoStudioTestProductCreate($product: ProductCreateInput!, $media: [CreateMediaInput!]) {
          productCreate(product: $product, media: $media) {
            product { id media(first: 5) { nodes { id } } }
            userErrors { field message }
          }
        }`,
        {
          variables: {
            product: { title, productType: "Bags" },
            media: [{ originalSource: target.resourceUrl, mediaContentType: "IMAGE", alt: title }],
          },
        },
      );
      const product = created.productCreate.product as {
        id: string;
        media: { nodes: Array<{ id: string }> };
      };
      return { id: product.id, mediaIds: product.media.nodes.map((node) => node.id) };
    },
    /** A merchant edits the product's title: products/update. */
    async renameProduct(id: string, title: string) {
      await admin.request(
        `#graphql
        mutation PhotoStudioTestProductUpdate($product: ProductUpdateInput!) {
          productUpdate(product: $product) { product { id } userErrors { field message } }
        }`,
        { variables: { product: { id, title } } },
      );
    },
    productDeliveries(productId: string) {
      return harness.store.devStore.webhooks.deliveries.filter(
        (delivery) =>
          delivery.topic.startsWith("products/") &&
          (JSON.parse(delivery.body) as { admin_graphql_api_id: string }).admin_graphql_api_id ===
            productId,
      );
    },
    jobsOf(productId: string) {
      return deps.db.job.findMany({
        where: { shop, selection: { contains: `"${productId}"` } },
        orderBy: { createdAt: "asc" },
      });
    },
    async close() {
      globalThis.photoStudioJobs = previousRuntime;
      await routes.close();
      await harness.close();
    },
  };
}

export type AutomationHarness = Awaited<ReturnType<typeof startAutomationHarness>>;
export type { JobHarness };
export { waitFor };
