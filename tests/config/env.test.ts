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
