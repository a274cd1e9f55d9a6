import { afterEach, describe, expect, it } from "vitest";

import renderBulkAction from "../../extensions/photo-studio-bulk-action/src/BulkAction";
import renderProductAction from "../../extensions/photo-studio-product-action/src/ProductAction";
import renderProductBlock from "../../extensions/photo-studio-product-block/src/ProductBlock";

import { startAdminHost, type Backend, type CatalogProduct } from "./support/admin-host";
import { elements, visibleText, type RemoteElement } from "./support/remote-dom";

const CATALOG: CatalogProduct[] = [
  { id: "gid://shopify/Product/101", title: "Linen shirt", images: 2 },
  { id: "gid://shopify/Product/102", title: "Canvas tote", images: 1 },
  { id: "gid://shopify/Product/103", title: "Wool scarf", images: 3 },
  { id: "gid://shopify/Product/104", title: "Gift card", images: 0 },
];

const OPTIONS = {
  choices: [
    {
      id: "saved:r1",
      kind: "saved",
      name: "Etsy 2x",
      summary: "Etsy · 2× upscale",
      creditsPerImage: 2,
    },
    {
      id: "preset:amazon",
      kind: "preset",
      name: "Amazon",
      summary: "Amazon · white background",
      creditsPerImage: 1,
    },
    {
      id: "preset:shopify",
      kind: "preset",
      name: "Shopify",
      summary: "Shopify · photo kept",
      creditsPerImage: 0,
    },
  ],
  credits: { available: 25, planName: "Free" },
};

function backend(overrides: Partial<Record<string, Backend>> = {}): Backend {
  const progress = [
    {
      jobId: "job_1",
      status: "queued",
      intake: "pending",
      intakeError: null,
      total: 0,
      counts: {},
    },
    {
      jobId: "job_1",
      status: "processing",
      intake: "done",
      intakeError: null,
      total: 3,
      counts: { queued: 1, processing: 0, ready_for_review: 2 },
    },
  ];
  return async (call) => {
    const key = `${call.method} ${call.path}`;
    const override = overrides[key];
    if (override) return override(call);
    if (key === "GET /api/extensions/options") return { status: 200, body: OPTIONS };
    if (key === "POST /api/extensions/jobs") {
      return { status: 201, body: { jobId: "job_1", imageCount: 3, credits: 6 } };
    }
    if (key === "GET /api/extensions/jobs/job_1") {
      return { status: 200, body: progress.shift() ?? { ...progress[0], status: "in_review" } };
    }
    return { status: 404, body: { error: { code: "not_found", message: "" } } };
  };
}

let host: Awaited<ReturnType<typeof startAdminHost>> | undefined;

afterEach(() => {
  host?.stop();
  host = undefined;
});

async function openBulkAction(
  selected: string[],
  options: { backend?: Backend; locale?: "en" | "fr" } = {},
) {
  host = await startAdminHost({
    extension: "photo-studio-bulk-action",
    target: "admin.product-index.selection-action.render",
    selected,
    catalog: CATALOG,
    backend: options.backend ?? backend(),
    locale: options.locale,
  });
  await renderBulkAction();
  await host.waitFor(() => expect(action().hasAttribute("loading")).toBe(false));
  return host;
}

const action = () => elements(host!.document.body, "s-admin-action")[0]!;
const buttons = () => elements(host!.document.body, "s-button");
const button = (label: string) => {
  const found = buttons().find((b) => visibleText(b) === label);
  if (!found)
    throw new Error(
      `No button "${label}" in: ${buttons()
        .map((b) => visibleText(b))
        .join(", ")}`,
    );
  return found;
};
const banners = () =>
  elements(host!.document.body, "s-banner").map((banner) => ({
    tone: banner.getAttribute("tone"),
    heading: banner.getAttribute("heading"),
    text: visibleText(banner),
  }));
const select = () => elements(host!.document.body, "s-select")[0]!;
const text = () => visibleText(host!.document.body);

