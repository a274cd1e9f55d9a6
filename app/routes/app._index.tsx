import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";

import { getShopOverview } from "~/shopify/shop-overview.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { admin } = await authenticate.admin(request);
  return json({ shop: await getShopOverview(admin.graphql) });
};

export default function Index() {
  const { shop } = useLoaderData<typeof loader>();
  const productCount = `${shop.productCount}${shop.productCountIsExact ? "" : "+"}`;
  return (
    <Page>
      <TitleBar title="Photo Studio" />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  {shop.name}
                </Text>
                {shop.isDevelopmentStore ? <Badge tone="info">Development store</Badge> : null}
              </InlineStack>
              <Text as="p" tone="subdued">
                {shop.domain} · {shop.plan} plan
              </Text>
              <Text as="p">
                {productCount} {shop.productCount === 1 ? "product" : "products"} in your catalog.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
