import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Link as RemixLink,
  isRouteErrorResponse,
  useLoaderData,
  useNavigation,
  useRouteError,
} from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  Layout,
  Link,
  List,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
} from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { privacyStatement } from "~/settings/privacy.server";
import { getShopSettings } from "~/settings/shop-settings.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const env = getEnv();
  const settings = await getShopSettings(db, session.shop, env);
  return json({ sections: privacyStatement({ env, settings }) });
};

export default function Privacy() {
  const { sections } = useLoaderData<typeof loader>();
  const navigation = useNavigation();

  if (navigation.state === "loading" && navigation.location.pathname === "/app/privacy") {
    return (
      <SkeletonPage title="Privacy">
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <SkeletonDisplayText size="small" />
                <SkeletonBodyText lines={8} />
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </SkeletonPage>
    );
  }

  return (
    <Page title="Privacy" backAction={{ content: "Settings", url: "/app/settings" }}>
      <TitleBar title="Privacy" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Text as="p" tone="subdued">
              This statement is generated from how this copy of Photo Studio is set up, and from
              your store&apos;s <Link url="/app/settings">settings</Link>. To download what Photo
              Studio holds about your store, or delete it now, go to{" "}
              <Link url="/app/data">Your data</Link>.
            </Text>
            {sections.map((section) => (
              <Card key={section.id}>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {section.heading}
                  </Text>
                  {section.paragraphs.map((paragraph) => (
                    <Text as="p" key={paragraph}>
                      {paragraph}
                    </Text>
                  ))}
                  {section.items ? (
                    <List type="bullet">
                      {section.items.map((item) => (
                        <List.Item key={item}>{item}</List.Item>
                      ))}
                    </List>
                  ) : null}
                  {section.notes?.map((note) => (
                    <Text as="p" key={note}>
                      {note}
                    </Text>
                  ))}
                </BlockStack>
              </Card>
            ))}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Thrown responses are Shopify's auth answers: its own boundary renders them.
  if (isRouteErrorResponse(error)) return boundary.error(error);
  return (
    <Page title="Privacy">
      <Banner tone="critical" title="The privacy statement could not be loaded">
        <p>
          Something went wrong on Photo Studio&apos;s side. Reload the page, or try again in a few
          minutes. <RemixLink to="/app">Back to Photo Studio</RemixLink>
        </p>
      </Banner>
    </Page>
  );
}