function choose(element: RemoteElement, value: string) {
  (element as unknown as { value: string }).value = value;
  element.dispatchEvent(new Event("change"));
}

describe("the bulk action on the product list", () => {
  it("shows the selected products with thumbnails, the recipes and presets, and the cost", async () => {
    await openBulkAction(CATALOG.slice(0, 3).map((p) => p.id));

    expect(action().getAttribute("heading")).toBe("Photo Studio: enhance images");
    expect(action().hasAttribute("loading")).toBe(false);
    expect(text()).toContain("3 products selected · 6 images");
    expect(elements(host!.document.body, "s-thumbnail").map((t) => t.prop("src"))).toEqual([
      "https://cdn.shopify.com/s/files/101.jpg",
      "https://cdn.shopify.com/s/files/102.jpg",
      "https://cdn.shopify.com/s/files/103.jpg",
    ]);
    const groups = elements(select(), "s-option-group");
    expect(groups.map((g) => g.getAttribute("label"))).toEqual([
      "Your saved recipes",
      "Marketplace presets",
    ]);
    expect(elements(select(), "s-option").map((o) => visibleText(o))).toEqual([
      "Etsy 2x (2 credits per image)",
      "Amazon (1 credit per image)",
      "Shopify (Free per image)",
    ]);
    expect(text()).toContain("Etsy · 2× upscale");
    expect(text()).toContain("Cost: 12 credits for 6 images");
    expect(text()).toContain("25 credits available");
    expect(button("Enhance images").hasAttribute("disabled")).toBe(false);
  });

  it("reads the selection with the Admin API and calls the app with the session token", async () => {
    const ids = CATALOG.slice(0, 2).map((p) => p.id);
    await openBulkAction(ids);

    expect(host!.queries).toHaveLength(1);
    expect(host!.queries[0]!.query).toContain("query PhotoStudioSelectedProducts");
    expect(host!.queries[0]!.variables).toEqual({ ids });
    expect(host!.calls).toEqual([
      {
        method: "GET",
        path: "/api/extensions/options",
        authorization: `Bearer ${host!.token}`,
        body: undefined,
      },
    ]);
  });

  it("prices the recipe the merchant picks", async () => {
    await openBulkAction(CATALOG.slice(0, 3).map((p) => p.id));

    choose(select(), "preset:amazon");

    await host!.waitFor(() => expect(text()).toContain("Amazon · white background"));
    expect(text()).toContain("Cost: 6 credits for 6 images");
  });

  it("starts the job, then follows its progress with a link to the job page", async () => {
    const ids = CATALOG.slice(0, 3).map((p) => p.id);
    await openBulkAction(ids);

    button("Enhance images").click();
    await host!.waitFor(() => expect(text()).toContain("Open the job in Photo Studio"));

    const start = host!.calls.find((call) => call.method === "POST");
    expect(start).toEqual({
      method: "POST",
      path: "/api/extensions/jobs",
      authorization: `Bearer ${host!.token}`,
      body: { productIds: ids, choiceId: "saved:r1" },
    });
    expect(banners()[0]).toMatchObject({ tone: "info", heading: "Job started" });
    expect(text()).toContain("Finding the products' images…");
    const link = elements(host!.document.body, "s-link")[0]!;
    expect(link.prop("href")).toBe("app:/app/jobs/job_1");
    expect(visibleText(link)).toBe("Open the job in Photo Studio");

    // The next poll (every 2 s) finds the images and two results ready.
    await host!.waitFor(() => expect(banners()[0]).toMatchObject({ heading: "Enhancing images" }));
    const progress = elements(host!.document.body, "s-progress")[0]!;
    expect([progress.prop("value"), progress.prop("max")]).toEqual(["2", "3"]);
    expect(text()).toContain("2 of 3 images done");

    button("Done").click();
    expect(host!.close).toHaveBeenCalledOnce();
  }, 10_000);

  it("shows the app's refusal when another job is still working on the products", async () => {
    const message =
      "Photo Studio is still working on “Linen shirt”. Finish or cancel that job first.";
    await openBulkAction([CATALOG[0]!.id], {
      backend: backend({
        "POST /api/extensions/jobs": () => ({
          status: 409,
          body: {
            error: { code: "job_running", message, jobId: "job_0", productIds: [CATALOG[0]!.id] },
          },
        }),
      }),
    });

    button("Enhance images").click();
    await host!.waitFor(() => expect(banners()).toHaveLength(1));

    expect(banners()).toEqual([
      {
        tone: "critical",
        heading: "A job is already running",
        text: `${message} Open the running job`,
      },
    ]);
    expect(elements(host!.document.body, "s-link")[0]!.prop("href")).toBe("app:/app/jobs/job_0");
    expect(button("Enhance images").hasAttribute("disabled")).toBe(false);
  });

  it("shows the app's refusal when the credits ran out since the modal opened", async () => {
    const message =
      "This needs 12 credits for 6 images and you have 3 credits left. Buy more credits in Photo Studio or select fewer products.";
    await openBulkAction(
      CATALOG.slice(0, 3).map((p) => p.id),
      {
        backend: backend({
          "POST /api/extensions/jobs": () => ({
            status: 402,
            body: { error: { code: "insufficient_credits", message, needed: 12, available: 3 } },
          }),
        }),
      },
    );

    button("Enhance images").click();
    await host!.waitFor(() => expect(banners()).toHaveLength(1));

    expect(banners()).toEqual([{ tone: "critical", heading: "Not enough credits", text: message }]);
  });

  it("does not offer to start what the credits left cannot pay", async () => {
    await openBulkAction(
      CATALOG.slice(0, 3).map((p) => p.id),
      {
        backend: backend({
          "GET /api/extensions/options": () => ({
            status: 200,
            body: { ...OPTIONS, credits: { available: 5, planName: "Free" } },
          }),
        }),
      },
    );

    expect(banners()).toEqual([
      {
        tone: "critical",
        heading: "Not enough credits",
        text: "This needs 12 credits and 5 credits are left. Buy more credits in Photo Studio or select fewer products.",
      },
    ]);
    expect(button("Enhance images").hasAttribute("disabled")).toBe(true);
  });

  it("names the selected products that have no images and does not start", async () => {
    await openBulkAction([CATALOG[0]!.id, CATALOG[3]!.id]);

    expect(banners()).toEqual([
      {
        tone: "warning",
        heading: "Some products have no images",
        text: "Gift card has no images to enhance. Add images or leave it out of the selection.",
      },
    ]);
    expect(button("Enhance images").hasAttribute("disabled")).toBe(true);
  });

  it("says so plainly when the app cannot be reached", async () => {
    await openBulkAction([CATALOG[0]!.id], {
      backend: () => {
        throw new TypeError("fetch failed");
      },
    });

    expect(banners()).toEqual([
      {
        tone: "critical",
        heading: "Photo Studio could not load",
        text: "Photo Studio could not be reached. Check your connection and try again.",
      },
    ]);
    expect(button("Enhance images").hasAttribute("disabled")).toBe(true);
  });

  it("closes when the merchant cancels", async () => {
    await openBulkAction([CATALOG[0]!.id]);

    button("Cancel").click();

    expect(host!.close).toHaveBeenCalledOnce();
    expect(host!.calls.some((call) => call.method === "POST")).toBe(false);
  });

  it("speaks the admin's language", async () => {
    await openBulkAction(
      CATALOG.slice(0, 2).map((p) => p.id),
      { locale: "fr" },
    );

    expect(action().getAttribute("heading")).toBe("Photo Studio : améliorer les images");
    expect(text()).toContain("2 produits sélectionnés · 3 images");
    expect(button("Améliorer les images")).toBeDefined();
  });
});

