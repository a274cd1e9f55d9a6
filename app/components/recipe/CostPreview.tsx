import { BlockStack, Box, Card, Divider, InlineStack, Text } from "@shopify/polaris";

import { formatCredits, type RecipeCost } from "~/billing/costs";

interface Props {
  cost: RecipeCost;
  imageCount: number;
  /** false: the image count is an estimate. */
  exact: boolean;
  available: number;
  planName: string;
}

export function estimatedTotal(cost: RecipeCost, imageCount: number) {
  return cost.perImage * imageCount;
}

/** What the job will cost, line by line, against the credits the shop has. */
export function CostPreview({ cost, imageCount, exact, available, planName }: Props) {
  const total = estimatedTotal(cost, imageCount);
  const images = `${exact ? "" : "about "}${imageCount.toLocaleString("en-US")} ${imageCount === 1 ? "image" : "images"}`;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Cost
        </Text>
        <BlockStack gap="100">
          {cost.lines.map((line) => (
            <InlineStack key={line.operation} align="space-between" gap="200" wrap={false}>
              <Text as="span">{line.label}</Text>
              <Text as="span" numeric>
                {formatCredits(line.credits)}
              </Text>
            </InlineStack>
          ))}
        </BlockStack>
        <Divider />
        <InlineStack align="space-between" gap="200">
          <Text as="span">Per image</Text>
          <Text as="span" numeric>
            {formatCredits(cost.perImage)}
          </Text>
        </InlineStack>
        <InlineStack align="space-between" gap="200">
          <Text as="span">× {images}</Text>
          <Text as="span" variant="headingMd" numeric>
            <span aria-live="polite">
              {exact ? "" : "about "}
              {formatCredits(total)}
            </span>
          </Text>
        </InlineStack>
        <Box>
          <Text as="p" tone={total > available ? "critical" : "subdued"}>
            {`${available > 0 ? formatCredits(available) : "No credits"} available on your ${planName} plan.`}
          </Text>
        </Box>
        <Text as="p" tone="subdued" variant="bodySm">
          Credits are held when the job starts and charged per image as results are made; anything
          not made is given back.
        </Text>
      </BlockStack>
    </Card>
  );
}
