import { describe, expect, it } from "vitest";

import { createAiProvider } from "~/ai";
import db from "~/db.server";
import {
  DEFAULT_SETTINGS,
  getShopSettings,
  providerForShop,
  saveShopSettings,
} from "~/settings/shop-settings.server";

type Choices = Array<"local" | "replicate">;
const LOCAL_CONFIG = { aiProvider: "local" as const, aiProviderChoices: ["local"] as Choices };
const BOTH_CONFIG = {
  aiProvider: "local" as const,
  aiProviderChoices: ["local", "replicate"] as Choices,
};

let counter = 0;
const newShop = () => `settings-${++counter}-${Date.now()}.myshopify.com`;

const FORM = {
  defaultPreset: "etsy",
  backgroundColor: "#F4F4F4",
  writeMode: "add",
  autoApprove: "true",
  altText: "false",
  retentionDays: "14",
  resultRetentionDays: "365",
};

describe("a shop's settings", () => {
  it("are the defaults until the shop saves any, with the operator's provider", async () => {
    const settings = await getShopSettings(db, newShop(), LOCAL_CONFIG);
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, aiProvider: "local" });
    expect(settings).toMatchObject({ retentionDays: 30, resultRetentionDays: 180 });
  });

  it("saves a form's values, normalised, and reads them back", async () => {
    const shop = newShop();
    const result = await saveShopSettings(db, shop, FORM, LOCAL_CONFIG);
    const expected = {
      defaultPreset: "etsy",
      backgroundColor: "#f4f4f4",
      writeMode: "add",
      autoApprove: true,
      altText: false,
      retentionDays: 14,
      resultRetentionDays: 365,
      aiProvider: "local",
      autoProcess: false,
      autoProcessRecipeId: null,
      notifyEmail: null,
      notifyWebhookUrl: null,
    };
    expect(result).toEqual({ ok: true, settings: expected });
    expect(await getShopSettings(db, shop, LOCAL_CONFIG)).toEqual(expected);
  });

  it("keeps each shop's settings to itself", async () => {
    const [mine, theirs] = [newShop(), newShop()];
    await saveShopSettings(db, mine, FORM, LOCAL_CONFIG);
    expect((await getShopSettings(db, theirs, LOCAL_CONFIG)).defaultPreset).toBe("amazon");
  });

  it("refuses values outside the operator's bounds with one plain message per field, storing nothing", async () => {
    const shop = newShop();
    const result = await saveShopSettings(
      db,
      shop,
      {
        ...FORM,
        defaultPreset: "myspace",
        backgroundColor: "red",
        writeMode: "merge",
        retentionDays: "91",
        resultRetentionDays: "29",
      },
      LOCAL_CONFIG,
    );
    expect(result).toEqual({
      ok: false,
      errors: {
        defaultPreset: "Choose one of the listed presets.",
        backgroundColor: "Enter a colour as # and six hex digits, like #f4f4f4.",
        writeMode: "Choose replace or add.",
        retentionDays: "Keep source images and rejected results between 1 and 90 days.",
        resultRetentionDays: "Keep approved results between 30 and 365 days.",
      },
    });
    expect(await db.shopSettings.findUnique({ where: { shop } })).toBeNull();

    const fractional = await saveShopSettings(
      db,
      shop,
      { ...FORM, retentionDays: "1.5", resultRetentionDays: "" },
      LOCAL_CONFIG,
    );
    expect(fractional.ok).toBe(false);
    if (!fractional.ok) {
      expect(fractional.errors.retentionDays).toBe("Enter a whole number of days (1 to 90).");
      expect(fractional.errors.resultRetentionDays).toMatch(/between 30 and 365 days/);
    }
  });

  it("accepts the bounds themselves", async () => {
    const result = await saveShopSettings(
      db,
      newShop(),
      { ...FORM, retentionDays: 1, resultRetentionDays: 30 },
      LOCAL_CONFIG,
    );
    expect(result.ok).toBe(true);
    const upper = await saveShopSettings(
      db,
      newShop(),
      { ...FORM, retentionDays: 90, resultRetentionDays: 365 },
      LOCAL_CONFIG,
    );
    expect(upper.ok).toBe(true);
  });

  it("stores a provider choice only where the operator offers one", async () => {
    const shop = newShop();
    const refused = await saveShopSettings(
      db,
      shop,
      { ...FORM, aiProvider: "replicate" },
      LOCAL_CONFIG,
    );
    expect(refused).toEqual({
      ok: false,
      errors: { aiProvider: "This provider is not available here." },
    });

    const saved = await saveShopSettings(
      db,
      shop,
      { ...FORM, aiProvider: "replicate" },
      BOTH_CONFIG,
    );
    expect(saved.ok && saved.settings.aiProvider).toBe("replicate");
    // The operator withdraws the choice: the shop is back on the operator's provider.
    expect((await getShopSettings(db, shop, LOCAL_CONFIG)).aiProvider).toBe("local");
  });

  it("reads an out-of-date row as the nearest valid settings", async () => {
    const shop = newShop();
    await db.shopSettings.create({
      data: { shop, defaultPreset: "gone", retentionDays: 400, resultRetentionDays: 5 },
    });
    expect(await getShopSettings(db, shop, LOCAL_CONFIG)).toMatchObject({
      defaultPreset: "amazon",
      retentionDays: 90,
      resultRetentionDays: 30,
    });
  });
});