describe("the action on a product's page", () => {
  async function openProductAction(
    productId: string,
    overrides: Partial<Record<string, Backend>> = {},
  ) {
    host = await startAdminHost({
      extension: "photo-studio-product-action",
      target: "admin.product-details.action.render",
      selected: [productId],
      catalog: CATALOG,
      backend: backend(overrides),
    });
    await renderProductAction();
    await host.waitFor(() => expect(action().hasAttribute("loading")).toBe(false));
    return host;
  }

  it("offers the same recipes for the one product, and restoring its original images", async () => {
    await openProductAction(CATALOG[2]!.id);

    expect(text()).toContain("1 product selected · 3 images");
    expect(buttons().map((b) => [visibleText(b), b.getAttribute("slot")])).toEqual([
      ["Enhance images", "primary-action"],
      ["Restore original images", "secondary-actions"],
      ["Cancel", "secondary-actions"],
    ]);
  });

  it("queues the restore and says how many images go back", async () => {
    await openProductAction(CATALOG[2]!.id, {
      "POST /api/extensions/restore": () => ({ status: 202, body: { restoring: 3 } }),
    });

    button("Restore original images").click();
    await host!.waitFor(() => expect(banners()).toHaveLength(1));

    expect(host!.calls.at(-1)).toMatchObject({
      method: "POST",
      path: "/api/extensions/restore",
      body: { productId: CATALOG[2]!.id },
    });
    expect(banners()).toEqual([
      {
        tone: "success",
        heading: "Restoring original images",
        text: "3 images are being put back on the product.",
      },
    ]);
  });

  it("explains when there is nothing to restore", async () => {
    const message =
      "Photo Studio has not changed any images of this product, so there is nothing to restore.";
    await openProductAction(CATALOG[0]!.id, {
      "POST /api/extensions/restore": () => ({
        status: 404,
        body: { error: { code: "not_found", message } },
      }),
    });

    button("Restore original images").click();
    await host!.waitFor(() => expect(banners()).toHaveLength(1));

    expect(banners()).toEqual([{ tone: "critical", heading: "Not found", text: message }]);
  });
});

