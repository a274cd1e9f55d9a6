import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Card,
  Layout,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  SkeletonThumbnail,
  InlineStack,
} from "@shopify/polaris";

/** What a page shows while its next data loads (a filter, a page of results). */
export function ListSkeleton({
  rows = 6,
  thumbnails = false,
}: {
  rows?: number;
  thumbnails?: boolean;
}) {
  return (
    <Card>
      <BlockStack gap="400">
        <SkeletonDisplayText size="small" />
        {Array.from({ length: rows }, (_, i) => (
          <InlineStack key={i} gap="300" wrap={false} blockAlign="center">
            {thumbnails ? <SkeletonThumbnail size="small" /> : null}
            <div style={{ flex: 1 }}>
              <SkeletonBodyText lines={1} />
            </div>
          </InlineStack>
        ))}
      </BlockStack>
    </Card>
  );
}

export function PageSkeleton({ title }: { title: string }) {
  return (
    <SkeletonPage title={title} primaryAction>
      <Layout>
        <Layout.Section>
          <ListSkeleton />
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

/**
 * A page's own error state: a 404 reads as "not found" with a way back; anything else reaches
 * the parent's boundary (Shopify's `boundary.error` in app.tsx) only for auth responses, which
 * must escape the iframe.
 */
export function PageError({
  title,
  backUrl,
  backLabel,
}: {
  title: string;
  backUrl: string;
  backLabel: string;
}) {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status >= 300 && error.status < 400) throw error;
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const message = notFound
    ? ((error.data as { message?: string } | null)?.message ?? "This page does not exist.")
    : "Something went wrong while loading this page. Reload it, or try again in a few minutes.";
  return (
    <Page title={title} backAction={{ content: backLabel, url: backUrl }}>
      <Layout>
        <Layout.Section>
          <Banner
            tone={notFound ? "warning" : "critical"}
            title={notFound ? "Not found" : "This page could not be loaded"}
            action={{ content: backLabel, url: backUrl }}
          >
            <p>{message}</p>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
