import { Link } from "@remix-run/react";
import { BlockStack, Button, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";

import type { HomeData } from "~/home/home.server";

export function ActiveJobsCard({ jobs }: { jobs: HomeData["activeJobs"] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Jobs in progress
          </Text>
          <Button variant="plain" url="/app/jobs">
            All jobs
          </Button>
        </InlineStack>
        {jobs.length === 0 ? (
          <Text as="p" tone="subdued">
            No job is running. Choose products to start one.
          </Text>
        ) : (
          <BlockStack gap="400" as="ul">
            {jobs.map((job) => (
              <li key={job.id} style={{ listStyle: "none" }}>
                <BlockStack gap="150">
                  <InlineStack align="space-between" blockAlign="center" wrap={false} gap="200">
                    <Link to={`/app/jobs/${job.id}`} id={`job-${job.id}-label`}>
                      {job.summary}
                    </Link>
                    <Text as="span" tone="subdued" numeric>
                      {job.itemCount === 0
                        ? "Listing images…"
                        : `${job.settledCount} of ${job.itemCount} images · ${job.percent}%`}
                    </Text>
                  </InlineStack>
                  <ProgressBar
                    progress={job.percent}
                    size="small"
                    tone={job.failedCount > 0 ? "critical" : "highlight"}
                    ariaLabelledBy={`job-${job.id}-label`}
                  />
                </BlockStack>
              </li>
            ))}
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
