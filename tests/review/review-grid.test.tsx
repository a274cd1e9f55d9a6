import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import type { ReactElement } from "react";
import { renderToString } from "react-dom/server";
import {
  createStaticHandler,
  createStaticRouter,
  StaticRouterProvider,
} from "react-router-dom/server";
import { describe, expect, it } from "vitest";

import { CompareView } from "~/components/review/CompareView";
import { firstRowImages, ReviewGrid } from "~/components/review/ReviewGrid";
import type { ReviewTile } from "~/review/review-view.server";

/** Server-renders an element inside a data router (fetchers need one) and Polaris. */
async function render(element: ReactElement): Promise<string> {
  const routes = [{ path: "/", element: <AppProvider i18n={en}>{element}</AppProvider> }];
  const handler = createStaticHandler(routes);
  const context = await handler.query(new Request("http://localhost/"));
  if (context instanceof Response) throw new Error("unexpected redirect");
  const router = createStaticRouter(handler.dataRoutes, context);
  return renderToString(<StaticRouterProvider router={router} context={context} />);
}

function tile(n: number, over: Partial<ReviewTile> = {}): ReviewTile {
  return {
    id: `item-${n}`,
    productId: `gid://shopify/Product/${n}`,
    productTitle: `Product ${n}`,
    status: "ready_for_review",
    position: 0,
    error: null,
    original: { thumb: `/files/o${n}-thumb` },
    result: {
      variantId: `v${n}`,
      thumb: `/files/r${n}-thumb`,
      width: 1200,
      height: 900,
      origin: "recipe",
      prompt: null,
      altText: null,
      notes: [],
    },
    aspectRatio: 4 / 3,
    ...over,
  };
}

const noop = () => undefined;

describe("the review grid", () => {
  it("renders one light tile per result with the controls the shortcuts and tests rely on", async () => {
    const tiles = Array.from({ length: 100 }, (_, n) => tile(n));
    const html = await render(
      <ReviewGrid
        tiles={tiles}
        selected={new Set()}
        overrides={{}}
        onToggle={noop}
        onOpen={noop}
      />,
    );
    expect(html.match(/data-tile=/g)).toHaveLength(100);
    expect(html.match(/>Approve<\/button>/g)).toHaveLength(100);
    expect(html.match(/>Reject<\/button>/g)).toHaveLength(100);
    expect(html).toContain('aria-describedby="review-shortcuts"');
    // Only the first tile is in the tab order; arrows move between the rest.
    expect(html.match(/tabindex="0"/g)).toHaveLength(1);
    // The first row (four tiles, two images each) loads first, decoded off the main thread; the
    // rest waits, at low priority, until it scrolls into view.
    expect(html.match(/fetchpriority="high"/g)).toHaveLength(8);
    expect(html.match(/loading="eager"/g)).toHaveLength(8);
    expect(html.match(/decoding="sync"/g)).toBeNull();
    expect(html.match(/loading="lazy"/g)).toHaveLength(2 * 96);
    expect(html.match(/fetchpriority="low"/g)).toHaveLength(2 * 96);
    // Plain elements: no Polaris component inside the 100 tiles.
    expect(html).not.toMatch(/class="Polaris-/);
  });

  it("announces the first row's thumbnails for preloading, results first, and only those", () => {
    const tiles = [
      tile(1),
      tile(2, { original: null }),
      tile(3, { result: null }),
      tile(4),
      tile(5),
    ];
    expect(firstRowImages(tiles)).toEqual([
      "/files/r1-thumb",
      "/files/r2-thumb",
      "/files/r4-thumb",
      "/files/o1-thumb",
      "/files/o3-thumb",
      "/files/o4-thumb",
    ]);
    expect(firstRowImages([])).toEqual([]);
  });

  it("shows what an action did before the page reloads, and only lets waiting results be decided", async () => {
    const html = await render(
      <ReviewGrid
        tiles={[
          tile(1),
          tile(2, { status: "written" }),
          tile(3, {
            status: "failed",
            result: null,
            error: { what: "The photo is damaged.", next: "Replace it.", retryHelps: false },
          }),
        ]}
        selected={new Set(["item-1"])}
        overrides={{ "item-1": "approved" }}
        onToggle={noop}
        onOpen={noop}
      />,
    );
    expect(html).toContain('aria-label="Product 1, Approved"');
    expect(html).toContain('aria-label="Product 2, In store"');
    expect(html).toContain("The photo is damaged.");
    expect(html).toContain("No result");
    // Approve and reject are enabled only on results that wait for review: none here.
    expect(html.match(/data-action="approve" disabled=""/g)).toHaveLength(3);
  });
});

describe("the before/after comparison", () => {
  it("is a labelled slider with its value, over both images", async () => {
    const html = await render(
      <CompareView
        before="/files/before"
        after="/files/after"
        aspectRatio={1.5}
        productTitle="Mug"
      />,
    );
    expect(html).toContain('role="slider"');
    expect(html).toContain('aria-label="Compare before and after"');
    expect(html).toContain('aria-valuenow="50"');
    expect(html).toContain('alt="Original photo of Mug"');
    expect(html).toContain('alt="Result for Mug"');
    expect(html).toContain("aspect-ratio:1.5");
  });
});
