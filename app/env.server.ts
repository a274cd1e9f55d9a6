import dotenv from "dotenv";
import { z } from "zod";

import { DatabaseUrlError, resolveDatabaseTarget, type DatabaseTarget } from "./db/database-url";
import { assertValidPrefix } from "./storage/keys";
import type { S3StorageConfig } from "./storage/s3-storage.server";

/**
 * The Admin API access Photo Studio needs: products (read their media, write images back) and
 * files (staged uploads, fileCreate/fileUpdate). Shopify grants read access with write access.
 * shopify.app.toml's [access_scopes] must say the same; a test holds the two together.
 */
export const REQUIRED_SCOPES = ["write_products", "write_files"] as const;

const SCOPE_PATTERN = /^(read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+$/;

const isLocalHost = (host: string) =>
  host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost");

/** S3's rule for bucket names (3 to 63 characters, no "..", starting and ending alphanumeric). */
const S3_BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * STORAGE_URL's bucket and the prefix inside it ("s3://bucket/some/prefix"), or what is wrong with
 * it. The value itself is never echoed: a mistaken s3://KEY:SECRET@bucket must not reach a log.
 */
function parseStorageUrl(value: string): Pick<S3StorageConfig, "bucket" | "prefix"> | string {
  const match = /^s3:\/\/([^/]*)(\/.*)?$/.exec(value);
  if (!match) {
    return "must be s3://<bucket> or s3://<bucket>/<prefix> (or unset, to keep files on this server's disk in STORAGE_DIR)";
  }
  const bucket = match[1] ?? "";
  if (!S3_BUCKET.test(bucket)) {
    return "names a bucket S3 would refuse: 3 to 63 lowercase letters, digits, dots and hyphens (no user name, password or port)";
  }
  const path = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (path === "") return { bucket, prefix: "" };
  try {
    assertValidPrefix(`${path}/`);
  } catch {
    return "has a prefix that is not /-separated names of letters, digits, dots, dashes and underscores";
  }
  return { bucket, prefix: `${path}/` };
}

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
  STORAGE_URL: z
    .string()
    .trim()
    .transform((value, ctx) => {
      const parsed = parseStorageUrl(value);
      if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  S3_ENDPOINT: z
    .string()
    .trim()
    .refine((value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return ["http:", "https:"].includes(url.protocol) && !url.username && !url.password;
    }, "must be an http:// or https:// URL without a user name or password (credentials go in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)")
    .transform((value) => value.replace(/\/+$/, ""))
    .optional(),
  S3_REGION: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/, "must be a region name such as us-east-1")
    .default("us-east-1"),
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false", "1", "0"], { message: 'must be "true" or "false"' })
    .transform((value) => value === "true" || value === "1")
    .optional(),
  S3_ACCESS_KEY_ID: z.string().trim().optional(),
  S3_SECRET_ACCESS_KEY: z.string().trim().optional(),
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
  METRICS_TOKEN: z
    .string()
    .trim()
    .min(16, "must be at least 16 characters (a random token: openssl rand -hex 24)")
    .optional(),
  WORKER_HTTP_PORT: z.coerce
    .number({ invalid_type_error: "must be a port number" })
    .int("must be a whole number")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .optional(),
  // A generic JSON HTTP email API for job notifications (app/notifications/email.server.ts).
  EMAIL_API_URL: z
    .string()
    .trim()
    .refine((value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return (
        !url.username &&
        !url.password &&
        (url.protocol === "https:" || (url.protocol === "http:" && isLocalHost(url.hostname)))
      );
    }, "must be an https URL without a user name or password (plain http is allowed only for localhost)")
    .optional(),
  EMAIL_API_KEY: z.string().trim().optional(),
  EMAIL_FROM: z.string().trim().email("must be an email address").optional(),
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
  /**
   * Set (STORAGE_URL=s3://bucket[/prefix]): files go to that S3-compatible bucket instead of
   * storageDir, which several servers can share. Still private: the app serves every file itself.
   */
  s3?: S3StorageConfig;
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
  /** Set: GET /metrics answers with this Bearer token; unset: /metrics is 404. */
  metricsToken?: string;
  /** Set: `npm run worker` answers /healthz, /readyz and /metrics on this port. */
  workerHttpPort?: number;
  /** Set (EMAIL_API_URL, EMAIL_API_KEY, EMAIL_FROM): job notifications can be emailed. */
  email?: { apiUrl: string; apiKey: string; from: string };
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

  if (result.success) {
    const { STORAGE_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = result.data;
    if (Boolean(S3_ACCESS_KEY_ID) !== Boolean(S3_SECRET_ACCESS_KEY)) {
      problems.push(
        "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS SDK's own credentials (AWS_* variables, instance roles)",
      );
    }
    // Without STORAGE_URL files silently stay on one server's disk: name that, not a later 404.
    const s3Settings = [
      "S3_ENDPOINT",
      "S3_REGION",
      "S3_FORCE_PATH_STYLE",
      "S3_ACCESS_KEY_ID",
      "S3_SECRET_ACCESS_KEY",
    ].filter((name) => blanksRemoved[name] !== undefined);
    if (!STORAGE_URL && s3Settings.length > 0) {
      problems.push(
        `${s3Settings.join(", ")} ${s3Settings.length > 1 ? "are" : "is"} set but STORAGE_URL is not: set STORAGE_URL=s3://<bucket> to keep files in S3 (unset, they go to STORAGE_DIR)`,
      );
    }
  }

  if (result.success) {
    const emailSettings = ["EMAIL_API_URL", "EMAIL_API_KEY", "EMAIL_FROM"];
    const setEmail = emailSettings.filter((name) => blanksRemoved[name] !== undefined);
    if (setEmail.length > 0 && setEmail.length < emailSettings.length) {
      problems.push(
        `EMAIL_API_URL, EMAIL_API_KEY and EMAIL_FROM go together: ${emailSettings.filter((name) => !setEmail.includes(name)).join(", ")} missing (unset all three to send no email)`,
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
    s3: value.STORAGE_URL && {
      ...value.STORAGE_URL,
      endpoint: value.S3_ENDPOINT,
      region: value.S3_REGION,
      forcePathStyle: value.S3_FORCE_PATH_STYLE ?? value.S3_ENDPOINT !== undefined,
      credentials:
        value.S3_ACCESS_KEY_ID && value.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: value.S3_ACCESS_KEY_ID, secretAccessKey: value.S3_SECRET_ACCESS_KEY }
          : undefined,
    },
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
    metricsToken: value.METRICS_TOKEN,
    workerHttpPort: value.WORKER_HTTP_PORT,
    email:
      value.EMAIL_API_URL && value.EMAIL_API_KEY && value.EMAIL_FROM
        ? { apiUrl: value.EMAIL_API_URL, apiKey: value.EMAIL_API_KEY, from: value.EMAIL_FROM }
        : undefined,
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
