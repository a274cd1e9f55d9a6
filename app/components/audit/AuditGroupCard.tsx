import { Badge, BlockStack, Button, Card, InlineStack, Text, Thumbnail } from "@shopify/polaris";

import { formatCredits } from "~/billing/costs";
import type { AuditGroupView } from "~/catalog-audit/audit-history.server";

interface Props {
  group: AuditGroupView;
  onFillAltText: (overwrite: boolean) => void;
  filling: boolean;
}

const count = (n: number, one: string, many: string) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** One defect group: how many products, a few of its images, and its one-click fix. */
export function AuditGroupCard({ group, onFillAltText, filling }: Props) {
  const clean = group.productCount === 0;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h3" variant="headingSm">
            {group.title}
          </Text>
          <Badge tone={clean ? "success" : "warning"}>
            {clean ? "All good" : count(group.productCount, "product", "products")}
          </Badge>
        </InlineStack>
        <Text as="p" tone="subdued">
          {group.description}
          {!clean && group.imageCount > 0 ? ` ${count(group.imageCount, "image", "images")}.` : ""}
        </Text>
        {group.examples.length > 0 ? (
          <InlineStack gap="200">
            {group.examples.map((example) => (
              <Thumbnail
                key={`${example.productId}-${example.mediaId}`}
                source={example.thumbnail}
                alt={example.title}
                size="medium"
              />
            ))}
          </InlineStack>
        ) : null}
        {group.fix?.kind === "job" ? (
          <InlineStack gap="200" blockAlign="center">
            <Button url={group.fix.url}>{group.fix.label}</Button>
            <Text as="span" variant="bodySm" tone="subdued">
              {group.fix.partial
                ? "Opens a new job for the first 250 products; you see its cost before starting."
                : "Opens a new job for these products; you see its cost before starting."}
            </Text>
          </InlineStack>
        ) : null}
        {group.fix?.kind === "alt-text" ? (
          <InlineStack gap="200" blockAlign="center">
            <Button onClick={() => onFillAltText(false)} loading={filling}>
              {`${group.fix.label} (${formatCredits(group.fix.credits)})`}
            </Button>
            <Button variant="plain" onClick={() => onFillAltText(true)} disabled={filling}>
              Rewrite all alt text of these products
            </Button>
          </InlineStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}
