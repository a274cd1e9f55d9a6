import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  isRouteErrorResponse,
  useLoaderData,
  useRevalidator,
  useRouteError,
} from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { Badge, Banner, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useEffect } from "react";
import { z } from "zod";

import { ActiveJobsCard } from "~/components/home/active-jobs-card";
import { CreditsCard, NoCreditsBanner } from "~/components/home/credits-card";
import { RecentResultsCard } from "~/components/home/recent-results-card";
import { DISMISS_SETUP_GUIDE, SetupGuideCard } from "~/components/home/setup-guide-card";
import db from "~/db.server";
import { homeData } from "~/home/home.server";
import { dismissSetupGuide } from "~/home/setup-guide.server";
import { getShopOverview } from "~/shopify/shop-overview.server";
import { authenticate } from "~/shopify.server";

/** How often the page refreshes while a job runs: progress bars that move without a reload. */
const ACTIVE_JOB_REFRESH_MS = 3_000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin, session } = await authenticate.admin(request);
  const [shop, home] = await Promise.all([
    getShopOverview(admin.graphql),
    homeData(db, session.shop),
  ]);
  return json({ shop, ...home });
};

const actionSchema = z.object({ intent: z.literal(DISMISS_SETUP_GUIDE) });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const parsed = actionSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return json({ errors: parsed.error.flatten().fieldErrors }, { status: 422 });
  }
  await dismissSetupGuide(db, session.shop);
  return json({ errors: null });
};

export default function Index() {
  const { shop, credits, activeJobs, recentResults, guide } = useLoaderData<typeof loader>();
  const productCount = `${shop.productCount}${shop.productCountIsExact ? "" : "+"}`;
  const showGuide = !guide.dismissed && guide.completed < guide.steps.length;

  const revalidator = useRevalidator();
  const running = activeJobs.length > 0;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") {
        revalidator.revalidate();
      }
    }, ACTIVE_JOB_REFRESH_MS);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <Page>
      <TitleBar title="Photo Studio" />
      <Layout>
        {credits.available === 0 ? (
          <Layout.Section>
            <NoCreditsBanner credits={credits} />
          </Layout.Section>
        ) : null}
        {showGuide ? (
          <Layout.Section>
            <SetupGuideCard guide={guide} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <BlockStack gap="400">
            <ActiveJobsCard jobs={activeJobs} />
            <RecentResultsCard results={recentResults} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <CreditsCard credits={credits} />
            <Card>
              <BlockStack gap="200">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {shop.name}
                  </Text>
                  {shop.isDevelopmentStore ? <Badge tone="info">Development store</Badge> : null}
                </InlineStack>
                <Text as="p" tone="subdued">
                  {shop.domain} · {shop.plan} plan
                </Text>
                <Text as="p">
                  {productCount} {shop.productCount === 1 ? "product" : "products"} in your catalog.
                </Text>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Responses thrown by authentication (bounce page, re-authorisation) are Shopify's to render.
  if (isRouteErrorResponse(error)) return boundary.error(error);
  return (
    <Page>
      <TitleBar title="Photo Studio" />
      <Banner tone="critical" title="Photo Studio could not load your home page">
        <p>Something went wrong on our side. Reload the page to try again.</p>
      </Banner>
    </Page>
  );
}
