import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";

const SCHEMA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "schema");

const cache = new Map<string, GraphQLSchema>();

/** Shopify's published Admin schema for an API version, if the dev store has it. */
export function adminSchema(version: string): GraphQLSchema | null {
  const cached = cache.get(version);
  if (cached) return cached;
  const file = path.join(SCHEMA_DIR, `admin_${version}.json.gz`);
  if (!fs.existsSync(file)) return null;
  const json = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8")) as
    IntrospectionQuery | { data: IntrospectionQuery };
  const schema = buildClientSchema("data" in json ? json.data : json);
  cache.set(version, schema);
  return schema;
}
