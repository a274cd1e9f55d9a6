import { randomBytes } from "node:crypto";

import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, describe, expect, it } from "vitest";

import { createPrismaClient } from "~/db/client.server";

import { migratedDatabase, providers } from "../support/databases";

describe.each(providers)("Shopify session storage on $name", ({ name, skip }) => {
  const clients: Array<{ $disconnect(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
  });

  function storage() {
    const prisma = createPrismaClient(migratedDatabase(name));
    clients.push(prisma);
    return new PrismaSessionStorage(prisma, { connectionRetries: 1 });
  }

  const shop = () => `store-${randomBytes(4).toString("hex")}.myshopify.com`;

  it.skipIf(skip)("stores and loads an offline session unchanged", async () => {
    const sessions = storage();
    const domain = shop();
    const offline = new Session({
      id: `offline_${domain}`,
      shop: domain,
      state: "state-1",
      isOnline: false,
      scope: "write_products,write_files",
      accessToken: "shpat_0123456789",
    });

    expect(await sessions.storeSession(offline)).toBe(true);
    const loaded = await sessions.loadSession(offline.id);

    expect(loaded?.toObject()).toEqual(offline.toObject());
    expect(loaded?.isActive("write_products,write_files")).toBe(true);
  });

  it.skipIf(skip)("keeps an online session's user and expiry", async () => {
    const sessions = storage();
    const domain = shop();
    const expires = new Date(Date.now() + 86_400_000);
    expires.setMilliseconds(0);
    const online = new Session({
      id: `${domain}_42`,
      shop: domain,
      state: "state-2",
      isOnline: true,
      scope: "write_products",
      accessToken: "shpua_online",
      expires,
      onlineAccessInfo: {
        expires_in: 86_400,
        associated_user_scope: "write_products",
        associated_user: {
          id: 42,
          first_name: "Ada",
          last_name: "Lovelace",
          email: "ada@example.com",
          email_verified: true,
          account_owner: true,
          locale: "en",
          collaborator: false,
        },
      },
    });

    await sessions.storeSession(online);
    const loaded = await sessions.loadSession(online.id);

    expect(loaded?.expires?.getTime()).toBe(expires.getTime());
    expect(loaded?.onlineAccessInfo?.associated_user.email).toBe("ada@example.com");
    expect(loaded?.onlineAccessInfo?.associated_user.id).toBe(42);
  });

  it.skipIf(skip)(
    "finds sessions by shop and deletes them without touching another shop's",
    async () => {
      const sessions = storage();
      const [mine, theirs] = [shop(), shop()];
      for (const domain of [mine, theirs]) {
        await sessions.storeSession(
          new Session({
            id: `offline_${domain}`,
            shop: domain,
            state: "",
            isOnline: false,
            accessToken: "t",
          }),
        );
      }

      expect((await sessions.findSessionsByShop(mine)).map((s) => s.shop)).toEqual([mine]);
      await sessions.deleteSessions([`offline_${mine}`]);

      expect(await sessions.loadSession(`offline_${mine}`)).toBeUndefined();
      expect(await sessions.loadSession(`offline_${theirs}`)).toBeDefined();
    },
  );

  it.skipIf(skip)("updates a session in place when it is stored again", async () => {
    const sessions = storage();
    const domain = shop();
    const base = { id: `offline_${domain}`, shop: domain, state: "", isOnline: false };
    await sessions.storeSession(
      new Session({ ...base, accessToken: "old", scope: "write_products" }),
    );
    await sessions.storeSession(
      new Session({ ...base, accessToken: "new", scope: "write_products,write_files" }),
    );

    const loaded = await sessions.loadSession(base.id);
    expect(loaded?.accessToken).toBe("new");
    expect(loaded?.scope).toBe("write_products,write_files");
    expect(await sessions.findSessionsByShop(domain)).toHaveLength(1);
  });
});
