/**
 * A shop's defaults and data choices (the Settings page): what a new job starts with, how long
 * files are kept, and, where the operator allows it, which AI provider processes its images.
 * A shop that never saved settings has none stored and gets the defaults below.
 */
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";

import { createAiProvider } from "../ai/index.ts";
import { recordAudit } from "../audit/audit.server.ts";
import type { AiProvider } from "../ai/provider.ts";
import { replicateOptionsFromEnv } from "../ai/replicate/config.server.ts";
import { DatabasePredictionLedger } from "../ai/replicate/database-ledger.server.ts";
import { getEnv, type AppEnv } from "../env.server.ts";
import { PRESET_IDS, PRESETS, type PresetId } from "../images/presets.ts";
import { WRITE_MODES, type WriteMode } from "../jobs/recipe.ts";
import { isNotificationWebhookUrl } from "../notifications/destinations.ts";

export type ProviderName = AiProvider["name"];

/**
 * How long files are kept, in days: the operator's bounds, within which each shop chooses.
 * Sources (downloaded originals, which restore needs) and rejected results are short-lived;
 * approved results are kept longer because restoring and re-using them is why they are kept.
 */
export const RETENTION_BOUNDS = {
  retentionDays: { min: 1, max: 90, default: 30 },
  resultRetentionDays: { min: 30, max: 365, default: 180 },
} as const;

export interface ShopSettings {
  defaultPreset: PresetId;
  /** The colour a "colour background" recipe starts with, "#rrggbb" in lower case. */
  backgroundColor: string;
  writeMode: WriteMode;
  autoApprove: boolean;
  altText: boolean;
  /** Days sources and rejected variants are kept. */
  retentionDays: number;
  /** Days approved results are kept. */
  resultRetentionDays: number;
  /** The provider that processes this shop's images (its choice where allowed, else the operator's). */
  aiProvider: ProviderName;
  /** New and changed products' new images are processed on arrival (app/automation). */
  autoProcess: boolean;
  /** The saved recipe automation uses; null: the defaults above. */
  autoProcessRecipeId: string | null;
  /** Where job notifications are emailed (app/notifications); null: not emailed. */
  notifyEmail: string | null;
  /** A chat webhook (e.g. Slack's incoming webhooks) job notifications are posted to; null: none. */
  notifyWebhookUrl: string | null;
}

export type SettingsField = keyof ShopSettings;

type ProviderConfig = Pick<AppEnv, "aiProvider" | "aiProviderChoices">;

export const DEFAULT_SETTINGS: Omit<ShopSettings, "aiProvider"> = {
  defaultPreset: "amazon",
  backgroundColor: "#ffffff",
  writeMode: "replace",
  autoApprove: false,
  altText: true,
  retentionDays: RETENTION_BOUNDS.retentionDays.default,
  resultRetentionDays: RETENTION_BOUNDS.resultRetentionDays.default,
  autoProcess: false,
  autoProcessRecipeId: null,
  notifyEmail: null,
  notifyWebhookUrl: null,
};

// Forms send "on"/"true"/"false" or nothing for a checkbox; code sends booleans.
const checkbox = z.preprocess(
  (value) => value === true || value === "true" || value === "on",
  z.boolean(),
);

// An empty field means "none".
const optionalText = (schema: z.ZodTypeAny) =>
  z.preprocess(
    (value) =>
      value === null || (typeof value === "string" && value.trim() === "") ? undefined : value,
    schema.optional(),
  );

function days(field: keyof typeof RETENTION_BOUNDS, what: string) {
  const { min, max } = RETENTION_BOUNDS[field];
  const message = `Keep ${what} between ${min} and ${max} days.`;
  return z.coerce
    .number({ invalid_type_error: message })
    .int(`Enter a whole number of days (${min} to ${max}).`)
    .min(min, message)
    .max(max, message);
}

