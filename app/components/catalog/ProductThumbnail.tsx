import { Box, Text, Thumbnail } from "@shopify/polaris";

interface Props {
  thumbnail: { url: string; alt: string } | null;
  title: string;
  size?: "small" | "medium";
}

/** A product's featured image, or a labelled blank of the same size when it has none. */
export function ProductThumbnail({ thumbnail, title, size = "small" }: Props) {
  if (thumbnail) return <Thumbnail source={thumbnail.url} alt={thumbnail.alt} size={size} />;
  const side = size === "small" ? "40px" : "60px";
  return (
    <Box
      background="bg-surface-secondary"
      borderRadius="200"
      minWidth={side}
      minHeight={side}
      width={side}
      padding="100"
    >
      <Text as="span" variant="bodyXs" tone="subdued">
        <span role="img" aria-label={`${title} has no image`}>
          No image
        </span>
      </Text>
    </Box>
  );
}
