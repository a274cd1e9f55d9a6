import { afterEach, describe, expect, it } from "vitest";

import type { FakeModel } from "../../emulators/replicate/src/models";
import { EMULATOR_TOKEN } from "../../emulators/replicate/src/server";
import { syntheticProductPhoto } from "./support/images";
import { eventually, startTestReplicate } from "./support/replicate";

/**
 * The emulator's memoizeOutputs (used by bench:jobs, whose 1,000 images are the catalog's photos
 * repeated): a repeated input is not computed again, and nothing else about the prediction changes.
 */
let runs = 0;
const echo: FakeModel = {
  owner: "photo-studio-tests",
  name: "echo",
  official: true,
  version: "0".repeat(64),
  required: ["image"],
  async run(input, context) {
    runs++;
    const bytes = await context.readImage("image");
    return {
      files: [{ name: "out-0.png", contentType: "image/png", bytes }],
      logs: `strength ${String(input.strength)}\n`,
    };
  },
};

let replicate: Awaited<ReturnType<typeof startTestReplicate>> | null = null;
afterEach(async () => {
  await replicate?.close();
  replicate = null;
  runs = 0;
});

async function start(memoizeOutputs: boolean) {
  replicate = await startTestReplicate({
    models: [echo],
    memoizeOutputs,
    startingMs: 5,
    processingMs: 10,
  });
  const baseUrl = replicate.emulator.baseUrl;
  const headers = { authorization: `Bearer ${EMULATOR_TOKEN}` };
  const upload = async (bytes: Buffer) => {
    const form = new FormData();
    form.set("content", new Blob([new Uint8Array(bytes)], { type: "image/png" }), "photo.png");
    const response = await fetch(`${baseUrl}/files`, { method: "POST", headers, body: form });
    expect(response.status).toBe(201);
    return ((await response.json()) as { urls: { get: string } }).urls.get;
  };
  const predict = async (image: string, strength = 1) => {
    const created = await fetch(`${baseUrl}/models/photo-studio-tests/echo/predictions`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ input: { image, strength } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const done = (await eventually(async () => {
      const current = (await (await fetch(`${baseUrl}/predictions/${id}`, { headers })).json()) as {
        status: string;
        output: string;
      };
      return current.status === "succeeded" && current;
    })) as { output: string };
    const output = Buffer.from(await (await fetch(done.output)).arrayBuffer());
    return { id, url: done.output, output };
  };
  return { upload, predict };
}

describe("the Replicate emulator's memoized outputs", () => {
  it("computes an input once, whether it comes inline or as an upload", async () => {
    const { upload, predict } = await start(true);
    const photo = (await syntheticProductPhoto(64, 48)).bytes;
    const other = (await syntheticProductPhoto(80, 40)).bytes;
    const inline = `data:image/png;base64,${photo.toString("base64")}`;

    const first = await predict(inline);
    const again = await predict(inline);
    const uploaded = await predict(await upload(photo));
    expect(runs).toBe(1);
    for (const result of [first, again, uploaded]) expect(result.output.equals(photo)).toBe(true);
    // Each is still its own prediction, with its own output link and its own line on the bill.
    expect(new Set([first.id, again.id, uploaded.id]).size).toBe(3);
    expect(new Set([first.url, again.url, uploaded.url]).size).toBe(3);
    expect(replicate!.emulator.predictionCount()).toBe(3);

    // Other bytes, or other parameters, are other inputs.
    expect((await predict(`data:image/png;base64,${other.toString("base64")}`)).output).toEqual(
      other,
    );
    await predict(inline, 2);
    expect(runs).toBe(3);
  });

  it("computes every prediction when it is off (the default)", async () => {
    const { predict } = await start(false);
    const inline = `data:image/png;base64,${(await syntheticProductPhoto(64, 48)).bytes.toString("base64")}`;
    await predict(inline);
    await predict(inline);
    expect(runs).toBe(2);
  });
});
