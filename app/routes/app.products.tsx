import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useLocation, useNavigate, useNavigation } from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Pagination,
  SkeletonBodyText,
  Text,
  useIndexResourceState,
} from "@shopify/polaris";
import { useCallback, useState } from "react";
import { z } from "zod";

import { ProductFilters, type FilterValues } from "~/components/catalog/ProductFilters";
import { EMPTY_ILLUSTRATION } from "~/components/catalog/empty-illustration";
import { ProductThumbnail } from "~/components/catalog/ProductThumbnail";
import {
  IMAGES_PER_PRODUCT,
  PRODUCT_STATUSES,
  SCAN_LIMIT,
  SMALL_IMAGE_PX,
} from "~/catalog/browse-options";
import {
  browseProducts,
  productFacets,
  productSearchQuery,
  type ProductFacets,
  type ProductPage,
} from "~/catalog/product-browser.server";
import db from "~/db.server";
import { createAdminClient, isShopifyAdminError } from "~/shopify/admin-client.server";
import { authenticate } from "~/shopify.server";

const paramsSchema = z.object({
  q: z.string().max(500).catch(""),
  type: z.string().max(255).catch(""),
  vendor: z.string().max(255).catch(""),
  status: z.enum(PRODUCT_STATUSES).or(z.literal("")).catch(""),
  images: z.array(z.enum(["no-white", "small"])).catch([]),
  after: z.string().max(1_000).catch(""),
  before: z.string().max(1_000).catch(""),
});

function readParams(url: URL) {
  const search = url.searchParams;
  return paramsSchema.parse({
    q: search.get("q") ?? "",
    type: search.get("type") ?? "",
    vendor: search.get("vendor") ?? "",
    status: search.get("status") ?? "",
    images: search.getAll("images"),
    after: search.get("after") ?? "",
    before: search.get("before") ?? "",
  });
}

const LOAD_FAILED =
  "Shopify did not send your products just now. Reload the page in a moment; if it keeps happening, open Photo Studio again from your Shopify admin.";

export const meta: MetaFunction = () => [{ title: "Products · Photo Studio" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin, session } = await authenticate.admin(request);
  const params = readParams(new URL(request.url));
  const client = createAdminClient(
    session.shop,
    (document, { variables, signal }) => admin.graphql(document, { variables, signal }),
    // A page a merchant waits for: fail with a banner rather than wait out a long throttle.
    { deadlineMs: 20_000, maxRetries: 2 },
  );
  const filters = {
    text: params.q,
    productType: params.type,
    vendor: params.vendor,
    status: params.status || undefined,
    noWhiteBackground: params.images.includes("no-white"),
    smallImages: params.images.includes("small"),
  };
  const [page, facets] = await Promise.all([
    browseProducts({ admin: client, db }, session.shop, filters, {
      after: params.after || null,
      before: params.before || null,
    }).catch((error: unknown): { error: string } => {
      // Lost access needs the merchant to act (its message says how); anything else is a wait.
      if (isShopifyAdminError(error)) {
        return { error: error.code === "UNAUTHORIZED" ? error.message : LOAD_FAILED };
      }
      throw error;
    }),
    // Choices for the vendor and type filters are a convenience: without them the filters take
    // typed values instead.
    productFacets(client).catch((): ProductFacets | null => null),
  ]);
  const imageFiltered = filters.noWhiteBackground || filters.smallImages;
  return json({
    filters: {
      q: params.q,
      type: params.type,
      vendor: params.vendor,
      status: params.status,
      images: params.images,
    } satisfies FilterValues,
    // The search a job can use for "all matching products" (only Shopify's own filters).
    searchQuery: imageFiltered ? null : productSearchQuery(filters),
    page: "error" in page ? null : page,
    error: "error" in page ? page.error : null,
    facets,
  });
};

function toSearch(values: FilterValues): URLSearchParams {
  const search = new URLSearchParams();
  if (values.q) search.set("q", values.q);
  if (values.type) search.set("type", values.type);
  if (values.vendor) search.set("vendor", values.vendor);
  if (values.status) search.set("status", values.status);
  for (const image of values.images) search.append("images", image);
  return search;
}

function newJobUrl(ids: string[]) {
  return `/app/jobs/new?${new URLSearchParams({ ids: ids.join(",") })}`;
}

const STATUS_BADGES: Record<string, { tone?: "success" | "info"; label: string }> = {
  ACTIVE: { tone: "success", label: "Active" },
  DRAFT: { tone: "info", label: "Draft" },
  ARCHIVED: { label: "Archived" },
};

function LoadingRows() {
  return (
    <Box padding="400">
      <BlockStack gap="400">
        <div role="status" aria-label="Loading products">
          <SkeletonBodyText lines={8} />
        </div>
      </BlockStack>
    </Box>
  );
}

function scanNote(page: ProductPage): string | null {
  const parts: string[] = [];
  if (page.scanLimited) {
    parts.push(
      `The image filters looked at ${page.scanned} products (up to ${SCAN_LIMIT} at a time) and found ${page.products.length}. Use Next to look through more of your catalog.`,
    );
  }
  if (page.unchecked > 0) {
    parts.push(
      `${page.unchecked} ${page.unchecked === 1 ? "product was" : "products were"} left out because Photo Studio could not look at all of ${page.unchecked === 1 ? "its" : "their"} images just now.`,
    );
  }
  return parts.length > 0 ? parts.join(" ") : null;
}

