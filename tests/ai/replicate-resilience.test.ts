import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { AiProviderError } from "../../app/ai";
import { syntheticProductPhoto } from "./support/images";
import { eventually, startTestReplicate } from "./support/replicate";

let replicate: Awaited<ReturnType<typeof startTestReplicate>>;
let photo: Awaited<ReturnType<typeof syntheticProductPhoto>>;

beforeAll(async () => {
  replicate = await startTestReplicate();
  photo = await syntheticProductPhoto();
});
afterAll(() => replicate.close());
beforeEach(() => replicate.emulator.reset());

const creations = () =>
  replicate.emulator.requests.filter((r) => r.method === "POST" && r.path.endsWith("/predictions"));

describe("rate limits", () => {
  it("waits out a 429 for its Retry-After before asking again (measured at the emulator)", async () => {
    replicate.emulator.inject({ rateLimit: { times: 1, retryAfterSeconds: 1, scope: "create" } });
    await replicate.provider().removeBackground(photo);

    const [refused, accepted] = creations();
    expect(refused!.status).toBe(429);
    expect(accepted!.status).toBe(201);
    expect(accepted!.at - refused!.at).toBeGreaterThanOrEqual(990);
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });

  it("holds every request of the provider while the account is rate limited", async () => {
    replicate.emulator.inject({ rateLimit: { times: 1, retryAfterSeconds: 1, scope: "create" } });
    const provider = replicate.provider();
    const first = provider.removeBackground(photo);
    await eventually(() => creations().find((r) => r.status === 429));
    const second = provider.removeBackground(photo);
    await Promise.all([first, second]);

    const [refused, ...later] = creations();
    expect(refused!.status).toBe(429);
    expect(later).toHaveLength(2);
    // The second caller never asked during the first one's Retry-After.
    for (const request of later) expect(request.at - refused!.at).toBeGreaterThanOrEqual(990);
    expect(replicate.emulator.stats.predictionsCreated).toBe(2);
  });

  it("gives up with a retryable rate_limited error when Retry-After is longer than it will wait", async () => {
    replicate.emulator.inject({ rateLimit: { times: 1, retryAfterSeconds: 30, scope: "create" } });
    const started = Date.now();
    const error = await replicate
      .provider({ retry: { maxRetryAfterMs: 5_000 } })
      .removeBackground(photo)
      .catch((e) => e);

    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "rate_limited", retryable: true, retryAfterMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(creations()).toHaveLength(1);
  });
});

describe("creation that goes wrong on the way", () => {
  it("does not create a second, billed prediction when the connection drops after creating", async () => {
    replicate.emulator.inject({ dropAfterCreate: { times: 1 } });
    const { cutout } = await replicate.provider().removeBackground(photo);

    expect(cutout.length).toBeGreaterThan(0);
    expect(creations().map((r) => r.status)).toEqual(["dropped"]);
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });

  it("does not adopt another item's prediction for the same photo when it looks for its own", async () => {
    const provider = replicate.provider();
    // Item b's creation goes unanswered (nothing was created; b will look before creating).
    replicate.emulator.inject({ dropBeforeCreate: { times: 1 } });
    const lost = await provider
      .removeBackground(photo, { idempotencyKey: "job-1/item-b" })
      .catch((e) => e);
    expect(lost).toMatchObject({ code: "unconfirmed" });
    // Meanwhile item a, with the very same photo, gets its prediction.
    await provider.removeBackground(photo, { idempotencyKey: "job-1/item-a" });
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);

    // b's retry finds a prediction of the same model and input, but it is a's: b makes its own.
    await provider.removeBackground(photo, { idempotencyKey: "job-1/item-b" });
    expect(replicate.emulator.stats.predictionsCreated).toBe(2);
    // And each key goes on finding its own.
    await provider.removeBackground(photo, { idempotencyKey: "job-1/item-a" });
    await provider.removeBackground(photo, { idempotencyKey: "job-1/item-b" });
    expect(replicate.emulator.stats.predictionsCreated).toBe(2);
  });

  it("fails clearly when a creation went unanswered and none can be found, then creates once on retry", async () => {
    replicate.emulator.inject({ dropBeforeCreate: { times: 1 } });
    const provider = replicate.provider();
    const error = await provider
      .removeBackground(photo, { idempotencyKey: "job-1/item-1" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "unconfirmed", retryable: true });
    expect(replicate.emulator.stats.predictionsCreated).toBe(0);

    // The caller retries with the same key: the provider looks again, finds nothing, creates once.
    await provider.removeBackground(photo, { idempotencyKey: "job-1/item-1" });
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });

  it("creates again after a 503 only once Replicate's list shows nothing was created", async () => {
    replicate.emulator.inject({ failCreate: { times: 1, status: 503 } });
    await replicate.provider().removeBackground(photo);

    expect(creations().map((r) => r.status)).toEqual([503, 201]);
    const lookups = replicate.emulator.requests.filter(
      (r) => r.method === "GET" && r.path === "/v1/predictions",
    );
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups[0]!.at).toBeLessThan(creations()[1]!.at);
    expect(replicate.emulator.stats.predictionsCreated).toBe(1);
  });
});

