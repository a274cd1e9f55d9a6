import { Banner, BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";

import { formatCredits } from "~/billing/costs";
import type { HomeData } from "~/home/home.server";

type Credits = HomeData["credits"];

// UTC on both sides: the server's and the merchant's time zones must render the same text.
const DAY = new Intl.DateTimeFormat("en-US", { month: "long", day: "numeric", timeZone: "UTC" });

export function CreditsCard({ credits }: { credits: Credits }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          Credits
        </Text>
        <InlineStack gap="200" blockAlign="baseline">
          <Text as="p" variant="heading2xl">
            {credits.available.toLocaleString("en-US")}
          </Text>
          <Text as="span" tone="subdued">
            left
          </Text>
        </InlineStack>
        <Text as="p" tone="subdued">
          {credits.planName} · {formatCredits(credits.monthlyCredits)} included each period
          {credits.periodEndsAt ? ` · renews ${DAY.format(new Date(credits.periodEndsAt))}` : ""}
        </Text>
        {credits.held > 0 ? (
          <Text as="p" tone="subdued">
            {formatCredits(credits.held)} set aside for running jobs
          </Text>
        ) : null}
        <InlineStack>
          <Button variant="plain" url="/app/plans">
            Plans and credits
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

/** What a merchant with no credits can still do, and how to get more. */
export function NoCreditsBanner({ credits }: { credits: Credits }) {
  const renewal = credits.periodEndsAt
    ? `Your ${credits.planName} plan adds ${formatCredits(credits.monthlyCredits)} on ${DAY.format(new Date(credits.periodEndsAt))}.`
    : `Your ${credits.planName} plan adds ${formatCredits(credits.monthlyCredits)} at the start of each period.`;
  return (
    <Banner
      tone="warning"
      title="You have no credits left"
      action={{ content: "Buy credits or change plan", url: "/app/plans" }}
    >
      <p>
        AI edits (background removal, scenes, upscaling, alt text) use credits. {renewal} Until then
        you can still review results, write approved images to your store and restore originals.
      </p>
    </Banner>
  );
}
