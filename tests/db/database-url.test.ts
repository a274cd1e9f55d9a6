import { describe, expect, it } from "vitest";

import { DatabaseUrlError, prismaPathsFor, resolveDatabaseTarget } from "~/db/database-url";

describe("choosing the database from DATABASE_URL", () => {
  it("defaults to a SQLite file under the project", () => {
    const target = resolveDatabaseTarget(undefined, "/srv/photo-studio");
    expect(target).toMatchObject({
      provider: "sqlite",
      filePath: "/srv/photo-studio/data/photo-studio.sqlite",
    });
    expect(prismaPathsFor(target).migrations).toBe("prisma/migrations");
  });

  it("resolves relative and absolute file: URLs", () => {
    expect(resolveDatabaseTarget("file:./x/db.sqlite", "/app")).toMatchObject({
      filePath: "/app/x/db.sqlite",
    });
    expect(resolveDatabaseTarget("file:/var/lib/ps.sqlite", "/app")).toMatchObject({
      filePath: "/var/lib/ps.sqlite",
    });
    expect(resolveDatabaseTarget("file:///var/lib/ps.sqlite", "/app")).toMatchObject({
      filePath: "/var/lib/ps.sqlite",
    });
  });

  it("uses PostgreSQL for postgresql:// and postgres:// URLs and takes Prisma's schema parameter out", () => {
    const target = resolveDatabaseTarget(
      "postgresql://ps:pw@db.internal:5432/photo?schema=studio&sslmode=require",
    );
    expect(target).toMatchObject({
      provider: "postgresql",
      schema: "studio",
      connectionString: "postgresql://ps:pw@db.internal:5432/photo?sslmode=require",
    });
    expect(prismaPathsFor(target).migrations).toBe("prisma/postgresql/migrations");
    expect(resolveDatabaseTarget("postgres://db/photo").provider).toBe("postgresql");
  });

  it("refuses in-memory SQLite, which would lose every job on restart", () => {
    expect(() => resolveDatabaseTarget("file::memory:")).toThrow(DatabaseUrlError);
  });

  it("refuses other databases by name without echoing credentials", () => {
    expect(() => resolveDatabaseTarget("mysql://root:hunter2@db/x")).toThrow(/got "mysql:"/);
    expect(() => resolveDatabaseTarget("mysql://root:hunter2@db/x")).not.toThrow(/hunter2/);
  });
});
