import type {
  ActionFunctionArgs,
  LinksFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from "@remix-run/node";
import { json } from "@remix-run/node";
import type { ShouldRevalidateFunction } from "@remix-run/react";
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
  Banner,
  BlockStack,
  Button,
  Card,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
// The stylesheet app.tsx links (the same file once built): only preloaded here, see `meta`.
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { CursorPagination } from "~/components/jobs/CursorPagination";
import { ListSkeleton, PageError } from "~/components/jobs/PageStates";
import { useActionToast } from "~/components/jobs/useActionToast";
import { ItemDetail } from "~/components/review/ItemDetail";
import {
  firstRowImages,
  ReviewGrid,
  type ReviewActionResult,
} from "~/components/review/ReviewGrid";
import reviewStyles from "~/components/review/review.css";
import db from "~/db.server";
import {
  approveAll,
  approveItems,
  eraseInItem,
  regenerateItem,
  rejectItems,
} from "~/jobs/review.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { actionFailure } from "~/review/action-errors.server";
import { cleanId, notFound } from "~/review/http.server";
import { setResultAltText } from "~/review/alt-text.server";
import { outcomeMessage, parseIntent, reviewIntentSchema } from "~/review/intents.server";
import { splitJobItems, withForeign } from "~/review/job-items.server";
import { readMask } from "~/review/mask.server";
import { filterOf, type ReviewFilter } from "~/review/filters";
import { reviewView } from "~/review/review-view.server";
import { rateLimitRefusal } from "~/security/rate-limit.server";
import { authenticate } from "~/shopify.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reviewStyles }];

/**
 * The first row's thumbnails are the page's largest paint. Announced in <head>, the browser asks
 * for them as it reads the first bytes of the document, ahead of the ~20 script chunks the end of
 * the page lists: over HTTP/1.1's six connections, found later, they waited behind those scripts.
 * The stylesheets are announced before them (<Meta /> comes before <Links />), so the eight
 * images do not take every connection while the styles the first paint needs wait.
 */
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: "Review results · Photo Studio" },
  ...[polarisStyles, reviewStyles].map((href) => ({
    tagName: "link",
    rel: "preload",
    as: "style",
    href,
  })),
  ...firstRowImages(data?.tiles ?? []).map((href) => ({
    tagName: "link",
    rel: "preload",
    as: "image",
    href,
    fetchpriority: "high",
  })),
];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const search = new URL(request.url).searchParams;
  const view = await reviewView(db, session.shop, params.jobId ?? "", {
    cursor: cleanId(search.get("cursor")) ?? undefined,
    status: filterOf(search.get("status")),
  });
  if (!view) notFound();
  return json(view, { headers: { "Cache-Control": "no-store" } });
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = session.shop;
  const jobId = params.jobId ?? "";
  const form = await request.formData();
  const parsed = parseIntent(reviewIntentSchema, form);
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
    if (intent.intent === "approveAll") {
      const outcome = await approveAll(deps, shop, jobId);
      if (!outcome) notFound();
      return json({
        ok: true,
        message:
          outcome.done.length > 0
            ? outcomeMessage("approved", outcome)
            : "Nothing was waiting for review.",
        statuses: Object.fromEntries(outcome.done.map((id) => [id, "approved"])),
      });
    }
    const ids = "itemIds" in intent ? intent.itemIds : [intent.itemId];
    const { own, foreign } = await splitJobItems(db, shop, jobId, ids);
    if (intent.intent === "approve" || intent.intent === "reject") {
      const act = intent.intent === "approve" ? approveItems : rejectItems;
      const outcome = withForeign(await act(deps, shop, own), foreign);
      const status = intent.intent === "approve" ? "approved" : "canceled";
      return json(
        {
          ok: outcome.done.length > 0,
          message: outcomeMessage(intent.intent === "approve" ? "approved" : "rejected", outcome),
          statuses: Object.fromEntries(outcome.done.map((id) => [id, status])),
        },
        { status: outcome.done.length > 0 || own.length > 0 ? 200 : 404 },
      );
    }
    const itemId = own[0];
    if (!itemId) {
      return json(
        { ok: false, message: "This image does not exist or was deleted." },
        { status: 404 },
      );
    }
    if (intent.intent === "altText") {
      const outcome = await setResultAltText(db, shop, itemId, intent.altText);
      if (outcome === "saved") return json({ ok: true, message: "Alt text saved" });
      return json(
        {
          ok: false,
          message:
            outcome === "not_found"
              ? "This image does not exist or was deleted."
              : "Only a result waiting for review can get new alt text.",
        },
        { status: outcome === "not_found" ? 404 : 409 },
      );
    }
    // Regenerate and erase run AI models: a shop sending them in a loop gets a 429 in words.
    const refusal = await rateLimitRefusal(shop, "review.regenerate");
    if (refusal) return refusal;
    if (intent.intent === "regenerate") {
      await regenerateItem(deps, shop, itemId, intent.prompt ? { prompt: intent.prompt } : {});
      return json({
        ok: true,
        message: "Regenerating: the new result appears here when it is ready.",
        statuses: { [itemId]: "processing" },
      });
    }
    const mask = await readMask(form.get("mask"));
    if (!mask.ok) {
      return json(
        { ok: false, message: mask.message, fieldErrors: { mask: mask.message } },
        { status: 422 },
      );
    }
    await eraseInItem(deps, shop, itemId, { mask: mask.mask });
    return json({
      ok: true,
      message: "Erasing: the new result appears here when it is ready.",
      statuses: { [itemId]: "processing" },
    });
  } catch (error) {
    return actionFailure(error);
  }
};

