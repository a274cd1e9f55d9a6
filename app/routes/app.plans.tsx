import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link as RemixLink, useFetcher, useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Select,
  Text,
} from "@shopify/polaris";
import { useState } from "react";

import { refreshBilling } from "~/billing/billing-sync.server";
import { PlanActionError, planIntentSchema, runPlanIntent } from "~/billing/plan-actions.server";
import { plansView, type PlansView } from "~/billing/plans-view.server";
import { CursorPagination } from "~/components/jobs/CursorPagination";
import { PageError } from "~/components/jobs/PageStates";
import { useActionToast } from "~/components/jobs/useActionToast";
import db from "~/db.server";
import { getEnv } from "~/env.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { cleanId } from "~/review/http.server";
import { adminClientOver } from "~/shopify/admin-client.server";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Plans and credits · Photo Studio" }];

const billingDeps = () => ({ db, queue: jobRuntime().queue });

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, admin } = await authenticate.admin(request);
  // Every visit re-reads billing from Shopify: the merchant may be back from the confirmation
  // page (approved or declined), and a webhook may not have arrived yet.
  await refreshBilling(billingDeps(), adminClientOver(session.shop, admin), session.shop, {
    actor: "merchant",
  });
  const cursor = cleanId(new URL(request.url).searchParams.get("cursor"));
  return json(await plansView(db, session.shop, { cursor }), {
    headers: { "Cache-Control": "no-store" },
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, admin, billing } = await authenticate.admin(request);
  const parsed = planIntentSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    return json({ ok: false, message: "Choose a plan, a pack or a limit." }, { status: 422 });
  }
  try {
    const { message } = await runPlanIntent(
      billingDeps(),
      {
        shop: session.shop,
        apiKey: getEnv().apiKey,
        billing,
        admin: adminClientOver(session.shop, admin),
      },
      parsed.data,
    );
    return json({ ok: true, message });
  } catch (error) {
    if (error instanceof PlanActionError) {
      return json({ ok: false, message: error.message }, { status: 422 });
    }
    // The billing helpers throw the redirect to Shopify's confirmation page.
    throw error;
  }
};

type ActionResult = { ok: boolean; message: string };