describe("providerForShop", () => {
  const operators = createAiProvider("local");
  const chosen = { name: "replicate" } as unknown as ReturnType<typeof createAiProvider>;
  const build = (name: string) => {
    if (name !== "replicate") throw new Error(`unexpected build of ${name}`);
    return chosen;
  };

  it("gives the shop the provider it chose when the operator allows the choice", async () => {
    const shop = newShop();
    await saveShopSettings(db, shop, { ...FORM, aiProvider: "replicate" }, BOTH_CONFIG);
    expect(
      await providerForShop({ db, provider: operators }, shop, { config: BOTH_CONFIG, build }),
    ).toBe(chosen);
  });

  it("gives the operator's provider to shops that did not choose, chose it, or may not choose", async () => {
    const undecided = newShop();
    const chose = newShop();
    await saveShopSettings(db, chose, { ...FORM, aiProvider: "local" }, BOTH_CONFIG);
    const deps = { db, provider: operators };
    expect(await providerForShop(deps, undecided, { config: BOTH_CONFIG, build })).toBe(operators);
    expect(await providerForShop(deps, chose, { config: BOTH_CONFIG, build })).toBe(operators);

    const withdrawn = newShop();
    await saveShopSettings(db, withdrawn, { ...FORM, aiProvider: "replicate" }, BOTH_CONFIG);
    expect(await providerForShop(deps, withdrawn, { config: LOCAL_CONFIG, build })).toBe(operators);
  });

  it("builds the chosen provider once per process from the environment", async () => {
    const shop = newShop();
    await saveShopSettings(db, shop, { ...FORM, aiProvider: "replicate" }, BOTH_CONFIG);
    const previous = process.env.REPLICATE_API_TOKEN;
    process.env.REPLICATE_API_TOKEN = "r8_test_token_for_settings";
    try {
      const first = await providerForShop({ db, provider: operators }, shop, {
        config: BOTH_CONFIG,
      });
      const second = await providerForShop({ db, provider: operators }, shop, {
        config: BOTH_CONFIG,
      });
      expect(first.name).toBe("replicate");
      expect(second).toBe(first);
    } finally {
      if (previous === undefined) delete process.env.REPLICATE_API_TOKEN;
      else process.env.REPLICATE_API_TOKEN = previous;
      globalThis.photoStudioChosenProviders = undefined;
    }
  });
});
