import path from "node:path";

/**
 * Where the data lives. Photo Studio runs on SQLite (a single file, the embedded default) or on
 * PostgreSQL (at scale); DATABASE_URL's scheme decides which.
 */
export type DatabaseTarget =
  | { provider: "sqlite"; filePath: string; url: string }
  | { provider: "postgresql"; connectionString: string; schema?: string; url: string };

export const DEFAULT_DATABASE_URL = "file:./data/photo-studio.sqlite";

export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

export function resolveDatabaseTarget(
  databaseUrl: string | undefined,
  cwd: string = process.cwd(),
): DatabaseTarget {
  const url = databaseUrl?.trim() || DEFAULT_DATABASE_URL;

  if (url.startsWith("file:")) {
    const rawPath = decodeURIComponent(url.slice("file:".length).replace(/^\/\/(?=\/)/, "")).split(
      "?",
    )[0];
    if (!rawPath || rawPath === ":memory:") {
      throw new DatabaseUrlError(
        `DATABASE_URL "${url}" names no file: use a path such as ${DEFAULT_DATABASE_URL}`,
      );
    }
    const filePath = path.resolve(cwd, rawPath);
    return { provider: "sqlite", filePath, url: `file:${filePath}` };
  }

  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DatabaseUrlError("DATABASE_URL is not a valid postgresql:// URL");
    }
    // Prisma's convention is ?schema=name; node-postgres would pass it on to the server as an
    // unknown startup parameter, so it is taken out here and given to the adapter instead.
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    return { provider: "postgresql", connectionString: parsed.toString(), schema, url };
  }

  throw new DatabaseUrlError(
    `DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:"`,
  );
}

/** The schema and migrations folder that belong to a provider, relative to the project root. */
export function prismaPathsFor(target: DatabaseTarget) {
  return target.provider === "sqlite"
    ? { schema: "prisma/schema.prisma", migrations: "prisma/migrations" }
    : { schema: "prisma/postgresql/schema.prisma", migrations: "prisma/postgresql/migrations" };
}
