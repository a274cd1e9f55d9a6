import { useFetcher } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  InlineStack,
  ProgressBar,
  Text,
} from "@shopify/polaris";

import type { SetupGuide } from "~/home/setup-guide.server";

export const DISMISS_SETUP_GUIDE = "dismiss-setup-guide";

export function SetupGuideCard({ guide }: { guide: SetupGuide }) {
  const fetcher = useFetcher();
  // Hidden as soon as the merchant asks; the action records it for the next visit.
  if (fetcher.formData?.get("intent") === DISMISS_SETUP_GUIDE) return null;
  const next = guide.steps.find((step) => !step.done);
  const total = guide.steps.length;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="start" wrap={false} gap="200">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd" id="setup-guide-title">
              Get started with Photo Studio
            </Text>
            <Text as="p" tone="subdued">
              {guide.completed} of {total} steps completed
            </Text>
          </BlockStack>
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value={DISMISS_SETUP_GUIDE} />
            <Button submit variant="tertiary" accessibilityLabel="Dismiss the setup guide">
              Dismiss
            </Button>
          </fetcher.Form>
        </InlineStack>
        <ProgressBar
          progress={Math.round((guide.completed / total) * 100)}
          size="small"
          tone="primary"
          ariaLabelledBy="setup-guide-title"
        />
        <BlockStack gap="300" as="ol">
          {guide.steps.map((step, index) => (
            <li key={step.id} style={{ listStyle: "none" }}>
              <Box
                padding="300"
                borderRadius="200"
                background={step === next ? "bg-surface-secondary" : undefined}
              >
                <InlineStack align="space-between" blockAlign="center" gap="300">
                  <BlockStack gap="100">
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="h3" variant="headingSm">
                        {index + 1}. {step.title}
                      </Text>
                      {step.done ? <Badge tone="success">Done</Badge> : null}
                    </InlineStack>
                    <Text as="p" tone="subdued">
                      {step.description}
                    </Text>
                  </BlockStack>
                  {step.done ? null : (
                    <Button url={step.action.url} variant={step === next ? "primary" : "secondary"}>
                      {step.action.label}
                    </Button>
                  )}
                </InlineStack>
              </Box>
            </li>
          ))}
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
