import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { EMULATED_MODELS } from "../../emulators/replicate/src/models";
import { EMULATOR_TOKEN } from "../../emulators/replicate/src/server";
import { syntheticProductPhoto } from "./support/images";
import { eventually, startTestReplicate } from "./support/replicate";

/** The emulator's own contract, over raw HTTP, as Replicate's API reference describes it. */
let replicate: Awaited<ReturnType<typeof startTestReplicate>>;
let image: string;

beforeAll(async () => {
  replicate = await startTestReplicate({ startingMs: 50, processingMs: 300 });
  const photo = await syntheticProductPhoto(64, 48);
  image = `data:image/png;base64,${photo.bytes.toString("base64")}`;
});
afterAll(() => replicate.close());
beforeEach(() => replicate.emulator.reset());

function api(path: string, init: RequestInit & { token?: string | null } = {}) {
  const { token = EMULATOR_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (rest.body) headers.set("content-type", "application/json");
  return fetch(`${replicate.emulator.baseUrl}${path}`, { ...rest, headers });
}

describe("the Replicate emulator", () => {
  it("answers 401 without a valid bearer token", async () => {
    expect((await api("/predictions", { token: null })).status).toBe(401);
    const wrong = await api("/predictions", { token: "r8_nope" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ title: "Unauthenticated", status: 401 });
  });

  it("moves a prediction from starting through processing to succeeded", async () => {
    const created = await api("/models/bria/remove-background/predictions", {
      method: "POST",
      body: JSON.stringify({ input: { image } }),
    });
    expect(created.status).toBe(201);
    const prediction = await created.json();
    expect(prediction).toMatchObject({
      status: "starting",
      model: "bria/remove-background",
      output: null,
    });
    expect(prediction.id).toMatch(/^[a-z2-7]{26}$/);

    await eventually(
      async () =>
        (await (await api(`/predictions/${prediction.id}`)).json()).status === "processing",
    );
    const done = await eventually(async () => {
      const current = await (await api(`/predictions/${prediction.id}`)).json();
      return current.status === "succeeded" && current;
    });
    expect(done.output).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/delivery\/[a-f0-9]+\/out-0\.png$/);
    expect(done.metrics.predict_time).toBeGreaterThan(0);
  });

  it("holds the create response with Prefer: wait until the prediction is done", async () => {
    const response = await api("/models/bria/remove-background/predictions", {
      method: "POST",
      headers: { prefer: "wait=5" },
      body: JSON.stringify({ input: { image } }),
    });
    expect(await response.json()).toMatchObject({ status: "succeeded" });
  });

  it("cancels a running prediction and leaves a finished one as it was", async () => {
    const create = () =>
      api("/models/bria/remove-background/predictions", {
        method: "POST",
        body: JSON.stringify({ input: { image } }),
      }).then((r) => r.json());
    const running = await create();
    const canceled = await (
      await api(`/predictions/${running.id}/cancel`, { method: "POST" })
    ).json();
    expect(canceled.status).toBe("canceled");

    const finished = await create();
    await eventually(
      async () => (await (await api(`/predictions/${finished.id}`)).json()).status === "succeeded",
    );
    const after = await (
      await api(`/predictions/${finished.id}/cancel`, { method: "POST" })
    ).json();
    expect(after.status).toBe("succeeded");
  });

  it("runs community models by version and refuses an unknown version with 422", async () => {
    const byVersion = await api("/predictions", {
      method: "POST",
      body: JSON.stringify({
        version: "42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b",
        input: { image, scale: 2 },
      }),
    });
    expect(byVersion.status).toBe(201);
    expect(await byVersion.json()).toMatchObject({ model: "nightmareai/real-esrgan" });

    const unknown = await api("/predictions", {
      method: "POST",
      body: JSON.stringify({ version: "f".repeat(64), input: { image } }),
    });
    expect(unknown.status).toBe(422);
    const missing = await api("/models/bria/remove-background/predictions", {
      method: "POST",
      body: JSON.stringify({ input: {} }),
    });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ title: "Input validation failed" });
  });

  it("answers 429 with Retry-After while a rate-limit fault lasts", async () => {
    replicate.emulator.inject({ rateLimit: { times: 1, retryAfterSeconds: 7 } });
    const limited = await api("/predictions");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await api("/predictions")).status).toBe(200);
  });

  it("lists predictions newest first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await api("/models/bria/remove-background/predictions", {
        method: "POST",
        body: JSON.stringify({ input: { image } }),
      });
      ids.push((await response.json()).id);
    }
    const page = await (await api("/predictions")).json();
    expect(page.results.map((p: { id: string }) => p.id)).toEqual(ids.reverse());
    expect(page.next).toBeNull();
  });
});

describe("the emulated background removal's matte", () => {
  it("is partial along the product's outline only, as a segmentation model's is", async () => {
    // A disc on a grainy backdrop: the grain's colour distances fall in a colour key's ramp, so
    // alpha read straight off the key would be partial all over the backdrop.
    // At a photo's size, which the model sees at about a quarter of it, as a network would.
    const size = 1600;
    const radius = 480;
    const rgb = Buffer.alloc(size * size * 3);
    let seed = 1;
    const grain = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 70) - 35;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = Math.hypot(x - size / 2, y - size / 2) < radius;
        const value = inside ? 30 : Math.max(0, Math.min(255, 200 + grain()));
        rgb.fill(value, (y * size + x) * 3, (y * size + x) * 3 + 3);
      }
    }
    const photo = await sharp(rgb, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer();
    const model = EMULATED_MODELS.find((candidate) => candidate.name === "remove-background")!;
    const result = await model.run({ image: "photo" }, { readImage: async () => photo });
    const { data } = await sharp(result.files![0]!.bytes)
      .raw()
      .toBuffer({ resolveWithObject: true });

    let partial = 0;
    let partialOffOutline = 0;
    // Off the outline, the product is kept whole and the backdrop dropped whole.
    let wrongOffOutline = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const alpha = data[(y * size + x) * 4 + 3]!;
        const distance = Math.hypot(x - size / 2, y - size / 2);
        if (alpha > 0 && alpha < 255) partial++;
        if (Math.abs(distance - radius) <= 8) continue;
        if (alpha > 0 && alpha < 255) partialOffOutline++;
        else if (alpha !== (distance < radius ? 255 : 0)) wrongOffOutline++;
      }
    }
    expect(partial).toBeGreaterThan(0);
    expect({ partialOffOutline, wrongOffOutline }).toEqual({
      partialOffOutline: 0,
      wrongOffOutline: 0,
    });
  });
});
