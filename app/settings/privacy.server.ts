/**
 * The privacy page's statement, built from the running configuration and the shop's settings
 * rather than written once by hand, so it says what this deployment does: which provider sees the
 * images (and which Replicate models), how long file links live, the shop's retention settings.
 * Every sentence here must stay true of the code; when the code changes, change the sentence.
 */
import type { AiOperation } from "../ai/provider.ts";
import { AUDIT_RETENTION_DAYS } from "../audit/audit.server.ts";
import { DEFAULT_MODELS, parseModelRef } from "../ai/replicate/models.server.ts";
import type { AppEnv } from "../env.server.ts";
import { REQUEST_LOG_RETENTION_DAYS } from "../observability/request-log.server.ts";
import { ERASE_AFTER_UNINSTALL_DAYS } from "../retention/erase-shop.server.ts";
import { TRANSIENT_UPLOAD_HOURS } from "../retention/transient.server.ts";

import type { ProviderName, ShopSettings } from "./shop-settings.server.ts";

export interface PrivacySection {
  id: string;
  heading: string;
  paragraphs: string[];
  items?: string[];
  /** Paragraphs after the list. */
  notes?: string[];
}

export interface PrivacyInput {
  env: Pick<AppEnv, "aiProvider" | "aiProviderChoices" | "fileLinkTtlSeconds" | "email" | "s3">;
  settings: Pick<ShopSettings, "aiProvider" | "retentionDays" | "resultRetentionDays">;
  /** REPLICATE_MODEL_* overrides; default process.env. */
  processEnv?: Record<string, string | undefined>;
}

const OPERATION_LABELS: Record<AiOperation, string> = {
  "remove-background": "Background removal",
  upscale: "Upscaling",
  scene: "Scenes",
  erase: "Magic eraser",
  "alt-text": "Alt text",
};

/** The Replicate model (owner/name) each operation runs, as configured. */
export function replicateModels(
  processEnv: Record<string, string | undefined> = process.env,
): Array<{ operation: AiOperation; label: string; model: string }> {
  return (Object.keys(DEFAULT_MODELS) as AiOperation[]).map((operation) => {
    const variable = `REPLICATE_MODEL_${operation.toUpperCase().replaceAll("-", "_")}`;
    const configured = processEnv[variable]?.trim() || DEFAULT_MODELS[operation];
    let model = configured;
    try {
      model = parseModelRef(configured).name;
    } catch {
      // A malformed override stops the Replicate provider at start-up; show it as configured.
    }
    return { operation, label: OPERATION_LABELS[operation], model };
  });
}

const PROVIDER_LABEL: Record<ProviderName, string> = {
  local: "Photo Studio's own server",
  replicate: "Replicate",
};

function plural(count: number, unit: string) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

