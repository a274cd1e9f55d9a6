import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  useFetcher,
  useLoaderData,
  useLocation,
  useNavigate,
  useNavigation,
  useRevalidator,
} from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Modal,
  Page,
  Select,
  Text,
  Thumbnail,
} from "@shopify/polaris";
import { useEffect, useState } from "react";

import { CursorPagination } from "~/components/jobs/CursorPagination";
import { ListSkeleton, PageError } from "~/components/jobs/PageStates";
import { useActionToast, type ActionResult } from "~/components/jobs/useActionToast";
import db from "~/db.server";
import { restoreItems, restoreJob, restoreProduct } from "~/jobs/review.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { actionFailure } from "~/review/action-errors.server";
import { historyView } from "~/review/history-view.server";
import { cleanId } from "~/review/http.server";
import { historyIntentSchema, outcomeMessage, parseIntent } from "~/review/intents.server";
import { formatDateTime } from "~/review/job-words";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "History · Photo Studio" }];

/** Shopify product ids are GIDs; anything else in the URL is not a filter. */
function productFilter(value: string | null): string | null {
  return value && /^gid:\/\/shopify\/Product\/\d+$/.test(value) ? value : null;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const search = new URL(request.url).searchParams;
  return json(
    await historyView(db, session.shop, {
      productId: productFilter(search.get("productId")),
      jobId: cleanId(search.get("jobId")),
      cursor: cleanId(search.get("cursor")),
    }),
    { headers: { "Cache-Control": "no-store" } },
  );
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const parsed = parseIntent(historyIntentSchema, await request.formData());
  if (!parsed.ok) {
    return json(
      {
        ok: false,
        message: Object.values(parsed.fieldErrors)[0] ?? "Check the form.",
        fieldErrors: parsed.fieldErrors,
      },
      { status: 422 },
    );
  }
  const deps = jobRuntime();
  const intent = parsed.data;
  try {
    const outcome =
      intent.intent === "restoreItems"
        ? await restoreItems(deps, session.shop, intent.itemIds)
        : intent.intent === "restoreProduct"
          ? await restoreProduct(deps, session.shop, intent.productId)
          : await restoreJob(deps, session.shop, intent.jobId);
    if (outcome.done.length === 0 && outcome.refused.length === 0) {
      return json({ ok: false, message: "Nothing to restore: no image of it is in your store." });
    }
    return json({
      ok: outcome.done.length > 0,
      message: `${outcomeMessage("being restored", outcome)}${
        outcome.done.length > 0 ? ". The originals are back in a moment." : ""
      }`,
    });
  } catch (error) {
    return actionFailure(error);
  }
};

type Pending =
  | { intent: "restoreItems"; itemId: string; label: string }
  | { intent: "restoreProduct"; productId: string; label: string }
  | { intent: "restoreJob"; jobId: string; label: string };

const STATE_BADGE: Record<string, { label: string; tone?: "success" | "critical" | "info" }> = {
  written: { label: "In store", tone: "success" },
  restored: { label: "Original restored", tone: "info" },
  failed: { label: "Write failed", tone: "critical" },
};

function SmallImage({ src, alt }: { src: string | null; alt: string }) {
  if (src) return <Thumbnail size="small" source={src} alt={alt} />;
  // The file is gone (retention ended): an empty box of the same size keeps the rows aligned.
  return (
    <div
      role="img"
      aria-label={`${alt}: no longer stored`}
      style={{
        width: 40,
        height: 40,
        borderRadius: 8,
        background: "var(--p-color-bg-surface-secondary)",
      }}
    />
  );
}