export default function ProductsPage() {
  const { filters, searchQuery, page, error, facets } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const navigate = useNavigate();
  const location = useLocation();
  const shopify = useAppBridge();
  const [pickerError, setPickerError] = useState<string | null>(null);

  const loading =
    navigation.state === "loading" && navigation.location.pathname === location.pathname;
  const products = page?.products ?? [];
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } =
    useIndexResourceState(products);

  const applyFilters = useCallback(
    (values: FilterValues) => {
      clearSelection();
      const search = toSearch(values).toString();
      navigate(search ? `?${search}` : ".", { replace: true });
    },
    [navigate, clearSelection],
  );

  const goToPage = (cursor: { after?: string; before?: string }) => {
    const search = toSearch(filters);
    if (cursor.after) search.set("after", cursor.after);
    if (cursor.before) search.set("before", cursor.before);
    clearSelection();
    navigate(`?${search}`);
  };

  async function pickProducts() {
    setPickerError(null);
    try {
      const picked = await shopify.resourcePicker({ type: "product", multiple: true });
      if (picked && picked.length > 0) navigate(newJobUrl(picked.map((product) => product.id)));
    } catch {
      setPickerError("The product picker could not open. Select products in the table instead.");
    }
  }

  const createJob = () => {
    // "All" with more pages: the whole search, so the job is not limited to this page.
    if (allResourcesSelected && searchQuery !== null && page?.nextCursor) {
      navigate(`/app/jobs/new?${new URLSearchParams({ query: searchQuery })}`);
      return;
    }
    navigate(newJobUrl(selectedResources));
  };

  const filtered =
    filters.q || filters.type || filters.vendor || filters.status || filters.images.length > 0;
  const note = page ? scanNote(page) : null;

  const rows = products.map((product, index) => (
    <IndexTable.Row
      id={product.id}
      key={product.id}
      position={index}
      selected={selectedResources.includes(product.id)}
    >
      <IndexTable.Cell>
        <ProductThumbnail thumbnail={product.thumbnail} title={product.title} />
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" variant="bodyMd" fontWeight="semibold">
          {product.title}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Badge tone={STATUS_BADGES[product.status]?.tone}>
          {STATUS_BADGES[product.status]?.label ?? product.status}
        </Badge>
      </IndexTable.Cell>
      <IndexTable.Cell>{product.productType || "—"}</IndexTable.Cell>
      <IndexTable.Cell>{product.vendor}</IndexTable.Cell>
      <IndexTable.Cell>
        <InlineStack gap="100" wrap={false} blockAlign="center">
          <Text as="span" numeric>
            {product.imageCount}
            {product.moreImages ? "+" : ""}
          </Text>
          {product.smallImageCount > 0 ? (
            <Badge tone="warning">{`${product.smallImageCount} under ${SMALL_IMAGE_PX} px`}</Badge>
          ) : null}
          {product.hasWhiteBackground === false ? <Badge>No white background</Badge> : null}
        </InlineStack>
      </IndexTable.Cell>
    </IndexTable.Row>
  ));

  const emptyState = filtered ? (
    <EmptyState heading="No products match" image={EMPTY_ILLUSTRATION}>
      <p>Try another search, or remove a filter.</p>
    </EmptyState>
  ) : (
    <EmptyState
      heading="Your store has no products yet"
      action={{
        content: "Add products in Shopify",
        url: "shopify://admin/products/new",
        target: "_top",
      }}
      image={EMPTY_ILLUSTRATION}
    >
      <p>Add products with photos in your Shopify admin, then come back to edit their images.</p>
    </EmptyState>
  );

  return (
    <Page fullWidth>
      <TitleBar title="Products">
        <button variant="primary" onClick={pickProducts}>
          Pick products
        </button>
      </TitleBar>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {error ? (
              <Banner tone="critical" title="Your products could not be loaded">
                <p>{error}</p>
              </Banner>
            ) : null}
            {pickerError ? (
              <Banner tone="warning" onDismiss={() => setPickerError(null)}>
                <p>{pickerError}</p>
              </Banner>
            ) : null}
            {note ? (
              <Banner tone="info" title="About the image filters">
                <p>{note}</p>
              </Banner>
            ) : filters.images.length > 0 && page ? (
              <Text as="p" tone="subdued">
                {`Image filters look at each product's first ${IMAGES_PER_PRODUCT} images, reading up to ${SCAN_LIMIT} products at a time to fill a page.`}
              </Text>
            ) : null}
            <Card padding="0">
              <ProductFilters
                values={filters}
                facets={facets}
                loading={loading}
                onChange={applyFilters}
              />
              {loading ? (
                <LoadingRows />
              ) : (
                <IndexTable
                  resourceName={{ singular: "product", plural: "products" }}
                  itemCount={products.length}
                  selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
                  onSelectionChange={handleSelectionChange}
                  hasMoreItems={Boolean(page?.nextCursor) && searchQuery !== null}
                  promotedBulkActions={[{ content: "Create job", onAction: createJob }]}
                  emptyState={error ? <Box padding="400" /> : emptyState}
                  headings={[
                    { title: "Image" },
                    { title: "Product" },
                    { title: "Status" },
                    { title: "Type" },
                    { title: "Vendor" },
                    { title: "Images" },
                  ]}
                >
                  {rows}
                </IndexTable>
              )}
              {page && (page.nextCursor || page.previousCursor) ? (
                <Box padding="300" borderBlockStartWidth="025" borderColor="border">
                  <InlineStack align="center">
                    <Pagination
                      hasPrevious={Boolean(page.previousCursor)}
                      onPrevious={() => goToPage({ before: page.previousCursor ?? undefined })}
                      hasNext={Boolean(page.nextCursor)}
                      onNext={() => goToPage({ after: page.nextCursor ?? undefined })}
                      accessibilityLabels={{ previous: "Previous products", next: "Next products" }}
                    />
                  </InlineStack>
                </Box>
              ) : null}
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
