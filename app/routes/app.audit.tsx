import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";

import { getAiProvider } from "~/ai/provider.server";
import { latestAltTextFill, startAltTextFill } from "~/catalog-audit/alt-text-fill.server";
import { startAudit } from "~/catalog-audit/audit-catalog.server";
import { altTextFillCreditCost, formatCredits } from "~/billing/costs";
import { DEFAULT_MIN_IMAGES } from "~/catalog-audit/audit-groups";
import { auditPageView, latestGroupProducts } from "~/catalog-audit/audit-history.server";
import { AuditGroupCard } from "~/components/audit/AuditGroupCard";
import { ScoreTrend } from "~/components/audit/ScoreTrend";
import { EMPTY_ILLUSTRATION } from "~/components/catalog/empty-illustration";
import db from "~/db.server";
import { rateLimitRefusal } from "~/security/rate-limit.server";
import { adminClientFor } from "~/shopify/admin-client.server";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Catalog health · Photo Studio" }];

/** How often the page looks again while a check or a fill runs. */
const POLL_MS = 2_000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [view, fill] = await Promise.all([
    auditPageView(db, session.shop),
    latestAltTextFill(db, session.shop),
  ]);
  return json({ ...view, fill });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = session.shop;
  const form = await request.formData();
  switch (form.get("intent")) {
    case "start": {
      const minImages = Number(form.get("minImages") ?? DEFAULT_MIN_IMAGES);
      if (!Number.isInteger(minImages) || minImages < 1 || minImages > 20) {
        return json(
          { fieldErrors: { minImages: "Enter a number of images from 1 to 20." } },
          { status: 422 },
        );
      }
      const admin = await adminClientFor(shop);
      const { runId } = await startAudit({ db, admin }, shop, { minImages });
      return json({ runId });
    }
    case "fill-alt-text": {
      const refusal = await rateLimitRefusal(shop, "job.start");
      if (refusal) return refusal;
      const overwrite = form.get("overwrite") === "true";
      // The whole catalog (an empty list), or the products the last check found without alt text.
      const productIds =
        form.get("scope") === "catalog" ? [] : await latestGroupProducts(db, shop, "missingAlt");
      if (!productIds || (productIds.length === 0 && form.get("scope") !== "catalog")) {
        return json(
          {
            fieldErrors: { form: "Every image had alt text at the last check. Check again first." },
          },
          { status: 422 },
        );
      }
      const admin = await adminClientFor(shop);
      const { runId } = await startAltTextFill({ db, admin, provider: getAiProvider() }, shop, {
        productIds,
        overwrite,
      });
      return json({ fillId: runId });
    }
    default:
      return json({ fieldErrors: { form: "Unknown action." } }, { status: 400 });
  }
};

type ActionData = { fieldErrors?: Record<string, string> };

