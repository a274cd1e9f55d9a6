import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { renderToString } from "react-dom/server";
import {
  createStaticHandler,
  createStaticRouter,
  StaticRouterProvider,
} from "react-router-dom/server";
import { describe, expect, it } from "vitest";

import { auditCatalog } from "~/catalog-audit/audit-groups";
import { groupViews } from "~/catalog-audit/audit-history.server";
import CatalogHealthPage from "~/routes/app.audit";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function render(data: any): Promise<string> {
  const routes = [
    {
      id: "routes/app.audit",
      path: "/app/audit",
      loader: () => Response.json(data),
      element: (
        <AppProvider i18n={en}>
          <CatalogHealthPage />
        </AppProvider>
      ),
    },
  ];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/app/audit"));
  if (context instanceof Response) throw new Error("unexpected redirect");
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(<StaticRouterProvider router={router} context={context} />);
}

const image = (id: string, side: number, extra = {}) => ({
  mediaId: id,
  url: `https://cdn.example/${id}.jpg?width=120`,
  alt: "Photo",
  width: side,
  height: side,
  bytes: 100_000,
  whiteBackground: true,
  ...extra,
});

const result = auditCatalog([
  {
    id: "gid://shopify/Product/1",
    title: "Tiny Mug",
    handle: "tiny-mug",
    images: [image("a", 600)],
  },
  {
    id: "gid://shopify/Product/2",
    title: "Grey Lamp",
    handle: "grey-lamp",
    images: [
      image("b", 2400, { whiteBackground: false, alt: "" }),
      image("c", 2400),
      image("d", 2400),
    ],
  },
]);

const latest = {
  id: "run1",
  status: "completed",
  createdAt: "2026-12-01T10:00:00.000Z",
  productsRead: 2,
  error: null,
  score: result.score,
  productCount: result.productCount,
  imageCount: result.imageCount,
  uncheckedBackgrounds: 0,
  minImages: 3,
  groups: groupViews(result),
};

describe("the catalog health page", () => {
  it("offers the first check when there is none", async () => {
    const html = await render({ latest: null, trend: [], fill: null });
    expect(html).toContain("How healthy are your product photos?");
    expect(html).toContain("Check my catalog");
    // The number field is labelled: its label points at the input.
    const label =
      /<label[^>]*for="([^"]+)"[^>]*>(?:(?!<\/label>).)*Fewest images a product should have/.exec(
        html,
      );
    expect(label).not.toBeNull();
    expect(html).toContain(`id="${label![1]}"`);
  });

  it("shows progress while a check runs", async () => {
    const html = await render({
      latest: { ...latest, status: "running", score: null, groups: [], productsRead: 50 },
      trend: [],
      fill: null,
    });
    expect(html).toContain("Checking your catalog… 50 products read.");
  });

  it("shows the score, its trend, every group with its count, pictures and fixes", async () => {
    const html = await render({
      latest,
      trend: [
        { createdAt: "2026-11-20T10:00:00.000Z", score: 50 },
        { createdAt: "2026-12-01T10:00:00.000Z", score: result.score },
      ],
      fill: null,
    });
    expect(html).toContain(`${result.score} / 100`);
    expect(html).toMatch(/Up \d+ points since Nov 20/);
    expect(html).toContain('role="img"');
    expect(html).toContain("Images under 1000 px");
    // Example images are shown, each named for a screen reader by its product.
    expect(html).toMatch(
      /<img[^>]*alt="Tiny Mug"[^>]*src="https:\/\/cdn\.example\/a\.jpg\?width=120"|<img[^>]*src="https:\/\/cdn\.example\/a\.jpg\?width=120"[^>]*alt="Tiny Mug"/,
    );
    expect(html).toContain(
      "/app/jobs/new?ids=gid%3A%2F%2Fshopify%2FProduct%2F1&amp;solution=upscale-small",
    );
    expect(html).toContain("Fill missing alt text (Free)");
    expect(html).not.toMatch(/<img(?![^>]*alt=)[^>]*>/);
  });

  it("says what a failed check needs", async () => {
    const html = await render({
      latest: {
        ...latest,
        status: "failed",
        score: null,
        groups: [],
        error: "Start the check again.",
      },
      trend: [],
      fill: null,
    });
    expect(html).toContain("The check did not finish");
    expect(html).toContain("Start the check again.");
  });
});