// A tile's approve or reject answers with the item's new status, which the tile shows: reloading
// 36 tiles after every click would only slow the next one.
export const shouldRevalidate: ShouldRevalidateFunction = ({
  formData,
  defaultShouldRevalidate,
}) => {
  if (formData?.get("source") === "tile") return false;
  return defaultShouldRevalidate;
};

const FILTER_OPTIONS: Array<{ label: string; value: ReviewFilter }> = [
  { label: "All images", value: "all" },
  { label: "Ready for review", value: "ready_for_review" },
  { label: "Approved", value: "approved" },
  { label: "In store", value: "written" },
  { label: "Failed", value: "failed" },
  { label: "Rejected", value: "canceled" },
];

export default function ReviewPage() {
  const { job, tiles, nextCursor, costs, credits } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const location = useLocation();
  const navigate = useNavigate();
  const bulk = useFetcher<ReviewActionResult>({ key: `review-bulk-${job.id}` });
  useActionToast(bulk.data);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [openId, setOpenId] = useState<string | null>(null);
  const lastFocused = useRef<string | null>(null);

  // Results being made (a regenerate, an erase, a retry) appear without a reload.
  const revalidator = useRevalidator();
  const working = tiles.some((tile) => tile.status === "queued" || tile.status === "processing");
  useEffect(() => {
    if (!working) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") {
        revalidator.revalidate();
      }
    }, 3000);
    return () => window.clearInterval(timer);
  }, [working, revalidator]);

  const filter = filterOf(new URLSearchParams(location.search).get("status"));
  const loadingPage =
    navigation.state === "loading" && navigation.location.pathname === location.pathname;

  const onToggle = useCallback((id: string) => {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const onOpen = useCallback((id: string) => {
    lastFocused.current = id;
    setOpenId(id);
  }, []);
  const onClose = useCallback(() => {
    setOpenId(null);
    // Back to the tile the detail was opened from, so the keyboard flow continues there.
    const id = lastFocused.current;
    if (id)
      requestAnimationFrame(() =>
        document.querySelector<HTMLElement>(`[data-tile="${id}"]`)?.focus(),
      );
  }, []);

  // A bulk action shows on its tiles at once; the page's reload then confirms it.
  const overrides = useMemo(() => {
    const map: Record<string, string> = {};
    const intent = bulk.formData?.get("intent");
    if (intent === "approveAll") {
      for (const tile of tiles) if (tile.status === "ready_for_review") map[tile.id] = "approved";
    } else if (intent === "approve" || intent === "reject") {
      for (const id of bulk.formData?.getAll("itemId") ?? []) {
        map[String(id)] = intent === "approve" ? "approved" : "canceled";
      }
    }
    return map;
  }, [bulk.formData, tiles]);

  const waiting = tiles.filter(
    (tile) => tile.status === "ready_for_review" && !overrides[tile.id],
  ).length;
  const selectedIds = [...selected].filter((id) =>
    tiles.some((tile) => tile.id === id && tile.status === "ready_for_review"),
  );
  const bulkBusy = bulk.state !== "idle";
  const submitBulk = (intent: "approve" | "reject") => {
    const form = new FormData();
    form.set("intent", intent);
    for (const id of selectedIds) form.append("itemId", id);
    bulk.submit(form, { method: "post" });
    setSelected(new Set());
  };
  const open = openId ? tiles.find((tile) => tile.id === openId) : undefined;

  return (
    <Page
      title="Review results"
      subtitle={job.summary}
      backAction={{ content: "Job", url: `/app/jobs/${job.id}` }}
      primaryAction={{
        content: "Approve all",
        disabled: waiting === 0 || bulkBusy,
        loading: bulkBusy && bulk.formData?.get("intent") === "approveAll",
        onAction: () => bulk.submit({ intent: "approveAll" }, { method: "post" }),
      }}
      fullWidth
    >
      <TitleBar title="Review results" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {costs.regenerate && credits.available < costs.regenerate.credits ? (
              <Banner tone="warning" title="You are out of credits">
                <p>
                  Approving and rejecting stay free. Regenerating and the magic eraser need credits;
                  they renew with your plan each month.
                </p>
              </Banner>
            ) : null}
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="end" gap="300" wrap>
                  <div style={{ minWidth: 200 }}>
                    <Select
                      label="Show"
                      options={FILTER_OPTIONS}
                      value={filter}
                      onChange={(value) => {
                        const params = new URLSearchParams();
                        if (value !== "all") params.set("status", value);
                        navigate(`${location.pathname}${params.size ? `?${params}` : ""}`);
                      }}
                    />
                  </div>
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="span" tone="subdued">
                      {`${credits.available} ${credits.available === 1 ? "credit" : "credits"} left`}
                    </Text>
                    <Button
                      onClick={() => submitBulk("approve")}
                      disabled={selectedIds.length === 0 || bulkBusy}
                    >
                      {`Approve selected (${selectedIds.length})`}
                    </Button>
                    <Button
                      onClick={() => submitBulk("reject")}
                      disabled={selectedIds.length === 0 || bulkBusy}
                    >
                      {`Reject selected (${selectedIds.length})`}
                    </Button>
                  </InlineStack>
                </InlineStack>
                <Text as="p" tone="subdued" id="review-shortcuts">
                  Keyboard: arrow keys move between images, <kbd className="ps-kbd">A</kbd>{" "}
                  approves, <kbd className="ps-kbd">R</kbd> rejects,{" "}
                  <kbd className="ps-kbd">Space</kbd> selects, <kbd className="ps-kbd">Enter</kbd>{" "}
                  opens the detail view and <kbd className="ps-kbd">Esc</kbd> closes it.
                </Text>
              </BlockStack>
            </Card>
            {loadingPage ? (
              <ListSkeleton rows={8} thumbnails />
            ) : tiles.length === 0 ? (
              <Card>
                <EmptyState
                  heading={filter === "all" ? "No images in this job yet" : "No images here"}
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                  action={{ content: "Back to the job", url: `/app/jobs/${job.id}` }}
                  secondaryAction={
                    filter === "all"
                      ? undefined
                      : { content: "Show all images", url: location.pathname }
                  }
                >
                  <p>
                    {filter === "all"
                      ? "Results appear here as soon as they are generated."
                      : "No image of this job matches this filter."}
                  </p>
                </EmptyState>
              </Card>
            ) : (
              <ReviewGrid
                tiles={tiles}
                selected={selected}
                overrides={overrides}
                onToggle={onToggle}
                onOpen={onOpen}
              />
            )}
            <CursorPagination nextCursor={nextCursor} label="Result pages" />
          </BlockStack>
        </Layout.Section>
      </Layout>
      {open ? (
        <ItemDetail tile={open} job={job} costs={costs} credits={credits} onClose={onClose} />
      ) : null}
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Review results" backUrl="/app/jobs" backLabel="Jobs" />;
}