function LoadingPage() {
  return (
    <SkeletonPage title="Catalog health" primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <SkeletonDisplayText size="large" />
            <SkeletonBodyText lines={3} />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <SkeletonBodyText lines={6} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

export default function CatalogHealthPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const audit = useFetcher<ActionData>();
  const fill = useFetcher<ActionData>();
  const [minImages, setMinImages] = useState(String(data.latest?.minImages || DEFAULT_MIN_IMAGES));
  const [rewriteAll, setRewriteAll] = useState(false);

  const latest = data.latest;
  const running = latest?.status === "running" || data.fill?.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  if (navigation.state === "loading" && navigation.location.pathname !== "/app/audit") {
    return <LoadingPage />;
  }

  const start = () => audit.submit({ intent: "start", minImages }, { method: "post" });
  const starting = audit.state !== "idle" || latest?.status === "running";
  const errors = { ...(audit.data?.fieldErrors ?? {}), ...(fill.data?.fieldErrors ?? {}) };

  const settings = (
    <InlineStack gap="300" blockAlign="end">
      <div style={{ maxWidth: 220 }}>
        <TextField
          label="Fewest images a product should have"
          type="number"
          min={1}
          max={20}
          autoComplete="off"
          value={minImages}
          onChange={setMinImages}
          error={errors.minImages}
        />
      </div>
      <Button variant="primary" onClick={start} loading={starting}>
        {latest ? "Check again" : "Check my catalog"}
      </Button>
    </InlineStack>
  );

  if (!latest) {
    return (
      <Page>
        <TitleBar title="Catalog health" />
        <Card>
          <EmptyState heading="How healthy are your product photos?" image={EMPTY_ILLUSTRATION}>
            <BlockStack gap="300">
              <p>
                Photo Studio checks every product for missing or small photos, backgrounds that are
                not white, mixed shapes, missing alt text and heavy files, then offers a fix for
                each.
              </p>
              {settings}
            </BlockStack>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page>
      <TitleBar title="Catalog health" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {errors.form ? (
              <Banner tone="critical" title="That did not start">
                <p>{errors.form}</p>
              </Banner>
            ) : null}
            {latest.status === "failed" ? (
              <Banner tone="critical" title="The check did not finish">
                <p>{latest.error}</p>
              </Banner>
            ) : null}
            {data.fill ? (
              <Banner
                tone={
                  data.fill.status === "failed"
                    ? "critical"
                    : data.fill.status === "running"
                      ? "info"
                      : "success"
                }
                title={
                  data.fill.status === "running"
                    ? "Writing alt text…"
                    : data.fill.status === "failed"
                      ? "Alt text was not written"
                      : "Alt text written"
                }
              >
                <BlockStack gap="200">
                  {data.fill.status === "running" && data.fill.total > 0 ? (
                    <ProgressBar
                      progress={Math.round(
                        ((data.fill.written + data.fill.skipped + data.fill.failed) /
                          data.fill.total) *
                          100,
                      )}
                      size="small"
                    />
                  ) : null}
                  <p>
                    {`${data.fill.written} written, ${data.fill.skipped} kept as they were, ${data.fill.failed} not written, of ${data.fill.total} images.`}
                    {data.fill.error ? ` ${data.fill.error}` : ""}
                  </p>
                </BlockStack>
              </Banner>
            ) : null}
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="start" gap="400">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingMd">
                      Catalog score
                    </Text>
                    {latest.status === "running" ? (
                      <BlockStack gap="200">
                        <Text as="p">
                          {`Checking your catalog… ${latest.productsRead.toLocaleString("en-US")} products read.`}
                        </Text>
                        <SkeletonDisplayText size="large" />
                      </BlockStack>
                    ) : latest.score !== null ? (
                      <>
                        <Text as="p" variant="heading2xl">
                          {`${latest.score} / 100`}
                        </Text>
                        <Text as="p" tone="subdued">
                          {`${latest.productCount.toLocaleString("en-US")} products and ${latest.imageCount.toLocaleString("en-US")} images checked ${new Date(latest.createdAt).toLocaleString("en-US")}.`}
                          {latest.uncheckedBackgrounds > 0
                            ? ` ${latest.uncheckedBackgrounds} backgrounds could not be checked this time.`
                            : ""}
                        </Text>
                      </>
                    ) : null}
                  </BlockStack>
                  <ScoreTrend points={data.trend} />
                </InlineStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  Each product starts at 100 and loses points for each problem it has; the score is
                  the average over your products.
                </Text>
                {settings}
              </BlockStack>
            </Card>
            {latest.status === "completed" ? (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Alt text for the whole catalog
                  </Text>
                  <Text as="p" tone="subdued">
                    Describes every product image from its product&apos;s details and what the photo
                    shows. Alt text you wrote stays as it is unless you choose to rewrite it.
                  </Text>
                  <Checkbox
                    label="Also rewrite alt text that already exists"
                    checked={rewriteAll}
                    onChange={setRewriteAll}
                  />
                  <InlineStack gap="200" blockAlign="center">
                    <Button
                      onClick={() =>
                        fill.submit(
                          {
                            intent: "fill-alt-text",
                            scope: "catalog",
                            overwrite: String(rewriteAll),
                          },
                          { method: "post" },
                        )
                      }
                      loading={fill.state !== "idle"}
                      disabled={data.fill?.status === "running"}
                    >
                      Write alt text
                    </Button>
                    <Text as="span" variant="bodySm" tone="subdued">
                      {`Cost: ${formatCredits(
                        altTextFillCreditCost(
                          rewriteAll
                            ? latest.imageCount
                            : (latest.groups.find((group) => group.id === "missingAlt")
                                ?.imageCount ?? 0),
                        ),
                      )}`}
                    </Text>
                  </InlineStack>
                </BlockStack>
              </Card>
            ) : null}
            {latest.status === "completed" ? (
              <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
                {latest.groups.map((group) => (
                  <AuditGroupCard
                    key={group.id}
                    group={group}
                    filling={fill.state !== "idle" || data.fill?.status === "running"}
                    onFillAltText={(overwrite) =>
                      fill.submit(
                        { intent: "fill-alt-text", overwrite: String(overwrite) },
                        { method: "post" },
                      )
                    }
                  />
                ))}
              </InlineGrid>
            ) : latest.status === "running" ? (
              <Card>
                <SkeletonBodyText lines={8} />
              </Card>
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