export default function History() {
  const { rows, nextCursor, filters, jobOptions, productTitle } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const location = useLocation();
  const navigate = useNavigate();
  const restore = useFetcher<ActionResult>({ key: "history-restore" });
  useActionToast(restore.data);
  const [pending, setPending] = useState<Pending | null>(null);
  // Restores run on the queue: their rows say so at once, and the page refreshes until they are done.
  const [restoring, setRestoring] = useState<ReadonlySet<string>>(new Set());
  const revalidator = useRevalidator();
  const waitingFor = rows.filter((row) => row.canRestore && restoring.has(row.writeBackId)).length;
  useEffect(() => {
    if (waitingFor === 0) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle")
        revalidator.revalidate();
    }, 2000);
    return () => window.clearInterval(timer);
  }, [waitingFor, revalidator]);
  useEffect(() => {
    if (restore.data && !restore.data.ok) setRestoring(new Set());
  }, [restore.data]);
  const loading =
    navigation.state === "loading" && navigation.location.pathname === location.pathname;
  const filtered = Boolean(filters.productId || filters.jobId);
  const busy = restore.state !== "idle";

  const setFilter = (name: "productId" | "jobId", value: string | null) => {
    const params = new URLSearchParams();
    if (name !== "productId" && filters.productId) params.set("productId", filters.productId);
    if (name !== "jobId" && filters.jobId) params.set("jobId", filters.jobId);
    if (value) params.set(name, value);
    navigate(`/app/history${params.size ? `?${params}` : ""}`);
  };

  const confirm = () => {
    if (!pending) return;
    const form = new FormData();
    form.set("intent", pending.intent);
    if (pending.intent === "restoreItems") form.set("itemId", pending.itemId);
    if (pending.intent === "restoreProduct") form.set("productId", pending.productId);
    if (pending.intent === "restoreJob") form.set("jobId", pending.jobId);
    restore.submit(form, { method: "post" });
    const affected = rows.filter(
      (row) =>
        row.canRestore &&
        (pending.intent === "restoreItems"
          ? row.itemId === pending.itemId
          : pending.intent === "restoreProduct"
            ? row.productId === pending.productId
            : row.jobId === pending.jobId),
    );
    setRestoring((current) => new Set([...current, ...affected.map((row) => row.writeBackId)]));
    setPending(null);
  };

  const heading = productTitle
    ? `History of ${productTitle}`
    : filters.jobId
      ? "History of one job"
      : "History";

  return (
    <Page
      title={heading}
      backAction={filtered ? { content: "All history", url: "/app/history" } : undefined}
    >
      <TitleBar title="History" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <InlineStack gap="300" blockAlign="end" align="space-between" wrap>
                <div style={{ minWidth: 280 }}>
                  <Select
                    label="Job"
                    options={[{ label: "All jobs", value: "" }, ...jobOptions]}
                    value={filters.jobId ?? ""}
                    onChange={(value) => setFilter("jobId", value || null)}
                  />
                </div>
                <InlineStack gap="200">
                  {filters.productId ? (
                    <Button
                      variant="primary"
                      tone="critical"
                      disabled={busy}
                      onClick={() =>
                        setPending({
                          intent: "restoreProduct",
                          productId: filters.productId!,
                          label: `every image Photo Studio wrote to ${productTitle ?? "this product"}`,
                        })
                      }
                    >
                      Restore product
                    </Button>
                  ) : null}
                  {filters.jobId ? (
                    <Button
                      variant="primary"
                      tone="critical"
                      disabled={busy}
                      onClick={() =>
                        setPending({
                          intent: "restoreJob",
                          jobId: filters.jobId!,
                          label: "every image this job wrote to your products",
                        })
                      }
                    >
                      Restore job
                    </Button>
                  ) : null}
                  {filtered ? <Button url="/app/history">Clear filters</Button> : null}
                </InlineStack>
              </InlineStack>
            </Card>
            {loading ? (
              <ListSkeleton rows={8} thumbnails />
            ) : rows.length === 0 ? (
              <Card>
                <EmptyState
                  heading={filtered ? "Nothing written here" : "Nothing written to your store yet"}
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                  action={
                    filtered
                      ? { content: "Show all history", url: "/app/history" }
                      : { content: "Go to jobs", url: "/app/jobs" }
                  }
                >
                  <p>
                    Every image you approve is listed here with the product it went to, and you can
                    put the original back at any time.
                  </p>
                </EmptyState>
              </Card>
            ) : (
              <Card padding="0">
                <IndexTable
                  resourceName={{ singular: "image", plural: "images" }}
                  itemCount={rows.length}
                  selectable={false}
                  headings={[
                    { title: "Images" },
                    { title: "Product" },
                    { title: "Written" },
                    { title: "State" },
                    { title: "Actions", alignment: "end" },
                  ]}
                >
                  {rows.map((row, index) => {
                    const badge = STATE_BADGE[row.state] ?? { label: row.state };
                    return (
                      <IndexTable.Row key={row.writeBackId} id={row.writeBackId} position={index}>
                        <IndexTable.Cell>
                          <InlineStack gap="100" wrap={false}>
                            <SmallImage
                              src={row.originalThumb}
                              alt={`Original photo of ${row.productTitle}`}
                            />
                            <SmallImage
                              src={row.resultThumb}
                              alt={`Image written to ${row.productTitle}`}
                            />
                          </InlineStack>
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <BlockStack gap="050">
                            <Link
                              url={`/app/history?productId=${encodeURIComponent(row.productId)}`}
                              accessibilityLabel={`Show the history of ${row.productTitle}`}
                            >
                              {row.productTitle}
                            </Link>
                            <Link url={`/app/jobs/${row.jobId}`} monochrome>
                              <Text as="span" tone="subdued">
                                View job
                              </Text>
                            </Link>
                          </BlockStack>
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <BlockStack gap="050">
                            <span suppressHydrationWarning>
                              {row.writtenAt ? formatDateTime(row.writtenAt) : "Not written"}
                            </span>
                            {row.restoredAt ? (
                              <Text as="span" tone="subdued">
                                <span
                                  suppressHydrationWarning
                                >{`Restored ${formatDateTime(row.restoredAt)}`}</span>
                              </Text>
                            ) : null}
                            <Text as="span" tone="subdued">
                              {row.mode === "add"
                                ? "Added beside the original"
                                : "Replaced the original"}
                            </Text>
                          </BlockStack>
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <Badge {...(badge.tone ? { tone: badge.tone } : {})}>{badge.label}</Badge>
                        </IndexTable.Cell>
                        <IndexTable.Cell>
                          <InlineStack align="end">
                            {row.canRestore && restoring.has(row.writeBackId) ? (
                              <Badge tone="attention">Restoring…</Badge>
                            ) : row.canRestore ? (
                              <Button
                                size="slim"
                                disabled={busy}
                                onClick={() =>
                                  setPending({
                                    intent: "restoreItems",
                                    itemId: row.itemId,
                                    label: `the image written to ${row.productTitle}`,
                                  })
                                }
                              >
                                Restore original
                              </Button>
                            ) : null}
                          </InlineStack>
                        </IndexTable.Cell>
                      </IndexTable.Row>
                    );
                  })}
                </IndexTable>
              </Card>
            )}
            <CursorPagination nextCursor={nextCursor} label="History pages" />
          </BlockStack>
        </Layout.Section>
      </Layout>
      <Modal
        open={pending !== null}
        onClose={() => setPending(null)}
        title="Restore the original?"
        primaryAction={{ content: "Restore original", destructive: true, onAction: confirm }}
        secondaryActions={[{ content: "Keep it", onAction: () => setPending(null) }]}
      >
        <Modal.Section>
          <Text as="p">
            {`This puts the original back in place of ${pending?.label ?? "this image"}, with its position and variant links.`}
          </Text>
        </Modal.Section>
      </Modal>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="History" backUrl="/app" backLabel="Home" />;
}