function settingsSchema(config: ProviderConfig) {
  return z.object({
    defaultPreset: z.enum(PRESET_IDS, { message: "Choose one of the listed presets." }),
    backgroundColor: z
      .string({ message: "Enter a colour like #ffffff." })
      .trim()
      .regex(/^#[0-9a-f]{6}$/i, "Enter a colour as # and six hex digits, like #f4f4f4.")
      .transform((colour) => colour.toLowerCase()),
    writeMode: z.enum(WRITE_MODES, { message: "Choose replace or add." }),
    autoApprove: checkbox,
    altText: checkbox,
    retentionDays: days("retentionDays", "source images and rejected results"),
    resultRetentionDays: days("resultRetentionDays", "approved results"),
    aiProvider: z
      .string()
      .optional()
      .refine(
        (choice) =>
          choice === undefined || config.aiProviderChoices.includes(choice as ProviderName),
        "This provider is not available here.",
      ),
    autoProcess: checkbox,
    autoProcessRecipeId: optionalText(z.string().trim().max(64)),
    notifyEmail: optionalText(
      z.string().trim().email("Enter an email address like you@example.com.").max(254),
    ),
    notifyWebhookUrl: optionalText(
      z
        .string()
        .trim()
        .max(2_000)
        .refine(
          isNotificationWebhookUrl,
          "Enter an https:// address (like a Slack incoming webhook).",
        ),
    ),
  });
}

function effectiveProvider(stored: string | null, config: ProviderConfig): ProviderName {
  return stored && config.aiProviderChoices.includes(stored as ProviderName)
    ? (stored as ProviderName)
    : config.aiProvider;
}

function settingsFromRow(
  row: Awaited<ReturnType<PrismaClient["shopSettings"]["findUnique"]>>,
  config: ProviderConfig,
): ShopSettings {
  if (!row) return { ...DEFAULT_SETTINGS, aiProvider: config.aiProvider };
  const { min: sMin, max: sMax } = RETENTION_BOUNDS.retentionDays;
  const { min: rMin, max: rMax } = RETENTION_BOUNDS.resultRetentionDays;
  const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
  return {
    // A row written by an older version (a preset since removed, bounds since narrowed) is read
    // as the nearest valid setting rather than failing the page.
    defaultPreset: (PRESET_IDS as readonly string[]).includes(row.defaultPreset)
      ? (row.defaultPreset as PresetId)
      : DEFAULT_SETTINGS.defaultPreset,
    backgroundColor: /^#[0-9a-f]{6}$/.test(row.backgroundColor)
      ? row.backgroundColor
      : DEFAULT_SETTINGS.backgroundColor,
    writeMode: (WRITE_MODES as readonly string[]).includes(row.writeMode)
      ? (row.writeMode as WriteMode)
      : DEFAULT_SETTINGS.writeMode,
    autoApprove: row.autoApprove,
    altText: row.altText,
    retentionDays: clamp(row.retentionDays, sMin, sMax),
    resultRetentionDays: clamp(row.resultRetentionDays, rMin, rMax),
    aiProvider: effectiveProvider(row.aiProvider, config),
    autoProcess: row.autoProcess,
    autoProcessRecipeId: row.autoProcessRecipeId,
    notifyEmail: row.notifyEmail,
    notifyWebhookUrl: row.notifyWebhookUrl,
  };
}

/** The presets a shop can make its default, for a Select (presets.ts is server-only: sharp). */
export function presetOptions(): Array<{ value: PresetId; label: string }> {
  return PRESET_IDS.map((id) => ({ value: id, label: PRESETS[id].name }));
}

export async function getShopSettings(
  db: PrismaClient,
  shop: string,
  config: ProviderConfig = getEnv(),
): Promise<ShopSettings> {
  return settingsFromRow(await db.shopSettings.findUnique({ where: { shop } }), config);
}

export type SaveResult =
  | { ok: true; settings: ShopSettings }
  | { ok: false; errors: Partial<Record<SettingsField, string>> };

/**
 * Validates and stores a shop's settings (a form's strings or typed values). Invalid input
 * stores nothing and answers one plain message per field, for Polaris `error=` props.
 */
export async function saveShopSettings(
  db: PrismaClient,
  shop: string,
  input: unknown,
  config: ProviderConfig = getEnv(),
): Promise<SaveResult> {
  const parsed = settingsSchema(config).safeParse(input ?? {});
  if (!parsed.success) {
    const errors: Partial<Record<SettingsField, string>> = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as SettingsField | undefined;
      if (field && !errors[field]) errors[field] = issue.message;
    }
    return { ok: false, errors };
  }
  const { aiProvider, autoProcessRecipeId, notifyEmail, notifyWebhookUrl, ...rest } = parsed.data;
  // Automation's recipe must be one of the shop's own; a foreign id answers like a missing one.
  if (
    autoProcessRecipeId &&
    !(await db.savedRecipe.findFirst({
      where: { id: autoProcessRecipeId, shop },
      select: { id: true },
    }))
  ) {
    return { ok: false, errors: { autoProcessRecipeId: "This saved recipe no longer exists." } };
  }
  const previous = await db.shopSettings.findUnique({
    where: { shop },
    select: { autoProcess: true, autoProcessSince: true },
  });
  const values = {
    ...rest,
    autoProcessRecipeId: autoProcessRecipeId ?? null,
    notifyEmail: notifyEmail ?? null,
    notifyWebhookUrl: notifyWebhookUrl ?? null,
    // Automation leaves alone the images the store had when it was switched on.
    autoProcessSince: rest.autoProcess
      ? previous?.autoProcess && previous.autoProcessSince
        ? previous.autoProcessSince
        : new Date()
      : null,
  };
  // With one provider there is nothing to choose: keep null, so a later change of AI_PROVIDER
  // reaches every shop that never chose.
  const choice =
    config.aiProviderChoices.length > 1 && aiProvider ? (aiProvider as ProviderName) : undefined;
  const before = await getShopSettings(db, shop, config);
  const row = await db.shopSettings.upsert({
    where: { shop },
    create: { shop, ...values, aiProvider: choice ?? null },
    update: { ...values, ...(choice ? { aiProvider: choice } : {}) },
  });
  const settings = settingsFromRow(row, config);
  const changed = (Object.keys(settings) as Array<keyof typeof settings>).filter(
    (field) => settings[field] !== before[field],
  );
  if (changed.length > 0) {
    await recordAudit(db, shop, {
      action: "settings.changed",
      actor: "merchant",
      details: {
        fields: changed,
        retentionDays: settings.retentionDays,
        resultRetentionDays: settings.resultRetentionDays,
      },
    });
  }
  return { ok: true, settings };
}