function CurrentPlan({ current }: { current: PlansView["current"] }) {
  const fetcher = useFetcher<ActionResult>();
  useActionToast(fetcher.data);
  const [cap, setCap] = useState(String(current.usage?.higherCaps[0] ?? ""));
  const busy = fetcher.state !== "idle";
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {current.name}
            </Text>
            {current.test ? <Badge tone="info">Test charges</Badge> : null}
          </InlineStack>
          <Text as="span" tone="subdued">
            {current.price}
          </Text>
        </InlineStack>
        <InlineGrid columns={{ xs: 1, sm: 3 }} gap="400">
          <BlockStack gap="100">
            <Text as="span" tone="subdued">
              Credits available
            </Text>
            <Text as="p" variant="headingLg">
              {current.available.toLocaleString("en-US")}
            </Text>
          </BlockStack>
          <BlockStack gap="100">
            <Text as="span" tone="subdued">
              Held by running jobs
            </Text>
            <Text as="p" variant="headingLg">
              {current.held.toLocaleString("en-US")}
            </Text>
          </BlockStack>
          <BlockStack gap="100">
            <Text as="span" tone="subdued">
              {`Included this period (${current.periodLabel})`}
            </Text>
            <Text as="p" variant="headingLg">
              {current.includedCredits.toLocaleString("en-US")}
            </Text>
          </BlockStack>
        </InlineGrid>
        <Text as="p" tone="subdued">
          Included credits renew every period and what is left of them expires at its end. Credits
          you buy in packs never expire. Approving, rejecting and standard edits are free.
        </Text>
        {current.usage ? (
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              Extra credits this period
            </Text>
            <ProgressBar
              progress={current.usage.percent}
              tone={current.usage.percent >= 90 ? "critical" : "primary"}
              ariaLabelledBy="usage-label"
            />
            <Text as="p" id="usage-label">
              {`$${current.usage.used.toFixed(2)} of your $${current.usage.cap.toFixed(2)} spending limit used`}
            </Text>
            {current.usage.higherCaps.length > 0 ? (
              <fetcher.Form method="post">
                <input type="hidden" name="intent" value="raiseCap" />
                <InlineStack gap="200" blockAlign="end">
                  <Select
                    label="New spending limit per 30 days"
                    name="amount"
                    options={current.usage.higherCaps.map((amount) => ({
                      label: `$${amount}`,
                      value: String(amount),
                    }))}
                    value={cap}
                    onChange={setCap}
                  />
                  <Button submit loading={busy && fetcher.formData?.get("intent") === "raiseCap"}>
                    Raise limit
                  </Button>
                </InlineStack>
              </fetcher.Form>
            ) : null}
          </BlockStack>
        ) : null}
        {current.id !== "free" ? (
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value="cancel" />
            <Button
              submit
              tone="critical"
              variant="plain"
              loading={busy && fetcher.formData?.get("intent") === "cancel"}
            >
              Cancel plan and go back to Free
            </Button>
          </fetcher.Form>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function PlanCards({ plans }: { plans: PlansView["plans"] }) {
  const fetcher = useFetcher<ActionResult>();
  useActionToast(fetcher.data);
  return (
    <InlineGrid columns={{ xs: 1, sm: 2, lg: 4 }} gap="400">
      {plans.map((plan) => (
        <Card key={plan.id}>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h3" variant="headingSm">
                {plan.name}
              </Text>
              {plan.current ? <Badge tone="success">Current</Badge> : null}
            </InlineStack>
            <Text as="p" variant="headingMd">
              {plan.price}
            </Text>
            <Text as="p">{plan.credits}</Text>
            <Text as="p" tone="subdued">
              {plan.overage}
            </Text>
            {plan.trial ? <Text as="p">{plan.trial}</Text> : null}
            {plan.id === "free" || plan.current ? null : (
              <fetcher.Form method="post">
                <input type="hidden" name="intent" value="subscribe" />
                <input type="hidden" name="plan" value={plan.id} />
                <Button
                  submit
                  variant="primary"
                  loading={fetcher.state !== "idle" && fetcher.formData?.get("plan") === plan.id}
                  accessibilityLabel={`Choose ${plan.name}`}
                >
                  Choose
                </Button>
              </fetcher.Form>
            )}
          </BlockStack>
        </Card>
      ))}
    </InlineGrid>
  );
}

function Packs({ packs }: { packs: PlansView["packs"] }) {
  const fetcher = useFetcher<ActionResult>();
  useActionToast(fetcher.data);
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Buy credits
        </Text>
        <Text as="p" tone="subdued">
          One-time purchases on your Shopify bill. Bought credits never expire and are used after
          your plan&apos;s included credits.
        </Text>
        <InlineGrid columns={{ xs: 1, sm: 3 }} gap="300">
          {packs.map((pack) => (
            <Box key={pack.id} padding="300" background="bg-surface-secondary" borderRadius="200">
              <BlockStack gap="200">
                <Text as="p" variant="headingSm">
                  {`${pack.credits.toLocaleString("en-US")} credits`}
                </Text>
                <Text as="p">{pack.price}</Text>
                <fetcher.Form method="post">
                  <input type="hidden" name="intent" value="buyPack" />
                  <input type="hidden" name="pack" value={pack.id} />
                  <Button
                    submit
                    loading={fetcher.state !== "idle" && fetcher.formData?.get("pack") === pack.id}
                    accessibilityLabel={`Buy ${pack.credits} credits for ${pack.price}`}
                  >
                    Buy
                  </Button>
                </fetcher.Form>
              </BlockStack>
            </Box>
          ))}
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}

const dateTime = (iso: string) =>
  new Date(iso).toLocaleString("en-US", {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

function History({ ledger }: { ledger: PlansView["ledger"] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Credit history
        </Text>
        {ledger.entries.length === 0 ? (
          <Text as="p" tone="subdued">
            Nothing yet: credits granted, held and used appear here.
          </Text>
        ) : (
          <DataTable
            columnContentTypes={["text", "text", "numeric"]}
            headings={["When", "What", "Credits"]}
            rows={ledger.entries.map((entry) => [
              dateTime(entry.at),
              entry.jobId ? (
                <RemixLink key={entry.id} to={`/app/jobs/${entry.jobId}`}>
                  {entry.description}
                </RemixLink>
              ) : (
                entry.description
              ),
              entry.amount > 0 ? `+${entry.amount}` : String(entry.amount),
            ])}
          />
        )}
        <CursorPagination nextCursor={ledger.nextCursor} label="Credit history pages" />
      </BlockStack>
    </Card>
  );
}

export default function PlansPage() {
  const view = useLoaderData<typeof loader>();
  const { current } = view;
  return (
    <Page title="Plans and credits">
      <TitleBar title="Plans and credits" />
      <Layout>
        {current.pausedJobs > 0 ? (
          <Layout.Section>
            <Banner
              tone="warning"
              title={`${current.pausedJobs} ${current.pausedJobs === 1 ? "job is" : "jobs are"} waiting for credits`}
            >
              <p>
                Your spending limit for extra credits is reached. Raise it or buy a credit pack
                below, and waiting jobs continue by themselves.
              </p>
            </Banner>
          </Layout.Section>
        ) : current.usage?.warned ? (
          <Layout.Section>
            <Banner tone="info" title="You have used most of your spending limit">
              <p>
                {`$${current.usage.used.toFixed(2)} of $${current.usage.cap.toFixed(2)} this period. Raise the limit so large jobs are not paused.`}
              </p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <CurrentPlan current={current} />
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Compare plans
            </Text>
            <PlanCards plans={view.plans} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Packs packs={view.packs} />
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                What things cost
              </Text>
              <DataTable
                columnContentTypes={["text", "text"]}
                headings={["Step", "Per image"]}
                rows={view.costs.map((cost) => [cost.label, cost.cost])}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <History ledger={view.ledger} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Plans and credits" backUrl="/app" backLabel="Home" />;
}
