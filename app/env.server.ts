import dotenv from "dotenv";
import { z } from "zod";

import { DatabaseUrlError, resolveDatabaseTarget, type DatabaseTarget } from "./db/database-url";

/**
 * The Admin API access Photo Studio needs: products (read their media, write images back) and
 * files (staged uploads, fileCreate/fileUpdate). Shopify grants read access with write access.
 * shopify.app.toml's [access_scopes] must say the same; a test holds the two together.
 */
export const REQUIRED_SCOPES = ["write_products", "write_files"] as const;

const SCOPE_PATTERN = /^(read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+$/;

const isLocalHost = (host: string) =>
  host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");

const schema = z.object({
  SHOPIFY_API_KEY: z
    .string({ required_error: "is missing: the app's client ID from the Partner Dashboard" })
    .trim()
    .min(1, "is empty: the app's client ID from the Partner Dashboard"),
  SHOPIFY_API_SECRET: z
    .string({ required_error: "is missing: the app's client secret from the Partner Dashboard" })
    .trim()
    .min(16, "is too short to be a Shopify client secret"),
  SHOPIFY_APP_URL: z
    .string({ required_error: "is missing: the public https URL the app is served on" })
    .trim()
    .url("is not a URL")
    .refine((value) => {
      if (!URL.canParse(value)) return true; // already reported as "is not a URL"
      const url = new URL(value);
      return url.protocol === "https:" || (url.protocol === "http:" && isLocalHost(url.hostname));
    }, "must use https (plain http is allowed only for localhost)")
    .transform((value) => value.replace(/\/+$/, "")),
  SCOPES: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? REQUIRED_SCOPES.join(","))
        .split(",")
        .map((scope) => scope.trim())
        .filter(Boolean),
    )
    .superRefine((scopes, ctx) => {
      const malformed = scopes.filter((scope) => !SCOPE_PATTERN.test(scope));
      if (malformed.length > 0) {
        ctx.addIssue({ code: "custom", message: `has malformed scopes: ${malformed.join(", ")}` });
      }
      const missing = REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope));
      if (missing.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `lacks scopes Photo Studio needs: ${missing.join(", ")}`,
        });
      }
    }),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((value) => /^rediss?:\/\/[^/]/.test(value) && URL.canParse(value), {
      message: "must be a redis:// or rediss:// URL",
    })
    .optional(),
  PORT: z.coerce
    .number({ invalid_type_error: "must be a port number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(3000),
  SHOP_CUSTOM_DOMAIN: z.string().trim().optional(),
  AI_PROVIDER: z
    .enum(["local", "replicate"], { message: 'must be "local" or "replicate"' })
    .default("local"),
  AI_PROVIDER_CHOICES: z.preprocess(
    (value) =>
      typeof value === "string"
        ? [...new Set(value.split(",").map((choice) => choice.trim().toLowerCase()))].filter(
            Boolean,
          )
        : value,
    z
      .array(z.string())
      .min(1, 'must list "local", "replicate" or both')
      .refine(
        (choices): choices is Array<"local" | "replicate"> =>
          choices.every((choice) => choice === "local" || choice === "replicate"),
        'may list only "local" and "replicate", separated by commas',
      )
      .optional(),
  ),
  STORAGE_DIR: z.string().trim().default("data/storage"),
  FILE_LINK_TTL_SECONDS: z.coerce
    .number({ invalid_type_error: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(60, "must be between 60 and 86400 seconds (1 minute to 1 day)")
    .max(86_400, "must be between 60 and 86400 seconds (1 minute to 1 day)")
    .default(3600),
  JOB_WORKERS: z
    .enum(["in-process", "separate"], { message: 'must be "in-process" or "separate"' })
    .default("in-process"),
  WORKER_CONCURRENCY: z.coerce
    .number({ invalid_type_error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(64, "must be at most 64")
    .default(4),
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/, "may hold only lowercase letters, digits and dashes")
    .default("photo-studio"),
  QUEUE_LEASE_MS: z.coerce
    .number({ invalid_type_error: "must be a number of milliseconds" })
    .int("must be a whole number")
    .min(100, "must be at least 100")
    .default(60_000),
  QUEUE_BACKOFF_MS: z.coerce
    .number({ invalid_type_error: "must be a number of milliseconds" })
    .int("must be a whole number")
    .min(0, "must not be negative")
    .default(5_000),
  QUEUE_MAX_ATTEMPTS: z.coerce
    .number({ invalid_type_error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(50, "must be at most 50")
    .default(5),
  LOG_DIR: z.string().trim().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export interface AppEnv {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  scopes: string[];
  database: DatabaseTarget;
  /** Set: bulk jobs run on BullMQ; unset: in the app's own database. */
  redisUrl?: string;
  port: number;
  shopCustomDomain?: string;
  /** Which AI provider runs background removal, upscaling, scenes and alt text. */
  aiProvider: "local" | "replicate";
  /**
   * The providers a merchant may pick in Settings (AI_PROVIDER_CHOICES); only AI_PROVIDER unless
   * the operator offers more. A choice costs the operator (Replicate bills per prediction), so it is
   * theirs to open.
   */
  aiProviderChoices: Array<"local" | "replicate">;
  /** Root folder of the local-disk storage (originals, results); private, never served as is. */
  storageDir: string;
  /** How long a signed file link (/files/<token>) stays valid, in seconds (FILE_LINK_TTL_SECONDS). */
  fileLinkTtlSeconds: number;
  /** "in-process": the web process also runs job workers; "separate": only `npm run worker` does. */
  jobWorkers: "in-process" | "separate";
  /** Tasks a worker process runs at once. */
  workerConcurrency: number;
  /** The queue's name space in Redis, and its retry and lease tuning (app/jobs/README.md). */
  queue: { prefix: string; leaseMs: number; backoffMs: number; maxAttempts: number };
  /**
   * Set: request logs also go to daily files here (`requests-YYYY-MM-DD.jsonl`), deleted after 30
   * days; unset: stdout only, kept as long as the host keeps it.
   */
  logDir?: string;
  nodeEnv: "development" | "production" | "test";
}

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      [
        "Photo Studio cannot start: its configuration is incomplete or wrong.",
        ...problems.map((problem) => `  - ${problem}`),
        "Set these in the environment or in .env (see README › Configuration; `npm run setup` writes a .env for the local dev store).",
      ].join("\n"),
    );
    this.problems = problems;
  }
}

/** Validates the environment; the error names every variable at fault, never a secret's value. */
export function parseEnv(source: Record<string, string | undefined>): AppEnv {
  const blanksRemoved = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = schema.safeParse(blanksRemoved);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);

  let database: DatabaseTarget | undefined;
  try {
    database = resolveDatabaseTarget(blanksRemoved.DATABASE_URL);
  } catch (error) {
    if (!(error instanceof DatabaseUrlError)) throw error;
    problems.push(error.message);
  }

  if (result.success) {
    const { AI_PROVIDER, AI_PROVIDER_CHOICES } = result.data;
    if (AI_PROVIDER_CHOICES && !AI_PROVIDER_CHOICES.includes(AI_PROVIDER)) {
      problems.push(
        `AI_PROVIDER_CHOICES must include AI_PROVIDER ("${AI_PROVIDER}"): it is what a shop gets until it chooses`,
      );
    }
    // A shop that picks Replicate would otherwise fail at its first job, long after start-up.
    if (AI_PROVIDER_CHOICES?.includes("replicate") && !blanksRemoved.REPLICATE_API_TOKEN) {
      problems.push(
        "AI_PROVIDER_CHOICES offers replicate, so REPLICATE_API_TOKEN must be set (the token itself is never logged)",
      );
    }
  }

  if (!result.success || !database || problems.length > 0) throw new ConfigError(problems);
  const value = result.data;
  return {
    apiKey: value.SHOPIFY_API_KEY,
    apiSecret: value.SHOPIFY_API_SECRET,
    appUrl: value.SHOPIFY_APP_URL,
    scopes: value.SCOPES,
    database,
    redisUrl: value.REDIS_URL,
    port: value.PORT,
    shopCustomDomain: value.SHOP_CUSTOM_DOMAIN,
    aiProvider: value.AI_PROVIDER,
    aiProviderChoices: value.AI_PROVIDER_CHOICES ?? [value.AI_PROVIDER],
    storageDir: value.STORAGE_DIR,
    fileLinkTtlSeconds: value.FILE_LINK_TTL_SECONDS,
    jobWorkers: value.JOB_WORKERS,
    workerConcurrency: value.WORKER_CONCURRENCY,
    queue: {
      prefix: value.QUEUE_PREFIX,
      leaseMs: value.QUEUE_LEASE_MS,
      backoffMs: value.QUEUE_BACKOFF_MS,
      maxAttempts: value.QUEUE_MAX_ATTEMPTS,
    },
    logDir: value.LOG_DIR,
    nodeEnv: value.NODE_ENV,
  };
}

let cached: AppEnv | undefined;

/**
 * The validated configuration, read once. Outside tests a .env file fills in what the environment
 * leaves unset (remix-serve does not read .env itself); real environment variables always win.
 */
export function getEnv(): AppEnv {
  if (!cached && process.env.NODE_ENV !== "test") dotenv.config({ quiet: true });
  cached ??= parseEnv(process.env);
  return cached;
}