declare global {
  // Providers other than the process's own, built on first use and shared like getAiProvider's.
  var photoStudioChosenProviders: Map<ProviderName, AiProvider> | undefined;
}

/**
 * A provider other than the process's own, for shops that chose it. A chosen Replicate provider
 * polls instead of waiting for webhooks: the webhook route wakes only the process's own provider.
 */
function buildChosenProvider(name: ProviderName, db: PrismaClient): AiProvider {
  if (name === "local") return createAiProvider("local");
  return createAiProvider("replicate", {
    ...replicateOptionsFromEnv(process.env),
    webhook: null,
    ledger: new DatabasePredictionLedger(db),
  });
}

export interface ProviderForShopOptions {
  config?: ProviderConfig;
  /** Builds a provider by name (tests); default: built once per process from the environment. */
  build?: (name: ProviderName) => AiProvider;
}

/**
 * The provider that processes `shop`'s images: its own choice when the operator allows that
 * choice (AI_PROVIDER_CHOICES) and it differs from `deps.provider`; otherwise `deps.provider`.
 */
export async function providerForShop(
  deps: { db: PrismaClient; provider: AiProvider },
  shop: string,
  { config = getEnv(), build }: ProviderForShopOptions = {},
): Promise<AiProvider> {
  if (config.aiProviderChoices.length < 2) return deps.provider;
  const row = await deps.db.shopSettings.findUnique({
    where: { shop },
    select: { aiProvider: true },
  });
  const choice = row?.aiProvider;
  if (!choice || choice === deps.provider.name) return deps.provider;
  if (!config.aiProviderChoices.includes(choice as ProviderName)) return deps.provider;
  const name = choice as ProviderName;
  if (build) return build(name);
  globalThis.photoStudioChosenProviders ??= new Map();
  let provider = globalThis.photoStudioChosenProviders.get(name);
  if (!provider) {
    provider = buildChosenProvider(name, deps.db);
    globalThis.photoStudioChosenProviders.set(name, provider);
  }
  return provider;
}
