import { BlockStack, Text } from "@shopify/polaris";

interface Props {
  points: Array<{ createdAt: string; score: number }>;
}

const WIDTH = 240;
const HEIGHT = 48;

/** The score of the last checks as a small line, with its change in words for everyone. */
export function ScoreTrend({ points }: Props) {
  if (points.length < 2) {
    return (
      <Text as="p" tone="subdued">
        Run the check again after fixing photos to see your score change over time.
      </Text>
    );
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const change = last.score - first.score;
  const since = new Date(first.createdAt).toLocaleDateString("en-US", {
    month: "short",
    day: "numeric",
  });
  const words =
    change === 0
      ? `No change since ${since}`
      : `${change > 0 ? "Up" : "Down"} ${Math.abs(change)} ${Math.abs(change) === 1 ? "point" : "points"} since ${since}`;
  const step = WIDTH / (points.length - 1);
  const path = points
    .map((point, index) => {
      const x = Math.round(index * step);
      const y = Math.round(HEIGHT - (point.score / 100) * HEIGHT);
      return `${index === 0 ? "M" : "L"}${x},${y}`;
    })
    .join(" ");
  return (
    <BlockStack gap="100">
      <svg
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Score over the last ${points.length} checks: ${points.map((point) => point.score).join(", ")}`}
      >
        <path d={path} fill="none" stroke="var(--p-color-border-emphasis)" strokeWidth="2" />
      </svg>
      <Text as="p" variant="bodySm" tone="subdued">
        {words}
      </Text>
    </BlockStack>
  );
}
