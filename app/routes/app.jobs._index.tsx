import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useLocation, useNavigate, useNavigation } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  BlockStack,
  Card,
  EmptyState,
  IndexTable,
  Layout,
  Link,
  Page,
  Text,
} from "@shopify/polaris";

import { CursorPagination } from "~/components/jobs/CursorPagination";
import { JobProgressBar } from "~/components/jobs/JobProgressBar";
import { ListSkeleton, PageError, PageSkeleton } from "~/components/jobs/PageStates";
import { JobStatusBadge } from "~/components/jobs/StatusBadge";
import db from "~/db.server";
import { cleanId } from "~/review/http.server";
import { formatDateTime } from "~/review/job-words";
import { jobsView } from "~/review/jobs-view.server";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Jobs · Photo Studio" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const cursor = cleanId(new URL(request.url).searchParams.get("cursor"));
  return json(await jobsView(db, session.shop, { cursor }));
};

const EMPTY_IMAGE = "https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png";

export default function JobsIndex() {
  const { rows, nextCursor } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const location = useLocation();
  const navigate = useNavigate();
  const paging =
    navigation.state === "loading" && navigation.location.pathname === location.pathname;
  // Opening a job: its page's outline shows while its data loads.
  if (
    navigation.state === "loading" &&
    /^\/app\/jobs\/(?!new)[^/]+$/.test(navigation.location.pathname)
  ) {
    return <PageSkeleton title="Job" />;
  }

  return (
    <Page title="Jobs" primaryAction={{ content: "New job", url: "/app/products" }}>
      <TitleBar title="Jobs" />
      <Layout>
        <Layout.Section>
          {paging ? (
            <ListSkeleton rows={8} />
          ) : rows.length === 0 && !new URLSearchParams(location.search).get("cursor") ? (
            <Card>
              <EmptyState
                heading="No jobs yet"
                action={{ content: "Choose products", url: "/app/products" }}
                image={EMPTY_IMAGE}
              >
                <p>
                  Pick the products whose photos you want to improve; each job shows its progress
                  and results here.
                </p>
              </EmptyState>
            </Card>
          ) : (
            <BlockStack gap="400">
              <Card padding="0">
                <IndexTable
                  resourceName={{ singular: "job", plural: "jobs" }}
                  itemCount={rows.length}
                  selectable={false}
                  headings={[
                    { title: "Created" },
                    { title: "Recipe" },
                    { title: "Status" },
                    { title: "Progress" },
                    { title: "Images", alignment: "end" },
                  ]}
                >
                  {rows.map((job, index) => (
                    <IndexTable.Row
                      key={job.id}
                      id={job.id}
                      position={index}
                      onClick={() => navigate(`/app/jobs/${job.id}`)}
                    >
                      <IndexTable.Cell>
                        <span suppressHydrationWarning>{formatDateTime(job.createdAt)}</span>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Link url={`/app/jobs/${job.id}`} dataPrimaryLink removeUnderline>
                          {job.summary}
                        </Link>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <JobStatusBadge status={job.status} />
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <div style={{ width: 160 }}>
                          <JobProgressBar
                            percent={job.percent}
                            size="small"
                            critical={job.failedCount > 0}
                            labelledBy={`job-progress-${job.id}`}
                          />
                          <Text as="span" id={`job-progress-${job.id}`} visuallyHidden>
                            {`Job progress: ${job.percent}% done`}
                          </Text>
                        </div>
                      </IndexTable.Cell>
                      <IndexTable.Cell>
                        <Text as="span" alignment="end" numeric>
                          {`${job.itemCount} total · ${job.writtenCount} in store`}
                          {job.failedCount > 0 ? ` · ${job.failedCount} failed` : ""}
                        </Text>
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              </Card>
              <CursorPagination nextCursor={nextCursor} label="Job pages" />
            </BlockStack>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Jobs" backUrl="/app" backLabel="Home" />;
}