describe("failed and slow predictions", () => {
  it("reports a model failure as a retryable AiProviderError without the model's traceback", async () => {
    replicate.emulator.inject({
      modelError: { message: "CUDA out of memory. Tried to allocate 2.00 GiB" },
    });
    const error = await replicate
      .provider()
      .removeBackground(photo)
      .catch((e) => e);

    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "model_failed", retryable: true });
    expect(error.message).toBe(
      "The AI model couldn't finish the background removal. Try again; if it keeps failing, try another photo.",
    );
    expect(String(error.cause)).toContain("CUDA out of memory");
  });

  it("runs a failed prediction again when asked again with the same key, instead of repeating the failure", async () => {
    replicate.emulator.inject({ modelError: { message: "CUDA out of memory", times: 1 } });
    const provider = replicate.provider();
    await expect(
      provider.removeBackground(photo, { idempotencyKey: "job-3/item-1" }),
    ).rejects.toMatchObject({ code: "model_failed" });
    await provider.removeBackground(photo, { idempotencyKey: "job-3/item-1" });
    expect(replicate.emulator.stats.predictionsCreated).toBe(2);
  });

  it("reports a content-rule refusal as not worth retrying", async () => {
    replicate.emulator.inject({ modelError: { message: "NSFW content detected in input image" } });
    const error = await replicate
      .provider()
      .removeBackground(photo)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "content_declined", retryable: false });
  });

  it("cancels a prediction that outlives the deadline and says it timed out", async () => {
    replicate.emulator.inject({ slow: { processingMs: 5_000 } });
    const error = await replicate
      .provider({ predictionTimeoutMs: 300 })
      .removeBackground(photo)
      .catch((e) => e);

    expect(error).toMatchObject({ code: "timed_out", retryable: true });
    expect(replicate.emulator.allPredictions()[0]!.status).toBe("canceled");
  });
});

describe("outputs", () => {
  it("copies outputs at once: they are in hand although the emulator expires them 800 ms later", async () => {
    const shortLived = await startTestReplicate({ outputTtlMs: 800, expiredOutputStatus: 410 });
    try {
      const { cutout } = await shortLived.provider({ syncWaitSeconds: 5 }).removeBackground(photo);
      expect(cutout.length).toBeGreaterThan(1_000);

      const [download] = shortLived.emulator.requests.filter((r) =>
        r.path.startsWith("/delivery/"),
      );
      expect(download!.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect((await fetch(`${shortLived.emulator.url}${download!.path}`)).status).toBe(410);
      expect(shortLived.emulator.allPredictions()[0]!.data_removed).toBe(true);
    } finally {
      await shortLived.close();
    }
  });

  it("runs a remembered prediction again when its outputs are gone, rather than failing", async () => {
    const shortLived = await startTestReplicate({ outputTtlMs: 200 });
    try {
      const provider = shortLived.provider();
      await provider.removeBackground(photo, { idempotencyKey: "job-2/item-1" });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { cutout } = await provider.removeBackground(photo, { idempotencyKey: "job-2/item-1" });

      expect(cutout.length).toBeGreaterThan(1_000);
      expect(shortLived.emulator.stats.predictionsCreated).toBe(2);
    } finally {
      await shortLived.close();
    }
  });
});

describe("concurrency and cancellation", () => {
  it("never has more than the configured number of predictions in flight (measured at the emulator)", async () => {
    replicate.emulator.inject({ slow: { processingMs: 250 } });
    const provider = replicate.provider({ maxConcurrentPredictions: 2 });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => provider.removeBackground(photo)),
    );

    expect(results).toHaveLength(6);
    expect(replicate.emulator.stats.predictionsCreated).toBe(6);
    expect(replicate.emulator.stats.maxInFlight).toBe(2);
  });

  it("cancels the prediction at Replicate when the caller's AbortSignal fires", async () => {
    replicate.emulator.inject({ slow: { processingMs: 10_000 } });
    const controller = new AbortController();
    const running = replicate.provider().removeBackground(photo, { signal: controller.signal });
    const prediction = await eventually(() =>
      replicate.emulator.allPredictions().find((p) => p.status === "processing"),
    );
    const abortedAt = Date.now();
    controller.abort();

    const error = await running.catch((e) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ code: "canceled", retryable: false });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(replicate.emulator.prediction(prediction.id)!.status).toBe("canceled");
  });

  it("cancels a prediction whose creation was still held open (Prefer: wait) when the caller gave up", async () => {
    replicate.emulator.inject({ slow: { processingMs: 10_000 } });
    const provider = replicate.provider({ syncWaitSeconds: 2 });
    const controller = new AbortController();
    const running = provider.removeBackground(photo, { signal: controller.signal });
    await eventually(() =>
      replicate.emulator.allPredictions().find((p) => p.status === "processing"),
    );
    const abortedAt = Date.now();
    controller.abort();

    await expect(running).rejects.toMatchObject({ code: "canceled" });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    // The create response arrives when the emulator stops holding it; then it is canceled.
    await provider.idle();
    expect(replicate.emulator.allPredictions()[0]!.status).toBe("canceled");
  });
});
