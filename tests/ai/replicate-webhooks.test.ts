import { validateWebhook } from "replicate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { type ReplicateAiProvider, verifyReplicateWebhook } from "../../app/ai";
import { signWebhook } from "../../emulators/replicate/src/webhooks";
import { syntheticProductPhoto } from "./support/images";
import { eventually, startTestReplicate, startWebhookReceiver } from "./support/replicate";

let replicate: Awaited<ReturnType<typeof startTestReplicate>>;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let photo: Awaited<ReturnType<typeof syntheticProductPhoto>>;

beforeAll(async () => {
  replicate = await startTestReplicate();
  receiver = await startWebhookReceiver();
  photo = await syntheticProductPhoto();
});
afterAll(async () => {
  await replicate.close();
  await receiver.close();
});
beforeEach(() => {
  replicate.emulator.reset();
  receiver.answers.length = 0;
});

function providerWithWebhooks(pollIntervalMs: number): ReplicateAiProvider {
  const provider = replicate.provider({
    webhook: { url: receiver.url, signingSecret: replicate.emulator.signingSecret },
    pollIntervalMs,
  });
  receiver.handle((request) => provider.handleWebhook(request));
  return provider;
}

const polls = () =>
  replicate.emulator.requests.filter(
    (r) => r.method === "GET" && /^\/v1\/predictions\/\w+$/.test(r.path),
  );

describe("waiting for a slow prediction", () => {
  it("is woken by the prediction's signed webhook long before its next poll", async () => {
    replicate.emulator.inject({ slow: { processingMs: 600 } });
    const provider = providerWithWebhooks(60_000);
    const started = Date.now();
    const { cutout } = await provider.removeBackground(photo);

    expect(cutout.length).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(polls()).toHaveLength(0);
    // Only the "completed" event was asked for, and it was accepted.
    const deliveries = replicate.emulator.webhooks.deliveries;
    expect(deliveries.map((d) => [d.event, d.status])).toEqual([["completed", 200]]);
    const prediction = replicate.emulator.allPredictions()[0]!;
    expect(prediction).toMatchObject({
      webhook: receiver.url,
      webhook_events_filter: ["completed"],
    });
  });

  it("falls back to polling when the webhook never arrives", async () => {
    replicate.emulator.inject({ slow: { processingMs: 400 }, dropWebhooks: true });
    const provider = providerWithWebhooks(150);
    const { cutout } = await provider.removeBackground(photo);

    expect(cutout.length).toBeGreaterThan(1_000);
    expect(replicate.emulator.webhooks.deliveries).toHaveLength(0);
    expect(polls().length).toBeGreaterThan(0);
  });

  it("refuses a forged webhook (401) and is not fooled by it: the real result still arrives", async () => {
    replicate.emulator.inject({ slow: { processingMs: 1_000 } });
    const provider = providerWithWebhooks(60_000);
    const running = provider.removeBackground(photo);
    const prediction = await eventually(() =>
      replicate.emulator.allPredictions().find((p) => p.status === "processing"),
    );

    // A forger claims success with an output of their own, signed with a secret they guessed.
    const forged = JSON.stringify({
      ...prediction,
      status: "succeeded",
      output: "https://evil.example/x.png",
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const wrongSecret = `whsec_${Buffer.from("not the real secret").toString("base64")}`;
    const response = await fetch(receiver.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook(wrongSecret, "msg_forged", timestamp, forged),
      },
      body: forged,
    });
    expect(response.status).toBe(401);

    const { cutout } = await running;
    expect(cutout.length).toBeGreaterThan(1_000);
    expect(receiver.answers.find((a) => a.webhookId === "msg_forged")?.status).toBe(401);
    expect(receiver.answers.filter((a) => a.status === 200)).toHaveLength(1);
  });

  it("refuses a genuine webhook whose body was changed after signing", async () => {
    const provider = providerWithWebhooks(60_000);
    const body = JSON.stringify({ id: "abc", status: "processing" });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook(replicate.emulator.signingSecret, "msg_1", timestamp, body);
    const request = (payload: string) =>
      new Request(receiver.url, {
        method: "POST",
        headers: {
          "webhook-id": "msg_1",
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature,
        },
        body: payload,
      });

    expect(
      (await provider.handleWebhook(request(body.replace("processing", "succeeded")))).status,
    ).toBe(401);
    expect((await provider.handleWebhook(request(body))).status).toBe(200);
  });
});

describe("verifyReplicateWebhook", () => {
  const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
  const body = JSON.stringify({ id: "p1", status: "succeeded" });
  const headersFor = (timestamp: number, signature: string) =>
    new Headers({
      "webhook-id": "msg_p1",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    });

  it("accepts what the emulator signs, as the replicate client's own validateWebhook does", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook(secret, "msg_p1", timestamp, body);
    expect(verifyReplicateWebhook(headersFor(timestamp, signature), body, secret)).toEqual({
      ok: true,
    });
    expect(
      await validateWebhook({
        id: "msg_p1",
        timestamp: String(timestamp),
        signature,
        body,
        secret,
      }),
    ).toBe(true);
  });

  it("accepts any one valid signature of several (a rotated secret)", () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signatures = `v1,${Buffer.alloc(32).toString("base64")} ${signWebhook(secret, "msg_p1", timestamp, body)}`;
    expect(verifyReplicateWebhook(headersFor(timestamp, signatures), body, secret).ok).toBe(true);
  });

  it("refuses a replay from more than five minutes ago, even with a valid signature", () => {
    const timestamp = Math.floor(Date.now() / 1000) - 301;
    const signature = signWebhook(secret, "msg_p1", timestamp, body);
    expect(verifyReplicateWebhook(headersFor(timestamp, signature), body, secret)).toEqual({
      ok: false,
      reason: "webhook-timestamp outside the tolerance",
    });
  });

  it("refuses a delivery without its signature headers", () => {
    expect(verifyReplicateWebhook(new Headers(), body, secret).ok).toBe(false);
  });
});
