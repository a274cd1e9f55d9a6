import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  NOTIFICATION_QUEUE,
  sendNotification,
  type NotificationTask,
} from "~/notifications/delivery.server";
import { ConfigError, parseEnv } from "~/env.server";
import { noteJobOutcome } from "~/notifications/job-notifications.server";
import {
  action as notificationsSeen,
  loader as unseenNotifications,
} from "~/routes/app.notifications";

import { adminGet, adminPost, installShops } from "../review/requests";
import { callRoute } from "../support/shopify-requests";
import { TEST_APP_ENV } from "../support/test-env";

import {
  startAutomationHarness,
  waitFor,
  type AutomationHarness,
} from "./support/automation-harness";

const OTHER_SHOP = "notifications-other.myshopify.com";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const ANSWER_DELAY_MS = 200;

/** A chat webhook receiver and a JSON email API on one local server, recording what they get. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({
      path: req.url ?? "/",
      headers: req.headers,
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
    });
    // Answered a moment after it is recorded, as a real service takes a moment: a sender is
    // still mid-send when its request is already seen here.
    await new Promise((resolve) => setTimeout(resolve, ANSWER_DELAY_MS));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    at: (path: string) => received.filter((request) => request.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("job notifications", () => {
  let automation: AutomationHarness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    automation = await startAutomationHarness("database");
    receiver = await startReceiver();
  }, 60_000);
  afterAll(async () => {
    await automation?.close();
    await receiver?.close();
  });

  it("records one notification for a finished automatic job and posts it to the chat webhook once, and emails it once, however often the sending task runs", async () => {
    await automation.settings({
      autoProcess: true,
      autoApprove: true,
      notifyWebhookUrl: `${receiver.url}/chat`,
      notifyEmail: "owner@example.com",
    });
    const product = await automation.createProduct("Denim Jacket");
    const job = await waitFor(
      async () => {
        const [row] = await automation.jobsOf(product.id);
        return row?.status === "completed" ? row : undefined;
      },
      { what: "the automatic job to complete" },
    );
    const [notification, ...others] = await automation.db.notification.findMany({
      where: { shop: automation.shop, jobId: job.id },
    });
    expect(others).toEqual([]);
    expect(notification).toMatchObject({ kind: "completed", seenAt: null });
    expect(notification!.message).toMatch(/done: 1 image written to your store/);

    // The workers queue and send it on their own (this process has no email service). Their
    // sending is over once the post is recorded and the sending lease let go: the chat receiver
    // sees the POST before that, and a second sender meanwhile is refused as busy.
    await waitFor(
      async () => {
        const row = await automation.db.notification.findFirstOrThrow({
          where: { id: notification!.id },
        });
        return row.webhookSentAt && !row.sendingUntil ? row : undefined;
      },
      { what: "the workers to finish sending the notification", timeoutMs: 20_000 },
    );
    const [chat] = receiver.at("/chat");
    expect(chat!.body).toEqual({ text: expect.stringContaining(notification!.message) });
    expect(chat!.body.text).toContain(`/apps/photo-studio/app/jobs/${job.id}`);

    // The task again, as after a retry or a second delivery, now with an email service.
    const task: NotificationTask = { shop: automation.shop, notificationId: notification!.id };
    const email = {
      apiUrl: `${receiver.url}/email`,
      apiKey: "test-email-key",
      from: "studio@example.com",
    };
    await sendNotification(automation.db, task, email);
    await sendNotification(automation.db, task, email);
    const queued = await automation.harness.deps.queue.enqueue(NOTIFICATION_QUEUE, task, {
      key: `notify:${notification!.id}`,
    });
    expect(queued.added).toBe(false);

    expect(receiver.at("/chat")).toHaveLength(1);
    const emails = receiver.at("/email");
    expect(emails).toHaveLength(1);
    expect(emails[0]!.headers.authorization).toBe("Bearer test-email-key");
    expect(emails[0]!.headers["idempotency-key"]).toBe(
      `photo-studio-notification-${notification!.id}`,
    );
    expect(emails[0]!.body).toMatchObject({
      from: "studio@example.com",
      to: ["owner@example.com"],
      subject: expect.stringContaining("Photo Studio"),
      text: expect.stringContaining(notification!.message),
    });
    const sent = await automation.db.notification.findFirstOrThrow({
      where: { id: notification!.id },
    });
    expect(sent.webhookSentAt).not.toBeNull();
    expect(sent.emailSentAt).not.toBeNull();
  }, 90_000);

  it("gives the open app its unseen notifications for a toast until the app marks them seen", async () => {
    const big = await automation.db.job.create({
      data: {
        shop: automation.shop,
        recipe: "{}",
        status: "in_review",
        itemCount: 80,
        doneCount: 80,
      },
    });
    await noteJobOutcome(automation.db, automation.shop, big.id, "in_review");
    const unseen = await automation.db.notification.findMany({
      where: { shop: automation.shop, seenAt: null },
      orderBy: { createdAt: "asc" },
    });
    expect(unseen.find((n) => n.jobId === big.id)).toMatchObject({
      kind: "ready_for_review",
      message: "Your Photo Studio job has 80 images ready for your review.",
    });
    expect(unseen.length).toBeGreaterThan(0);
    const first = await (
      await callRoute(unseenNotifications, await adminGet("/app/notifications", automation.shop))
    ).json();
    expect(first.notifications.map((n: { id: string }) => n.id)).toEqual(unseen.map((n) => n.id));

    // Another shop cannot mark them seen.
    await installShops(OTHER_SHOP);
    const foreign = await callRoute(
      notificationsSeen,
      await adminPost("/app/notifications", OTHER_SHOP, [
        ["ids", unseen.map((n) => n.id).join(",")],
      ]),
    );
    expect(await foreign.json()).toEqual({ seen: 0 });

    const seen = await callRoute(
      notificationsSeen,
      await adminPost("/app/notifications", automation.shop, [
        ["ids", unseen.map((n) => n.id).join(",")],
      ]),
    );
    expect(await seen.json()).toEqual({ seen: unseen.length });
    const again = await (
      await callRoute(unseenNotifications, await adminGet("/app/notifications", automation.shop))
    ).json();
    expect(again.notifications).toEqual([]);
  }, 30_000);

  it("tells about a long job the merchant started, once, and not about a short one", async () => {
    const { db, shop } = automation;
    const long = await db.job.create({
      data: { shop, recipe: "{}", status: "failed", itemCount: 120, failedCount: 120 },
    });
    const short = await db.job.create({
      data: { shop, recipe: "{}", status: "completed", itemCount: 3, writtenCount: 3 },
    });
    expect(await noteJobOutcome(db, shop, long.id, "failed")).toMatchObject({ kind: "failed" });
    expect(await noteJobOutcome(db, shop, long.id, "failed")).toBeNull();
    expect(await noteJobOutcome(db, shop, short.id, "completed")).toBeNull();
    // Two minutes later, even a small job is one the merchant has stopped watching.
    const later = new Date(short.createdAt.getTime() + 3 * 60_000);
    expect(await noteJobOutcome(db, shop, short.id, "completed", later)).toMatchObject({
      kind: "completed",
    });
    expect(
      await db.notification.count({ where: { shop, jobId: { in: [long.id, short.id] } } }),
    ).toBe(2);
  });

  it("accepts only https chat webhooks (plain http only on this machine)", async () => {
    await expect(
      automation.settings({ notifyWebhookUrl: "http://hooks.example.com/services/T0/B0/x" }),
    ).rejects.toThrow(/https/);
    await expect(automation.settings({ notifyEmail: "not an address" })).rejects.toThrow(/email/);
    const saved = await automation.settings({
      notifyWebhookUrl: "https://hooks.slack.com/services/T0/B0/x",
    });
    expect(saved.notifyWebhookUrl).toBe("https://hooks.slack.com/services/T0/B0/x");
  });

  it("emails only when the operator configured all of the email API, and never over plain http elsewhere", () => {
    const email = {
      EMAIL_API_URL: "https://mail.example.com/v1/send",
      EMAIL_API_KEY: "key-0123456789",
      EMAIL_FROM: "studio@example.com",
    };
    expect(parseEnv({ ...TEST_APP_ENV }).email).toBeUndefined();
    expect(parseEnv({ ...TEST_APP_ENV, ...email }).email).toEqual({
      apiUrl: email.EMAIL_API_URL,
      apiKey: email.EMAIL_API_KEY,
      from: email.EMAIL_FROM,
    });
    expect(() => parseEnv({ ...TEST_APP_ENV, EMAIL_API_URL: email.EMAIL_API_URL })).toThrow(
      ConfigError,
    );
    expect(() =>
      parseEnv({ ...TEST_APP_ENV, ...email, EMAIL_API_URL: "http://mail.example.com/send" }),
    ).toThrow(/EMAIL_API_URL must be an https URL/);
    // The message names what is missing, never the key's value.
    let message = "";
    try {
      parseEnv({ ...TEST_APP_ENV, EMAIL_API_KEY: email.EMAIL_API_KEY });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/EMAIL_API_URL, EMAIL_FROM missing/);
    expect(message).not.toContain(email.EMAIL_API_KEY);
  });
});