describe("the Photo Studio block on a product's page", () => {
  async function openBlock(status: unknown) {
    host = await startAdminHost({
      extension: "photo-studio-product-block",
      target: "admin.product-details.block.render",
      selected: [CATALOG[0]!.id],
      catalog: CATALOG,
      backend: (call) =>
        call.path ===
        `/api/extensions/product-status?productId=${encodeURIComponent(CATALOG[0]!.id)}`
          ? { status: 200, body: status }
          : { status: 404, body: {} },
    });
    await renderProductBlock();
    await host.waitFor(() => expect(elements(host!.document.body, "s-button")).toHaveLength(1));
    return host;
  }

  it("shows the last job and the results waiting for review, with a link to review them", async () => {
    await openBlock({
      lastJob: { id: "job_9", status: "in_review", createdAt: "2026-11-30T10:00:00.000Z" },
      awaitingReview: 2,
      written: 0,
    });

    const block = elements(host!.document.body, "s-admin-block")[0]!;
    expect(block.getAttribute("heading")).toBe("Photo Studio");
    expect(text()).toContain("Last job: Ready for your review (Nov 30, 2026)");
    expect(visibleText(elements(host!.document.body, "s-badge")[0]!)).toBe("2 results to review");
    const link = elements(host!.document.body, "s-link")[0]!;
    expect([link.prop("href"), visibleText(link)]).toEqual([
      "app:/app/jobs/job_9/review",
      "Review the results",
    ]);
    expect(host!.calls[0]!.authorization).toBe(`Bearer ${host!.token}`);
  });

  it("says Photo Studio has not touched the product, and opens the product action to start", async () => {
    await openBlock({ lastJob: null, awaitingReview: 0, written: 0 });

    expect(text()).toContain("Photo Studio has not worked on this product yet.");
    button("Enhance images").click();
    expect(host!.navigate).toHaveBeenCalledWith("extension://photo-studio-product-action");
  });
});