function linkLifetime(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

function processingSection(input: PrivacyInput): PrivacySection {
  const { env, settings } = input;
  const provider = settings.aiProvider;
  const paragraphs: string[] = [];
  let items: string[] | undefined;
  if (provider === "local") {
    paragraphs.push(
      "Your images are processed on Photo Studio's own server. They are not sent to any AI service.",
      "Background removal runs the ISNet model on that server; upscaling, scenes, the eraser and alt text use methods that run there too (alt text is written from your product's title, vendor and type and the image's measured colours).",
    );
  } else {
    paragraphs.push(
      "Your images are processed by Replicate (replicate.com), an AI service that runs the models below for Photo Studio. Photo Studio sends Replicate an image, and your prompt when there is one, only to run a step you asked for; Replicate's own terms and privacy policy apply to that processing.",
    );
    items = replicateModels(input.processEnv).map(({ label, model }) => `${label}: ${model}`);
  }
  const notes: string[] = [];
  if (env.aiProviderChoices.length > 1) {
    const others = env.aiProviderChoices.filter((choice) => choice !== provider);
    notes.push(
      `You can change this in Settings: ${others.map((name) => PROVIDER_LABEL[name]).join(" or ")} can process your images instead.`,
    );
  }
  if (env.email) {
    notes.push(
      "If you give an email address for notifications, it and a one-sentence message about your job go to the email service that sends them; no images.",
    );
  }
  notes.push(
    "Photo Studio does not use your images to train or improve any model: the models it runs are used as published, and your images are only processed to make the results you asked for.",
  );
  return { id: "processing", heading: "Who processes your images", paragraphs, items, notes };
}

/** The statement, section by section, for this shop as the app is configured now. */
export function privacyStatement(input: PrivacyInput): PrivacySection[] {
  const { env, settings } = input;
  return [
    {
      id: "stored",
      heading: "What Photo Studio stores",
      paragraphs: ["Only what it needs to edit your product images and to put the originals back:"],
      items: [
        "The product images a job works on, as downloaded from your store (kept so that you can restore them).",
        "The results Photo Studio makes, with the prompts you typed and the masks you drew.",
        "Job records: which products and images were in a job, their titles and alt text, what was written to your store and when.",
        "Your settings, saved recipes, measurements of your images (size, whether the background is white), and your credit balance and credit history.",
        "The email address and chat webhook you give for notifications, the notifications about your jobs, and your catalog health checks.",
        "Your store's Shopify access token, which lets the app read and update your products.",
      ],
    },
    {
      id: "customers",
      heading: "No customer data",
      paragraphs: [
        "Photo Studio asks Shopify only for access to products and files. It never reads your customers or orders, so it holds no customer data. Shopify's requests about customer data are answered accordingly.",
      ],
    },
    {
      id: "where",
      heading: "Where it is kept",
      paragraphs: [
        env.s3
          ? "Files are kept in Photo Studio's private object storage (a bucket no one else can read), and records in its database. Neither is ever public."
          : "Files are kept in Photo Studio's private storage on the disk of the app's server, and records in its database. Neither is ever public.",
        `Your images are shown to you only through links that work for ${linkLifetime(env.fileLinkTtlSeconds)}, are signed by Photo Studio and are tied to your store. A link copied out of the admin stops working after that time.`,
      ],
    },
    {
      id: "how-long",
      heading: "How long it is kept",
      paragraphs: [
        `Your retention settings: source images and rejected results ${plural(settings.retentionDays, "day")}, approved results ${plural(settings.resultRetentionDays, "day")}. You can change them in Settings.`,
        `Photo Studio checks every hour and deletes the files whose period has passed: a source image ${plural(settings.retentionDays, "day")} after it was downloaded, or, when its result was written to your store, ${plural(settings.retentionDays, "day")} after that write, which is how long you can restore the original; a rejected or unreviewed result ${plural(settings.retentionDays, "day")} after it was made; an approved result ${plural(settings.resultRetentionDays, "day")} after you approved it. The job records stay and show those images as expired.`,
        "You can also delete a job's, a product's or all of your images and job records at once, and download your data, on the Your data page. Deleting now takes effect immediately.",
        `A log of what happened in your store's Photo Studio (jobs started, images written or restored, data deleted or downloaded, files deleted automatically) is kept for ${plural(AUDIT_RETENTION_DAYS, "day")}. It holds only ids, counts and codes.`,
        `The masks you paint for the magic eraser are deleted ${plural(TRANSIENT_UPLOAD_HOURS, "hour")} after you draw them. The app's request logs (time, page, status, duration, your store's address; never tokens or image contents) are kept for ${plural(REQUEST_LOG_RETENTION_DAYS, "day")}.`,
      ],
    },
    processingSection(input),
    {
      id: "deletion",
      heading: "Deleting your data",
      paragraphs: [
        "When you uninstall Photo Studio, its access to your store ends at once: the access token is deleted, and jobs still running stop, with their unused credits given back. Nothing is charged after uninstall.",
        `48 hours after you uninstall, Shopify asks Photo Studio to erase your store's data, and Photo Studio deletes every record it holds about your store from its database: jobs and their results, settings, recipes, credits, the activity log, and the store itself. One record stays: that the erasure took place, with your store's address and how many records were deleted, and nothing else; it is deleted after ${plural(AUDIT_RETENTION_DAYS, "day")}.`,
        "The image files of your store (originals kept for restore, results, previews) are deleted from storage in the same step.",
        `Should Shopify's request not arrive, Photo Studio erases the same data by itself ${plural(ERASE_AFTER_UNINSTALL_DAYS, "day")} after you uninstall, unless you have installed it again.`,
      ],
    },
  ];
}
