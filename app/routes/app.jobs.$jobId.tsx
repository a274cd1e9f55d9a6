import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  InlineGrid,
  InlineStack,
  Layout,
  List,
  Modal,
  Page,
  Text,
} from "@shopify/polaris";
import { useState } from "react";

import { JobProgressBar } from "~/components/jobs/JobProgressBar";
import { PageError, PageSkeleton } from "~/components/jobs/PageStates";
import { JobStatusBadge } from "~/components/jobs/StatusBadge";
import { useActionToast, type ActionResult } from "~/components/jobs/useActionToast";
import { useJobProgress } from "~/components/jobs/useJobProgress";
import db from "~/db.server";
import { cancelJob, retryItems } from "~/jobs/review.server";
import { jobRuntime } from "~/jobs/runtime.server";
import { getJob } from "~/models/job.server";
import { actionFailure } from "~/review/action-errors.server";
import { itemErrorWords, skippedReasonWords } from "~/review/error-words";
import { notFound } from "~/review/http.server";
import { jobIntentSchema, outcomeMessage, parseIntent } from "~/review/intents.server";
import { splitJobItems, withForeign } from "~/review/job-items.server";
import { jobPageView } from "~/review/job-view.server";
import {
  COUNTED_STATES,
  etaWords,
  formatDateTime,
  isJobMoving,
  percentSettled,
  productName,
} from "~/review/job-words";
import { authenticate } from "~/shopify.server";

export const meta: MetaFunction = () => [{ title: "Job · Photo Studio" }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const view = await jobPageView(db, session.shop, params.jobId ?? "");
  if (!view) notFound();
  return json(view, { headers: { "Cache-Control": "no-store" } });
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const jobId = params.jobId ?? "";
  const parsed = parseIntent(jobIntentSchema, await request.formData());
  if (!parsed.ok) {
    return json(
      { ok: false, message: "Check the form.", fieldErrors: parsed.fieldErrors },
      { status: 422 },
    );
  }
  const deps = jobRuntime();
  try {
    if (parsed.data.intent === "cancel") {
      const outcome = await cancelJob(deps, session.shop, jobId);
      if (!outcome) notFound();
      return json({
        ok: true,
        message:
          outcome.done.length > 0
            ? `Job canceled: ${outcome.done.length} ${outcome.done.length === 1 ? "image stops" : "images stop"}.`
            : "Job canceled: nothing was left to stop.",
      });
    }
    const job = await getJob(db, session.shop, jobId);
    if (!job) notFound();
    const { own, foreign } = await splitJobItems(db, session.shop, jobId, parsed.data.itemIds);
    const all = withForeign(await retryItems(deps, session.shop, own), foreign);
    return json({ ok: all.done.length > 0, message: outcomeMessage("queued again", all) });
  } catch (error) {
    return actionFailure(error);
  }
};

