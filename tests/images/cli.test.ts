/**
 * The `photo-studio` command, run as merchants and scripts run it: a separate Node process on
 * bin/photo-studio.js, checked by exit code and JSON output.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";

import { PRESET_IDS } from "../../app/images/presets";
import { CATALOG, FIXTURES } from "./support";

const BIN = path.resolve(import.meta.dirname, "../../bin/photo-studio.js");
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-cli-"));

afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("photo-studio", () => {
  it("lists the presets", async () => {
    const { code, stdout } = await cli("presets");
    expect(code).toBe(0);
    const presets = JSON.parse(stdout) as { id: string; summary: string }[];
    expect(presets.map((preset) => preset.id)).toEqual([...PRESET_IDS]);
  });

  it("inspects a photo", async () => {
    const { code, stdout } = await cli("inspect", path.join(FIXTURES, "Landscape_8.jpg"));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      format: "jpeg",
      width: 600,
      height: 450,
      orientation: 8,
      colourSpace: "srgb",
      frames: 1,
      bytes: 141286,
    });
  });

  it.each([
    ["circle.svg", "not_a_photo"],
    ["truncated.jpg", "truncated"],
    ["corrupt-header.jpg", "corrupt"],
    ["65536-uint32-limit.png", "dimensions_too_large"],
  ])("refuses %s with exit code 2 and a %s error", async (name, errorCode) => {
    const { code, stdout } = await cli("inspect", path.join(FIXTURES, name));
    expect(code).toBe(2);
    const { error } = JSON.parse(stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe(errorCode);
    expect(error.message.length).toBeGreaterThan(20);
  });

  it("runs a preset with classical product detection", async () => {
    const output = path.join(OUT, "amazon.jpg");
    const input = path.join(CATALOG, "imani-clovis-234736-unsplash.jpg");
    const { code, stdout } = await cli(
      "process",
      input,
      output,
      "--preset",
      "amazon",
      "--bg",
      "none",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      output,
      preset: "amazon",
      format: "jpeg",
      width: 2000,
      height: 2000,
      product: { found: "trimmed" },
    });
    const facts = await sharp(output).metadata();
    expect([facts.format, facts.width, facts.height]).toEqual(["jpeg", 2000, 2000]);
  });

  it("refuses a damaged photo when processing, writing nothing", async () => {
    const output = path.join(OUT, "never.jpg");
    const { code, stdout } = await cli(
      "process",
      path.join(FIXTURES, "truncated.jpg"),
      output,
      "--preset",
      "ebay",
    );
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: "truncated" } });
    expect(fs.existsSync(output)).toBe(false);
  });

  it("answers mistakes in the command with exit code 1", async () => {
    const input = path.join(FIXTURES, "Landscape_1.jpg");
    const unknown = await cli("process", input, path.join(OUT, "x.jpg"), "--preset", "walmart");
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: "unknown_preset" } });

    const extension = await cli("process", input, path.join(OUT, "x.png"), "--preset", "amazon");
    expect(extension.code).toBe(1);
    expect(JSON.parse(extension.stdout)).toMatchObject({ error: { code: "output_extension" } });

    const missing = await cli("inspect", path.join(OUT, "no-such-file.jpg"));
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: "file_not_found" } });

    const usage = await cli();
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/Usage:/);
  });
});
