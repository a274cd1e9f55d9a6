/** @jsxImportSource preact */
/**
 * The body of both action extensions: the products the merchant picked, a recipe or preset to run
 * on them with its credit cost, and, once started, the job's progress with a link to its page in
 * the app. The product page action adds "Restore original images".
 */
import { useEffect, useMemo, useState } from "preact/hooks";

import { AppApiError, appApi, jobPageUrl, type JobProgress, type Options } from "./app-api";
import { host, t } from "./host";
import { loadSelectedProducts, type SelectedProduct } from "./products";

/** How often the job's progress is asked for while the modal stays open. */
export const POLL_MS = 2000;
const THUMBNAILS_SHOWN = 8;
/** A job in these states no longer changes without the merchant. */
const SETTLED = ["in_review", "completed", "failed", "canceled"];

type Phase = "choosing" | "starting" | "started" | "restoring" | "restored";

interface Refusal {
  code: string;
  message: string;
  jobId: string | null;
}

export function EnhancePanel({ productIds, restore }: { productIds: string[]; restore?: boolean }) {
  const [products, setProducts] = useState<SelectedProduct[] | null>(null);
  const [options, setOptions] = useState<Options | null>(null);
  const [loadError, setLoadError] = useState<Refusal | null>(null);
  const [choiceId, setChoiceId] = useState("");
  const [phase, setPhase] = useState<Phase>("choosing");
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [restoring, setRestoring] = useState(0);

  useEffect(() => {
    let live = true;
    Promise.all([loadSelectedProducts(productIds), appApi.options()]).then(
      ([loaded, offered]) => {
        if (!live) return;
        setProducts(loaded);
        setOptions(offered);
        setChoiceId(offered.choices[0]?.id ?? "");
      },
      (error: unknown) => live && setLoadError(asRefusal(error)),
    );
    return () => {
      live = false;
    };
  }, [productIds]);

  useEffect(() => {
    if (!jobId) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      appApi.progress(jobId).then(
        (latest) => {
          if (!live) return;
          setProgress(latest);
          if (!SETTLED.includes(latest.status)) timer = setTimeout(poll, POLL_MS);
        },
        () => {
          if (live) timer = setTimeout(poll, POLL_MS);
        },
      );
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [jobId]);

  const imageCount = useMemo(
    () => (products ?? []).reduce((sum, product) => sum + product.imageCount, 0),
    [products],
  );
  const choice = options?.choices.find((entry) => entry.id === choiceId) ?? null;
  const cost = choice ? choice.creditsPerImage * imageCount : 0;
  const withoutImages = (products ?? []).filter((product) => product.imageCount === 0);
  const short = options !== null && cost > options.credits.available;
  const loading = (products === null || options === null) && !loadError;

  async function start() {
    if (!choice || phase !== "choosing") return;
    setPhase("starting");
    setRefusal(null);
    try {
      const started = await appApi.start(productIds, choice.id);
      setJobId(started.jobId);
      setPhase("started");
    } catch (error) {
      setRefusal(asRefusal(error));
      setPhase("choosing");
    }
  }

  async function restoreOriginals() {
    const productId = productIds[0];
    if (!productId) return;
    setPhase("restoring");
    setRefusal(null);
    try {
      const answer = await appApi.restore(productId);
      setRestoring(answer.restoring);
      setPhase("restored");
    } catch (error) {
      setRefusal(asRefusal(error));
      setPhase("choosing");
    }
  }

  const close = () => host().close();

  if (phase === "started" && jobId) {
    return (
      <s-admin-action heading={t("heading")}>
        <JobStatus jobId={jobId} progress={progress} />
        <s-button slot="primary-action" variant="primary" onClick={close}>
          {t("actions.done")}
        </s-button>
      </s-admin-action>
    );
  }

  if (phase === "restored") {
    return (
      <s-admin-action heading={t("heading")}>
        <s-banner tone="success" heading={t("restore.queuedHeading")}>
          <s-paragraph>{t("restore.queued", { count: restoring })}</s-paragraph>
        </s-banner>
        <s-button slot="primary-action" variant="primary" onClick={close}>
          {t("actions.done")}
        </s-button>
      </s-admin-action>
    );
  }

  return (
    <s-admin-action heading={t("heading")} loading={loading}>
      <s-stack gap="base">
        {loadError ? (
          <s-banner tone="critical" heading={t("errors.loadHeading")}>
            <s-paragraph>{refusalText(loadError)}</s-paragraph>
          </s-banner>
        ) : null}
        {refusal ? <RefusalBanner refusal={refusal} /> : null}
        {products ? <ProductSummary products={products} imageCount={imageCount} /> : null}
        {withoutImages.length > 0 ? (
          <s-banner tone="warning" heading={t("noImages.heading")}>
            <s-paragraph>
              {t("noImages.body", {
                count: withoutImages.length,
                titles: withoutImages.map((product) => product.title).join(", "),
              })}
            </s-paragraph>
          </s-banner>
        ) : null}
        {options ? (
          <s-select
            label={t("choice.label")}
            value={choiceId}
            onChange={(event) => setChoiceId(event.currentTarget.value)}
          >
            <ChoiceOptions options={options} />
          </s-select>
        ) : null}
        {choice ? <s-text color="subdued">{choice.summary}</s-text> : null}
        {choice && options ? (
          <s-stack gap="small-300">
            <s-text type="strong">
              {t("cost.total", {
                credits: credits(cost),
                images: t("images", { count: imageCount }),
              })}
            </s-text>
            <s-text color="subdued">
              {t("cost.available", { credits: credits(options.credits.available) })}
            </s-text>
          </s-stack>
        ) : null}
        {short && options ? (
          <s-banner tone="critical" heading={t("cost.shortHeading")}>
            <s-paragraph>
              {t("cost.short", {
                needed: credits(cost),
                available: credits(options.credits.available),
              })}
            </s-paragraph>
          </s-banner>
        ) : null}
      </s-stack>
      <s-button
        slot="primary-action"
        variant="primary"
        onClick={start}
        loading={phase === "starting"}
        disabled={
          loading ||
          !choice ||
          short ||
          imageCount === 0 ||
          withoutImages.length > 0 ||
          phase !== "choosing"
        }
      >
        {t("actions.start")}
      </s-button>
      {restore ? (
        <s-button
          slot="secondary-actions"
          onClick={restoreOriginals}
          loading={phase === "restoring"}
          disabled={phase !== "choosing"}
        >
          {t("actions.restore")}
        </s-button>
      ) : null}
      <s-button slot="secondary-actions" onClick={close}>
        {t("actions.cancel")}
      </s-button>
    </s-admin-action>
  );
}

function ProductSummary({
  products,
  imageCount,
}: {
  products: SelectedProduct[];
  imageCount: number;
}) {
  const hidden = products.length - THUMBNAILS_SHOWN;
  return (
    <s-stack gap="small-200">
      <s-text>
        {t("selection", {
          products: t("products", { count: products.length }),
          images: t("images", { count: imageCount }),
        })}
      </s-text>
      <s-stack direction="inline" gap="small-200" alignItems="center">
        {products
          .slice(0, THUMBNAILS_SHOWN)
          .map((product) =>
            product.thumbnail ? (
              <s-thumbnail
                key={product.id}
                src={product.thumbnail.url}
                alt={product.thumbnail.alt}
                size="small"
              />
            ) : (
              <s-thumbnail key={product.id} alt={product.title} size="small" />
            ),
          )}
        {hidden > 0 ? (
          <s-text color="subdued">{t("moreProducts", { count: hidden })}</s-text>
        ) : null}
      </s-stack>
    </s-stack>
  );
}

function ChoiceOptions({ options }: { options: Options }) {
  const saved = options.choices.filter((choice) => choice.kind === "saved");
  const presets = options.choices.filter((choice) => choice.kind === "preset");
  const option = (choice: Options["choices"][number]) => (
    <s-option key={choice.id} value={choice.id}>
      {`${choice.name} (${t("cost.perImage", { credits: credits(choice.creditsPerImage) })})`}
    </s-option>
  );
  return (
    <>
      {saved.length > 0 ? (
        <s-option-group label={t("choice.saved")}>{saved.map(option)}</s-option-group>
      ) : null}
      <s-option-group label={t("choice.presets")}>{presets.map(option)}</s-option-group>
    </>
  );
}

function JobStatus({ jobId, progress }: { jobId: string; progress: JobProgress | null }) {
  const total = progress?.total ?? 0;
  const pending = progress ? (progress.counts.queued ?? 0) + (progress.counts.processing ?? 0) : 0;
  const done = total - pending;
  const status = progress?.status ?? "queued";
  const tone = status === "failed" ? "critical" : SETTLED.includes(status) ? "success" : "info";
  return (
    <s-stack gap="base">
      <s-banner tone={tone} heading={t(`job.${statusKey(status)}`)}>
        {progress?.intake === "failed" && progress.intakeError ? (
          <s-paragraph>{progress.intakeError}</s-paragraph>
        ) : null}
      </s-banner>
      {progress && progress.intake !== "pending" && total > 0 ? (
        <s-stack gap="small-200">
          <s-progress
            value={done}
            max={total}
            accessibilityLabel={t("job.progressLabel")}
            tone={status === "failed" ? "critical" : "auto"}
          />
          <s-text>{t("job.counts", { done, total })}</s-text>
        </s-stack>
      ) : (
        <s-text color="subdued">{t("job.findingImages")}</s-text>
      )}
      <s-link href={jobPageUrl(jobId)}>{t("job.open")}</s-link>
    </s-stack>
  );
}

function RefusalBanner({ refusal }: { refusal: Refusal }) {
  return (
    <s-banner tone="critical" heading={t(`errors.${refusalKey(refusal.code)}`)}>
      <s-paragraph>{refusalText(refusal)}</s-paragraph>
      {refusal.jobId ? (
        <s-link href={jobPageUrl(refusal.jobId)}>{t("job.openRunning")}</s-link>
      ) : null}
    </s-banner>
  );
}

const REFUSALS = [
  "no_images",
  "job_running",
  "insufficient_credits",
  "not_found",
  "invalid",
  "unauthorized",
  "network",
];

function refusalKey(code: string) {
  return REFUSALS.includes(code) ? code : "unavailable";
}

/** The backend's own words when it gave any (they name the products); a translation otherwise. */
function refusalText(refusal: Refusal) {
  return refusal.message || t(`errors.${refusalKey(refusal.code)}Body`);
}

function statusKey(status: string) {
  return [
    "queued",
    "processing",
    "in_review",
    "writing",
    "completed",
    "failed",
    "canceled",
  ].includes(status)
    ? status
    : "processing";
}

function asRefusal(error: unknown): Refusal {
  if (error instanceof AppApiError) {
    return { code: error.code, message: error.message, jobId: error.jobId };
  }
  return { code: "unavailable", message: "", jobId: null };
}

function credits(count: number) {
  return count === 0 ? t("free") : t("credits", { count });
}
