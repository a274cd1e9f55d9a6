import { Link } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Text } from "@shopify/polaris";

import type { HomeData } from "~/home/home.server";

/** The thumbnails' pixel size (signed "thumb" links are about 320 px): reserved before they load. */
const THUMB_PX = 320;

export function RecentResultsCard({ results }: { results: HomeData["recentResults"] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Recent results
        </Text>
        {results.length === 0 ? (
          <Text as="p" tone="subdued">
            Edited images appear here as soon as your first job produces them.
          </Text>
        ) : (
          <InlineGrid columns={{ xs: 2, sm: 4 }} gap="300">
            {results.map((result) => (
              <Link
                key={result.itemId}
                to={`/app/jobs/${result.jobId}/review`}
                aria-label={`Review the result for ${result.productTitle}`}
                style={{ display: "block" }}
              >
                <img
                  src={result.thumbUrl}
                  alt={`${result.productTitle}, edited`}
                  width={THUMB_PX}
                  height={THUMB_PX}
                  decoding="async"
                  style={{
                    display: "block",
                    width: "100%",
                    height: "auto",
                    aspectRatio: "1 / 1",
                    objectFit: "contain",
                    borderRadius: "var(--p-border-radius-200)",
                    background: "var(--p-color-bg-surface-secondary)",
                  }}
                />
              </Link>
            ))}
          </InlineGrid>
        )}
      </BlockStack>
    </Card>
  );
}
