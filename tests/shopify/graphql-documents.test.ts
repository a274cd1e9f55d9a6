import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

import {
  buildClientSchema,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
  type IntrospectionQuery,
} from "graphql";
import { describe, expect, it } from "vitest";

import { ADMIN_API_VERSION } from "~/shopify/api-version";

// Shopify's published Admin schema for the version the app calls (see emulators/shopify/README.md).
const schemaFile = `emulators/shopify/schema/admin_${ADMIN_API_VERSION}.json.gz`;
const introspection = JSON.parse(zlib.gunzipSync(fs.readFileSync(schemaFile)).toString("utf8")) as
  IntrospectionQuery | { data: IntrospectionQuery };
const schema = buildClientSchema("data" in introspection ? introspection.data : introspection);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
  });
}

const GRAPHQL_CONSTANT = /const (\w+) = `#graphql\n([\s\S]*?)`/g;

/**
 * Every `#graphql` operation the app (and its extensions) can send to the Admin API, with the
 * fragments it interpolates (`${FRAGMENT}`, a constant of the same file) filled in as they are
 * when the app sends it. Fragment-only constants are checked inside the operations that use them.
 */
const documents = ["app", "extensions"]
  .filter((dir) => fs.existsSync(dir))
  .flatMap(sourceFiles)
  .flatMap((file) => {
    const text = fs.readFileSync(file, "utf8");
    const constants = new Map(
      [...text.matchAll(GRAPHQL_CONSTANT)].map((match) => [match[1]!, match[2]!]),
    );
    const fill = (source: string): string =>
      source.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
        const fragment = constants.get(name);
        return fragment === undefined ? whole : fill(fragment);
      });
    return [...text.matchAll(/`#graphql\n([\s\S]*?)`/g)]
      .map((match) => ({ file, source: fill(match[1]!) }))
      .filter(({ source }) => /^\s*(query|mutation|subscription)\b/m.test(source));
  });

describe(`GraphQL documents against Shopify's Admin API ${ADMIN_API_VERSION}`, () => {
  it("finds the app's documents", () => {
    expect(documents.length).toBeGreaterThan(0);
  });

  it.each(documents.map((doc) => [doc.file, doc] as const))(
    "%s: valid, with no deprecated field and an app-prefixed operation name",
    (_file, { source }) => {
      const document = parse(source);
      const errors = validate(schema, document, [...specifiedRules, NoDeprecatedCustomRule]);
      expect(errors.map((error) => error.message)).toEqual([]);
      for (const definition of document.definitions) {
        if (definition.kind === "OperationDefinition") {
          expect(definition.name?.value).toMatch(/^PhotoStudio[A-Z]/);
        }
      }
    },
  );
});
