import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestDevStore } from "../support/dev-store";

interface Delivered {
  webhookId: string;
  eventId: string;
  triggeredAt: string;
  title: string;
}

const SHOP = "webhook-controls.myshopify.com";

describe("the dev store's webhook controls", () => {
  const delivered: Delivered[] = [];
  let receiver: http.Server;
  let store: Awaited<ReturnType<typeof startTestDevStore>>;
  const control = (path: string, body: unknown) =>
    fetch(`${store.devStore.url}/_dev${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    receiver = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      delivered.push({
        webhookId: String(req.headers["x-shopify-webhook-id"]),
        eventId: String(req.headers["x-shopify-event-id"]),
        triggeredAt: String(req.headers["x-shopify-triggered-at"]),
        title: (JSON.parse(Buffer.concat(chunks).toString()) as { title: string }).title,
      });
      res.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as AddressInfo;
    store = await startTestDevStore({ products: 0, appUrl: `http://127.0.0.1:${port}` });
    await store.addShop(SHOP);
  });
  afterAll(async () => {
    await store?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it("holds deliveries, releases them newest first, and sends one again exactly as it was", async () => {
    expect((await control("/webhooks/hold", { shop: SHOP, topic: "products/update" })).status).toBe(
      200,
    );
    store.devStore.webhooks.emit(SHOP, "products/update", { id: 1, title: "first" });
    store.devStore.webhooks.emit(SHOP, "products/update", { id: 1, title: "second" });
    const listed = (await (
      await fetch(`${store.devStore.url}/_dev/webhooks?shop=${SHOP}&topic=products/update`)
    ).json()) as { deliveries: Array<{ id: string; eventId: string; held: boolean }> };
    expect(listed.deliveries.map((delivery) => delivery.held)).toEqual([true, true]);
    expect(delivered).toEqual([]);

    const released = await control("/webhooks/release", { order: "reverse" });
    expect(released.status).toBe(200);
    expect(delivered.map((delivery) => delivery.title)).toEqual(["second", "first"]);
    expect(new Set(delivered.map((delivery) => delivery.eventId)).size).toBe(2);

    const [first] = listed.deliveries;
    expect((await control(`/webhooks/${first!.id}/redeliver`, {})).status).toBe(200);
    expect(delivered).toHaveLength(3);
    expect(delivered[2]).toEqual(delivered[1]);
    expect(delivered[2]).toMatchObject({ webhookId: first!.id, eventId: first!.eventId });
  });

  it("answers 404 for a delivery it never made and 400 for releasing one it does not hold", async () => {
    expect((await control("/webhooks/no-such-delivery/redeliver", {})).status).toBe(404);
    await control("/webhooks/hold", {});
    expect((await control("/webhooks/release", { order: ["not-held"] })).status).toBe(400);
    expect((await control("/webhooks/release", {})).status).toBe(200);
  });
});
