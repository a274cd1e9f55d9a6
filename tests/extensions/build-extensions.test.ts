import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, afterEach, describe, expect, it } from "vitest";

import { buildExtension, findExtensions, readExtension } from "../../scripts/build-extensions";

import { startAdminHost } from "./support/admin-host";
import { elements, visibleText } from "./support/remote-dom";

const out = mkdtempSync(path.join(tmpdir(), "extensions-build-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

let host: Awaited<ReturnType<typeof startAdminHost>> | undefined;
afterEach(() => {
  host?.stop();
  host = undefined;
});

function brokenExtension(source: string, toml?: string) {
  const dir = mkdtempSync(path.join(out, "broken-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(
    path.join(dir, "shopify.extension.toml"),
    toml ??
      [
        'api_version = "2026-10"',
        "[[extensions]]",
        'name = "Broken"',
        'handle = "broken"',
        'type = "ui_extension"',
        "[[extensions.targeting]]",
        'module = "./src/Action.tsx"',
        'target = "admin.product-details.action.render"',
      ].join("\n"),
  );
  writeFileSync(path.join(dir, "src", "Action.tsx"), source);
  return dir;
}

describe("building the admin extensions", () => {
  it("finds both action extensions with their targets and API version", () => {
    const found = findExtensions().map(({ handle, apiVersion, targets }) => ({
      handle,
      apiVersion,
      targets: targets.map((t) => t.target),
    }));

    expect(found).toEqual(
      expect.arrayContaining([
        {
          handle: "photo-studio-bulk-action",
          apiVersion: "2026-10",
          targets: ["admin.product-index.selection-action.render"],
        },
        {
          handle: "photo-studio-product-action",
          apiVersion: "2026-10",
          targets: ["admin.product-details.action.render"],
        },
      ]),
    );
  });

  it("bundles the bulk action into one minified module that registers its target and renders", async () => {
    const bulk = findExtensions().find((e) => e.handle === "photo-studio-bulk-action")!;
    const built = await buildExtension(bulk, { outdir: out });
    const code = readFileSync(built.outfile, "utf8");
    expect(code).toContain('"admin.product-index.selection-action.render"');
    expect(code).not.toMatch(/\bfrom\s*["'](preact|@shopify\/ui-extensions)/);
    // Minified: local names are gone (the GraphQL document keeps its own line breaks).
    expect(code).not.toContain("EnhancePanel");

    // Run the bundle as the admin would: it registers with shopify.extend, then the host calls it.
    host = await startAdminHost({
      extension: "photo-studio-bulk-action",
      target: "admin.product-index.selection-action.render",
      selected: ["gid://shopify/Product/1"],
      catalog: [{ id: "gid://shopify/Product/1", title: "Mug", images: 1 }],
      backend: () => ({
        status: 200,
        body: {
          choices: [
            {
              id: "preset:amazon",
              kind: "preset",
              name: "Amazon",
              summary: "",
              creditsPerImage: 1,
            },
          ],
          credits: { available: 10, planName: "Free" },
        },
      }),
    });
    const registered = new Map<string, () => Promise<void>>();
    Object.assign(host.shopify, {
      extend: (target: string, run: () => Promise<void>) => registered.set(target, run),
    });
    // Self-contained (no import/export left), so it runs as the worker runs it: evaluated once.
    expect(code).not.toMatch(/(^|[;}])\s*(import|export)\s*[{*\w"]/);
    new Function(`"use strict";${code}`)();
    await registered.get("admin.product-index.selection-action.render")!();
    await host.waitFor(() =>
      expect(visibleText(host!.document.body)).toContain("1 product selected · 1 image"),
    );
    expect(elements(host.document.body, "s-admin-action")).toHaveLength(1);
  });

  it("fails with the file and line when an extension does not compile", async () => {
    const dir = brokenExtension("export default async () => { render(<s-text>hi</s-text>, ;\n");
    const [broken] = readExtension(dir);

    const failure = await buildExtension(broken!, { outdir: out }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    const errors = (failure as { errors: Array<{ location: { file: string; line: number } }> })
      .errors;
    expect(errors[0]!.location).toMatchObject({ line: 1 });
    expect(errors[0]!.location.file).toMatch(/Action\.tsx$/);
  });

  it("fails when an extension imports a module that does not exist", async () => {
    const dir = brokenExtension(
      'import { gone } from "./gone";\nexport default async () => gone();\n',
    );
    const [broken] = readExtension(dir);

    await expect(buildExtension(broken!, { outdir: out })).rejects.toThrow(/gone/);
  });

  it("refuses a configuration whose target module is missing", () => {
    const dir = brokenExtension(
      "export default async () => {};\n",
      [
        'api_version = "2026-10"',
        "[[extensions]]",
        'handle = "broken"',
        'type = "ui_extension"',
        "[[extensions.targeting]]",
        'module = "./src/Missing.tsx"',
        'target = "admin.product-details.action.render"',
      ].join("\n"),
    );

    expect(() => readExtension(dir)).toThrow(/module \.\/src\/Missing\.tsx .* does not exist/);
  });
});
