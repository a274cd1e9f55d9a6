import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  InlineStack,
  Layout,
  List,
  Modal,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { z } from "zod";

import { PageError, PageSkeleton } from "~/components/jobs/PageStates";
import { useActionToast, type ActionResult } from "~/components/jobs/useActionToast";
import db from "~/db.server";
import { getEnv } from "~/env.server";
import { dataPageView } from "~/retention/data-page.server";
import {
  DataBusyError,
  deleteAllData,
  deleteJobData,
  deleteProductData,
  type DeleteOutcome,
} from "~/retention/delete-now.server";
import { notFound } from "~/review/http.server";
import { rateLimitRefusal } from "~/security/rate-limit.server";
import { authenticate } from "~/shopify.server";
import { storageFor } from "~/storage/object-storage.server";

export const meta: MetaFunction = () => [{ title: "Your data · Photo Studio" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await dataPageView(db, session.shop), { headers: { "Cache-Control": "no-store" } });
};

const intentSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("deleteJob"),
    jobId: z.string({ message: "Choose a job." }).regex(/^[A-Za-z0-9_-]{1,64}$/, "Choose a job."),
  }),
  z.object({
    intent: z.literal("deleteProduct"),
    productId: z
      .string({ message: "Choose a product." })
      .regex(/^gid:\/\/shopify\/Product\/\d+$/, "Choose a product."),
  }),
  z.object({ intent: z.literal("deleteAll") }),
]);

function deletedMessage(outcome: DeleteOutcome) {
  const images = outcome.images === 1 ? "1 image" : `${outcome.images} images`;
  const files = outcome.files === 1 ? "1 file" : `${outcome.files} files`;
  return `Deleted ${images} and ${files} from Photo Studio.`;
}

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const parsed = intentSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(
      parsed.error.issues.map((issue) => [String(issue.path[0] ?? "intent"), issue.message]),
    );
    return json(
      { ok: false, message: Object.values(fieldErrors)[0] ?? "Check the form.", fieldErrors },
      { status: 422 },
    );
  }
  const refusal = await rateLimitRefusal(session.shop, "data.delete");
  if (refusal) return refusal;
  const deps = { db, storage: storageFor(getEnv()) };
  const intent = parsed.data;
  try {
    if (intent.intent === "deleteJob") {
      const outcome = await deleteJobData(deps, session.shop, intent.jobId);
      if (!outcome) notFound("job");
      return json({ ok: true, message: deletedMessage(outcome) });
    }
    if (intent.intent === "deleteProduct") {
      const outcome = await deleteProductData(deps, session.shop, intent.productId);
      if (!outcome) notFound("product");
      return json({ ok: true, message: deletedMessage(outcome) });
    }
    const outcome = await deleteAllData(deps, session.shop);
    return json({ ok: true, message: deletedMessage(outcome) });
  } catch (error) {
    if (error instanceof DataBusyError) {
      return json({ ok: false, message: error.message }, { status: 409 });
    }
    throw error;
  }
};

type Pending =
  | { intent: "deleteJob"; id: string; label: string }
  | { intent: "deleteProduct"; id: string; label: string }
  | { intent: "deleteAll" };

function plural(count: number, unit: string) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

class ExportRefused extends Error {}