export default function JobPage() {
  const { job, progress: initial, productTitles } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const progress = useJobProgress(initial);
  const actions = useFetcher<ActionResult>();
  useActionToast(actions.data);
  const [confirmCancel, setConfirmCancel] = useState(false);

  if (navigation.state === "loading" && navigation.location.pathname === `/app/jobs/${job.id}`) {
    return <PageSkeleton title="Job" />;
  }
  if (
    navigation.state === "loading" &&
    navigation.location.pathname === `/app/jobs/${job.id}/review`
  ) {
    return <PageSkeleton title="Review results" />;
  }

  const percent = percentSettled(progress);
  const moving = isJobMoving(progress);
  const busy = actions.state !== "idle";
  const pendingIntent = actions.formData?.get("intent");
  const pendingItem = actions.formData?.get("itemId");
  const reviewable =
    progress.counts.ready_for_review +
    progress.counts.approved +
    progress.counts.writing +
    progress.counts.written;
  const canCancel =
    !job.canceled && (moving || progress.counts.ready_for_review + progress.counts.failed > 0);
  const failedIds = progress.errors.map((error) => error.itemId);

  const submit = (fields: Array<[string, string]>) => {
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    actions.submit(form, { method: "post" });
  };

  return (
    <Page
      title="Job"
      subtitle={job.summary}
      titleMetadata={<JobStatusBadge status={progress.status} />}
      backAction={{ content: "Jobs", url: "/app/jobs" }}
      primaryAction={
        reviewable > 0
          ? {
              content: "Review results",
              url: `/app/jobs/${job.id}/review`,
              primary: progress.counts.ready_for_review > 0,
            }
          : undefined
      }
      secondaryActions={
        canCancel
          ? [
              {
                content: "Cancel job",
                destructive: true,
                disabled: busy,
                onAction: () => setConfirmCancel(true),
              },
            ]
          : []
      }
    >
      <TitleBar title="Job" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {progress.intake === "failed" ? (
              <Banner
                tone="critical"
                title={
                  progress.intakeErrorCode === "insufficient_credits"
                    ? "Not enough credits for this job"
                    : "The selected products could not be read"
                }
                action={
                  progress.intakeErrorCode === "insufficient_credits"
                    ? { content: "Plans and credits", url: "/app/plans" }
                    : undefined
                }
              >
                <p>
                  {progress.intakeError ??
                    "Shopify did not return the selected products. Start the job again."}
                </p>
              </Banner>
            ) : progress.intakeErrorCode === "usage_cap_reached" ? (
              <Banner
                tone="warning"
                title="Waiting for credits"
                action={{ content: "Raise the limit", url: "/app/plans" }}
              >
                <p>{progress.intakeError}</p>
              </Banner>
            ) : null}
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    Progress
                  </Text>
                  <Text as="span" tone="subdued">
                    Started <span suppressHydrationWarning>{formatDateTime(job.createdAt)}</span>
                  </Text>
                </InlineStack>
                <Text as="p" id="job-progress-label">
                  {`Job progress: ${percent}% — ${progress.total - progress.counts.queued - progress.counts.processing} of ${progress.total} ${progress.total === 1 ? "image" : "images"} done`}
                </Text>
                <JobProgressBar
                  percent={percent}
                  critical={progress.counts.failed > 0}
                  labelledBy="job-progress-label"
                />
                <Text as="p" tone="subdued">
                  <span aria-live="polite">
                    {moving ? etaWords(progress) : "Nothing is running now."}
                  </span>
                </Text>
                <InlineGrid columns={{ xs: 2, sm: 3, md: 5 }} gap="300">
                  {COUNTED_STATES.filter(
                    ([state]) =>
                      progress.counts[state] > 0 || state === "queued" || state === "written",
                  ).map(([state, label]) => (
                    <Box
                      key={state}
                      padding="200"
                      background="bg-surface-secondary"
                      borderRadius="200"
                    >
                      <BlockStack gap="050">
                        <Text as="span" variant="headingLg" numeric>
                          {String(progress.counts[state])}
                        </Text>
                        <Text as="span" tone="subdued">
                          {label}
                        </Text>
                      </BlockStack>
                    </Box>
                  ))}
                </InlineGrid>
                {progress.counts.ready_for_review > 0 ? (
                  <Banner
                    tone="info"
                    title={`${progress.counts.ready_for_review} ${progress.counts.ready_for_review === 1 ? "image is" : "images are"} ready for review`}
                  >
                    <p>Approve the results you like; they are written to your products.</p>
                  </Banner>
                ) : null}
              </BlockStack>
            </Card>

            {progress.errors.length > 0 ? (
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between" blockAlign="center">
                    <Text as="h2" variant="headingMd">
                      {`Failed images (${progress.counts.failed})`}
                    </Text>
                    <Button
                      onClick={() =>
                        submit([
                          ["intent", "retry"],
                          ...failedIds.map((id): [string, string] => ["itemId", id]),
                        ])
                      }
                      loading={busy && pendingIntent === "retry" && !pendingItem}
                      disabled={busy}
                    >
                      Retry all failed
                    </Button>
                  </InlineStack>
                  <BlockStack gap="200" as="ul">
                    {progress.errors.map((error) => {
                      const words = itemErrorWords(error.code, error.message);
                      return (
                        <Box
                          as="li"
                          key={error.itemId}
                          padding="200"
                          borderColor="border"
                          borderWidth="025"
                          borderRadius="200"
                        >
                          <InlineStack
                            align="space-between"
                            blockAlign="start"
                            wrap={false}
                            gap="300"
                          >
                            <BlockStack gap="100">
                              <Text as="span" fontWeight="semibold">
                                {productName(productTitles, error.productId)}
                              </Text>
                              <Text as="p">{words.what}</Text>
                              <Text as="p" tone="subdued">
                                {words.next}
                              </Text>
                            </BlockStack>
                            <Button
                              accessibilityLabel={`Retry ${productName(productTitles, error.productId)}`}
                              onClick={() =>
                                submit([
                                  ["intent", "retry"],
                                  ["itemId", error.itemId],
                                ])
                              }
                              loading={busy && pendingItem === error.itemId}
                              disabled={busy}
                            >
                              Retry
                            </Button>
                          </InlineStack>
                        </Box>
                      );
                    })}
                  </BlockStack>
                </BlockStack>
              </Card>
            ) : null}

            {progress.skipped.length > 0 ? (
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {`Skipped media (${progress.skipped.length})`}
                  </Text>
                  <Text as="p" tone="subdued">
                    These were part of your selection but are not photos Photo Studio can work on.
                  </Text>
                  <List>
                    {progress.skipped.map((skipped, index) => (
                      <List.Item key={`${skipped.productId}-${skipped.mediaId ?? index}`}>
                        <Text as="span" fontWeight="semibold">
                          {productName(productTitles, skipped.productId)}
                        </Text>
                        {`: ${skippedReasonWords(skipped.reason)}`}
                      </List.Item>
                    ))}
                  </List>
                </BlockStack>
              </Card>
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
      <Modal
        open={confirmCancel}
        onClose={() => setConfirmCancel(false)}
        title="Cancel this job?"
        primaryAction={{
          content: "Confirm cancel",
          destructive: true,
          loading: busy && pendingIntent === "cancel",
          onAction: () => {
            submit([["intent", "cancel"]]);
            setConfirmCancel(false);
          },
        }}
        secondaryActions={[{ content: "Keep the job", onAction: () => setConfirmCancel(false) }]}
      >
        <Modal.Section>
          <Text as="p">
            Images not yet generated or written stop, and no more credits are used for them. Images
            already in your store stay; you can restore their originals from History.
          </Text>
        </Modal.Section>
      </Modal>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Job" backUrl="/app/jobs" backLabel="Jobs" />;
}
