import { describe, expect, it } from "vitest";

import { ConfigError, parseEnv, REQUIRED_SCOPES } from "~/env.server";

const VALID = {
  SHOPIFY_API_KEY: "a1b2c3d4e5f6",
  SHOPIFY_API_SECRET: "0123456789abcdef0123456789abcdef",
  SHOPIFY_APP_URL: "https://photo-studio.example.com/",
};

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration from the environment", () => {
  it("accepts Shopify's conventional variables and fills in the embedded defaults", () => {
    const env = parseEnv(VALID);
    expect(env.apiKey).toBe("a1b2c3d4e5f6");
    expect(env.appUrl).toBe("https://photo-studio.example.com");
    expect(env.scopes).toEqual([...REQUIRED_SCOPES]);
    expect(env.port).toBe(3000);
    expect(env.database.provider).toBe("sqlite");
  });

  it("names every missing variable at once, with what it should hold", () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/SHOPIFY_API_KEY is missing: the app's client ID/);
    expect(problems.join("\n")).toMatch(/SHOPIFY_API_SECRET is missing/);
    expect(problems.join("\n")).toMatch(/SHOPIFY_APP_URL is missing/);
  });

  it("treats a blank variable as missing", () => {
    expect(problemsOf({ ...VALID, SHOPIFY_API_KEY: "   " })).toEqual([
      expect.stringMatching(/^SHOPIFY_API_KEY is missing/),
    ]);
  });

  it("refuses plain http except on localhost", () => {
    expect(problemsOf({ ...VALID, SHOPIFY_APP_URL: "http://photo-studio.example.com" })[0]).toMatch(
      /SHOPIFY_APP_URL must use https/,
    );
    expect(parseEnv({ ...VALID, SHOPIFY_APP_URL: "http://localhost:3000" }).appUrl).toBe(
      "http://localhost:3000",
    );
  });

  it("refuses scopes that are malformed or leave out what the app needs", () => {
    const problems = problemsOf({ ...VALID, SCOPES: "read_products, products" });
    expect(problems.join("\n")).toMatch(/SCOPES has malformed scopes: products/);
    expect(problems.join("\n")).toMatch(
      /SCOPES lacks scopes Photo Studio needs: write_products, write_files/,
    );
  });

  it("refuses a port that is not a port", () => {
    expect(problemsOf({ ...VALID, PORT: "http" })[0]).toMatch(/^PORT must be a port number/);
    expect(problemsOf({ ...VALID, PORT: "70000" })[0]).toMatch(/^PORT must be between 1 and 65535/);
  });

  it("refuses a database URL of an unsupported kind", () => {
    expect(problemsOf({ ...VALID, DATABASE_URL: "mysql://localhost/db" })[0]).toMatch(
      /DATABASE_URL must start with file: \(SQLite\) or postgresql:\/\//,
    );
  });

  it("takes a Redis URL for the queue, and refuses one of another kind without echoing it", () => {
    expect(parseEnv({ ...VALID, REDIS_URL: "redis://127.0.0.1:6379" }).redisUrl).toBe(
      "redis://127.0.0.1:6379",
    );
    const problems = problemsOf({ ...VALID, REDIS_URL: "http://user:hunter2@cache:6379" });
    expect(problems).toEqual(["REDIS_URL must be a redis:// or rediss:// URL"]);
  });

  it("never repeats a secret's value in its message", () => {
    const secret = "short-secret";
    const error = (() => {
      try {
        parseEnv({ ...VALID, SHOPIFY_API_SECRET: secret, SHOPIFY_APP_URL: "nope" });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(/SHOPIFY_API_SECRET is too short/);
    expect(error?.message).not.toContain(secret);
  });
});

describe("object storage configuration", () => {
  it("keeps files on local disk in STORAGE_DIR unless STORAGE_URL names a bucket", () => {
    const env = parseEnv(VALID);
    expect(env.storageDir).toBe("data/storage");
    expect(env.s3).toBeUndefined();
  });

  it("reads an S3 bucket and prefix from STORAGE_URL, with AWS's defaults", () => {
    expect(parseEnv({ ...VALID, STORAGE_URL: "s3://photo-studio-files" }).s3).toEqual({
      bucket: "photo-studio-files",
      prefix: "",
      endpoint: undefined,
      region: "us-east-1",
      forcePathStyle: false,
      credentials: undefined,
    });
    expect(
      parseEnv({
        ...VALID,
        STORAGE_URL: "s3://photo-studio-files/tenants/acme/",
        S3_REGION: "eu-west-3",
      }).s3,
    ).toMatchObject({ prefix: "tenants/acme/", region: "eu-west-3" });
  });

  it("uses path-style requests and the given keys for an S3-compatible endpoint", () => {
    const env = parseEnv({
      ...VALID,
      STORAGE_URL: "s3://files",
      S3_ENDPOINT: "http://127.0.0.1:9000/",
      S3_ACCESS_KEY_ID: "minio",
      S3_SECRET_ACCESS_KEY: "minio-secret",
    });
    expect(env.s3).toMatchObject({
      endpoint: "http://127.0.0.1:9000",
      forcePathStyle: true,
      credentials: { accessKeyId: "minio", secretAccessKey: "minio-secret" },
    });
    expect(
      parseEnv({
        ...VALID,
        STORAGE_URL: "s3://files",
        S3_ENDPOINT: "https://storage.example.com",
        S3_FORCE_PATH_STYLE: "false",
      }).s3?.forcePathStyle,
    ).toBe(false);
  });

  it.each([
    [
      "a URL of another kind",
      "https://files.example.com/bucket",
      /^STORAGE_URL must be s3:\/\/<bucket>/,
    ],
    ["no bucket", "s3://", /^STORAGE_URL names a bucket S3 would refuse/],
    ["a bucket S3 refuses", "s3://Photo_Studio", /^STORAGE_URL names a bucket S3 would refuse/],
    [
      "a prefix with a parent segment",
      "s3://files/a/../b",
      /^STORAGE_URL has a prefix that is not/,
    ],
    ["a prefix with spaces", "s3://files/my files", /^STORAGE_URL has a prefix that is not/],
  ])("refuses a STORAGE_URL with %s", (_case, value, message) => {
    expect(problemsOf({ ...VALID, STORAGE_URL: value })).toEqual([expect.stringMatching(message)]);
  });

  it("never echoes credentials put into STORAGE_URL or S3_ENDPOINT", () => {
    const problems = problemsOf({
      ...VALID,
      STORAGE_URL: "s3://AKIAEXAMPLE:hunter2@files",
      S3_ENDPOINT: "https://AKIAEXAMPLE:hunter2@storage.example.com",
    });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(
      /S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL without a user name/,
    );
    expect(problems.join("\n")).not.toMatch(/hunter2|AKIAEXAMPLE/);
  });

  it("refuses half a key pair, a malformed setting, and S3 settings without STORAGE_URL", () => {
    expect(problemsOf({ ...VALID, STORAGE_URL: "s3://files", S3_ACCESS_KEY_ID: "minio" })).toEqual([
      expect.stringMatching(/^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/),
    ]);
    expect(problemsOf({ ...VALID, STORAGE_URL: "s3://files", S3_FORCE_PATH_STYLE: "yes" })).toEqual(
      ['S3_FORCE_PATH_STYLE must be "true" or "false"'],
    );
    expect(
      problemsOf({ ...VALID, STORAGE_URL: "s3://files", S3_ENDPOINT: "minio:9000" })[0],
    ).toMatch(/^S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL/);
    const forgotten = problemsOf({
      ...VALID,
      S3_ENDPOINT: "http://127.0.0.1:9000",
      S3_SECRET_ACCESS_KEY: "minio-secret",
      S3_ACCESS_KEY_ID: "minio",
    });
    expect(forgotten).toEqual([
      "S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY are set but STORAGE_URL is not: set STORAGE_URL=s3://<bucket> to keep files in S3 (unset, they go to STORAGE_DIR)",
    ]);
    expect(forgotten.join("\n")).not.toContain("minio-secret");
  });
});
