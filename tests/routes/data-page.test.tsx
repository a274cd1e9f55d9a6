import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { renderToString } from "react-dom/server";
import {
  createStaticHandler,
  createStaticRouter,
  StaticRouterProvider,
} from "react-router-dom/server";
import { describe, expect, it } from "vitest";

import type { DataPageView } from "~/retention/data-page.server";
import YourData from "~/routes/app.data";

/** Server-renders the page with its loader's data inside a data router and Polaris. */
async function render(data: DataPageView): Promise<string> {
  const routes = [
    {
      id: "routes/app.data",
      path: "/app/data",
      loader: () => Response.json(data),
      element: (
        <AppProvider i18n={en}>
          <YourData />
        </AppProvider>
      ),
    },
  ];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/app/data"));
  if (context instanceof Response) throw new Error("unexpected redirect");
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(<StaticRouterProvider router={router} context={context} />);
}

const EMPTY: DataPageView = {
  retention: { retentionDays: 30, resultRetentionDays: 180 },
  counts: { jobs: 0, originals: 0, results: 0 },
  jobs: [],
  products: [],
  audit: [],
};

describe("the Your data page", () => {
  it("says there is nothing to delete when nothing is stored, and still offers the download", async () => {
    const html = await render(EMPTY);
    expect(html).toContain("Nothing to delete");
    expect(html).toContain("Download your data");
    expect(html).not.toContain("Delete all images and jobs");
  });

  it("offers each deletion with a labelled control, and lists the activity", async () => {
    const html = await render({
      ...EMPTY,
      counts: { jobs: 1, originals: 2, results: 1 },
      jobs: [
        { value: "job1", label: "2026-12-02 10:00 UTC · Amazon · white background · 2 images" },
      ],
      products: [{ value: "gid://shopify/Product/1", label: "Mug" }],
      audit: [
        {
          id: "a1",
          at: "2026-12-02T10:00:00.000Z",
          label: "Expired files deleted",
          actor: "system",
          details: {},
        },
      ],
    });
    for (const label of ["Job", "Product"]) {
      const forId = new RegExp(
        `<label[^>]*for="([^"]+)"[^>]*><span[^>]*>${label}</span></label>`,
      ).exec(html)?.[1];
      expect(forId, `a label "${label}"`).toBeTruthy();
      expect(html).toContain(`<select id="${forId}"`);
    }
    expect(html).toContain("Delete this job&#x27;s data");
    expect(html).toContain("Delete all images and jobs");
    expect(html).toContain("2026-12-02 10:00 UTC · Expired files deleted (automatic)");
    expect(html).toContain("after 30 days");
  });
});