/** Fetches the export with the session token App Bridge adds, and saves it as a file. */
async function downloadExport(): Promise<void> {
  const response = await fetch("/app/data/export");
  if (response.status === 429) {
    // The rate limit's own words say how long to wait.
    const body = (await response.json().catch(() => null)) as { message?: string } | null;
    throw new ExportRefused(body?.message ?? "Too many requests: try again in a minute.");
  }
  if (!response.ok) throw new Error(`Export answered ${response.status}`);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "photo-studio-export.json";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

export default function YourData() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const fetcher = useFetcher<ActionResult>();
  const shopify = useAppBridge();
  useActionToast(fetcher.data);

  const [jobId, setJobId] = useState(data.jobs[0]?.value ?? "");
  const [productId, setProductId] = useState(data.products[0]?.value ?? "");
  const [pending, setPending] = useState<Pending | null>(null);
  const [downloading, setDownloading] = useState(false);
  const deleting = fetcher.state !== "idle";

  // The lists change after a deletion: keep the selects on something that still exists.
  useEffect(() => {
    if (!data.jobs.some((job) => job.value === jobId)) setJobId(data.jobs[0]?.value ?? "");
    if (!data.products.some((product) => product.value === productId)) {
      setProductId(data.products[0]?.value ?? "");
    }
  }, [data.jobs, data.products, jobId, productId]);

  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data) setPending(null);
  }, [fetcher.state, fetcher.data]);

  if (navigation.state === "loading" && navigation.location?.pathname === "/app/data") {
    return <PageSkeleton title="Your data" />;
  }

  const confirm = () => {
    if (!pending) return;
    const form = new FormData();
    form.set("intent", pending.intent);
    if (pending.intent === "deleteJob") form.set("jobId", pending.id);
    if (pending.intent === "deleteProduct") form.set("productId", pending.id);
    fetcher.submit(form, { method: "post" });
  };

  const download = async () => {
    setDownloading(true);
    try {
      await downloadExport();
      shopify.toast.show("Your data was downloaded.");
    } catch (error) {
      const message =
        error instanceof ExportRefused
          ? error.message
          : "The download did not work. Try again in a minute.";
      shopify.toast.show(message, { isError: true });
    } finally {
      setDownloading(false);
    }
  };

  const nothingStored = data.jobs.length === 0;
  const modalTitle =
    pending?.intent === "deleteAll"
      ? "Delete all your images and jobs?"
      : pending?.intent === "deleteJob"
        ? "Delete this job's images?"
        : "Delete this product's images?";

  return (
    <Page title="Your data" backAction={{ content: "Home", url: "/app" }}>
      <TitleBar title="Your data" />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                What Photo Studio keeps
              </Text>
              <List>
                <List.Item>{plural(data.counts.jobs, "job")}</List.Item>
                <List.Item>
                  {plural(data.counts.originals, "original image")} kept for restoring
                </List.Item>
                <List.Item>{plural(data.counts.results, "result")}</List.Item>
              </List>
              <Text as="p">
                {`Source images and rejected results are deleted automatically after ${plural(data.retention.retentionDays, "day")}, approved results after ${plural(data.retention.resultRetentionDays, "day")}. You can change this in Settings.`}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Download your data
              </Text>
              <Text as="p">
                A JSON file with your jobs, their images&apos; states and what was written to your
                store, your credit history, settings, saved recipes and activity log.
              </Text>
              <InlineStack>
                <Button onClick={download} loading={downloading}>
                  Download your data
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Delete now
              </Text>
              {nothingStored ? (
                <Text as="p" tone="subdued">
                  Nothing to delete: Photo Studio holds no images or jobs of your store.
                </Text>
              ) : (
                <>
                  <Text as="p">
                    Deleting removes the images (originals and results) and the records of what was
                    done at once. Images already in your store stay there, but you can no longer
                    restore their originals from Photo Studio.
                  </Text>
                  <InlineStack gap="200" blockAlign="end" wrap>
                    <div style={{ minWidth: 280 }}>
                      <Select label="Job" options={data.jobs} value={jobId} onChange={setJobId} />
                    </div>
                    <Button
                      tone="critical"
                      disabled={!jobId || deleting}
                      onClick={() =>
                        setPending({
                          intent: "deleteJob",
                          id: jobId,
                          label: data.jobs.find((job) => job.value === jobId)?.label ?? "",
                        })
                      }
                    >
                      Delete this job&apos;s data
                    </Button>
                  </InlineStack>
                  <InlineStack gap="200" blockAlign="end" wrap>
                    <div style={{ minWidth: 280 }}>
                      <Select
                        label="Product"
                        options={data.products}
                        value={productId}
                        onChange={setProductId}
                      />
                    </div>
                    <Button
                      tone="critical"
                      disabled={!productId || deleting}
                      onClick={() =>
                        setPending({
                          intent: "deleteProduct",
                          id: productId,
                          label:
                            data.products.find((product) => product.value === productId)?.label ??
                            "",
                        })
                      }
                    >
                      Delete this product&apos;s data
                    </Button>
                  </InlineStack>
                  <InlineStack>
                    <Button
                      variant="primary"
                      tone="critical"
                      disabled={deleting}
                      onClick={() => setPending({ intent: "deleteAll" })}
                    >
                      Delete all images and jobs
                    </Button>
                  </InlineStack>
                </>
              )}
              {fetcher.data && !fetcher.data.ok ? (
                <Banner tone="warning" title="Nothing was deleted">
                  <p>{fetcher.data.message}</p>
                </Banner>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>

        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Activity
              </Text>
              {data.audit.length === 0 ? (
                <Text as="p" tone="subdued">
                  No activity recorded yet.
                </Text>
              ) : (
                <List>
                  {data.audit.map((event) => (
                    <List.Item key={event.id}>
                      {`${event.at.slice(0, 16).replace("T", " ")} UTC · ${event.label}${
                        event.actor === "system" ? " (automatic)" : ""
                      }`}
                    </List.Item>
                  ))}
                </List>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>

      <Modal
        open={pending !== null}
        onClose={() => setPending(null)}
        title={modalTitle}
        primaryAction={{
          content: "Delete",
          destructive: true,
          loading: deleting,
          onAction: confirm,
        }}
        secondaryActions={[{ content: "Cancel", onAction: () => setPending(null) }]}
      >
        <Modal.Section>
          <Text as="p">
            {pending?.intent === "deleteAll"
              ? "Every image, result and job record Photo Studio holds for your store is deleted now. Your settings, credits and activity log stay. This cannot be undone."
              : `The images and records of ${pending && "label" in pending ? pending.label : "this selection"} are deleted now. This cannot be undone.`}
          </Text>
        </Modal.Section>
      </Modal>
    </Page>
  );
}

export function ErrorBoundary() {
  return <PageError title="Your data" backUrl="/app" backLabel="Home" />;
}
