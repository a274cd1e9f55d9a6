import { BlockStack, Button, Card, InlineGrid, Text } from "@shopify/polaris";

import type { Solution } from "~/recipes/solutions";

interface Props {
  solutions: readonly Solution[];
  selectedId: string;
  onSelect: (solution: Solution) => void;
}

/** "What are these photos for?": one click fills the recipe and where results go. */
export function SolutionPicker({ solutions, selectedId, onSelect }: Props) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Start from a solution
        </Text>
        <InlineGrid columns={{ xs: 1, sm: 2 }} gap="300">
          {solutions.map((solution) => (
            <BlockStack key={solution.id} gap="100">
              <Button
                onClick={() => onSelect(solution)}
                pressed={selectedId === solution.id}
                fullWidth
                textAlign="left"
              >
                {solution.name}
              </Button>
              <Text as="p" variant="bodySm" tone="subdued">
                {solution.summary}
              </Text>
            </BlockStack>
          ))}
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}
