import { describe, expect, it } from "vitest";

import {
  jobPrefix,
  normalisedMediaType,
  originalKey,
  shopPrefix,
  variantKey,
} from "~/storage/keys";

const SHOP = "hats-and-more.myshopify.com";

describe("keys", () => {
  it("put everything of a shop under one prefix, and of a job under the shop's", () => {
    expect(shopPrefix(SHOP)).toBe("shops/hats-and-more.myshopify.com/");
    expect(jobPrefix(SHOP, "cjob1")).toBe("shops/hats-and-more.myshopify.com/jobs/cjob1/");
    expect(originalKey(SHOP, "cjob1", "citem1", ".JPG")).toBe(
      "shops/hats-and-more.myshopify.com/jobs/cjob1/items/citem1/original.jpg",
    );
    expect(variantKey(SHOP, "cjob1", "citem1", "cvar1", "png")).toBe(
      "shops/hats-and-more.myshopify.com/jobs/cjob1/items/citem1/variants/cvar1.png",
    );
    for (const key of [originalKey(SHOP, "a", "b", "webp"), variantKey(SHOP, "a", "b", "c", "png")])
      expect(key.startsWith(jobPrefix(SHOP, "a"))).toBe(true);
    // The same shop in another case is the same shop: erasure must find all of it.
    expect(shopPrefix("Hats-And-More.myshopify.com")).toBe(shopPrefix(SHOP));
  });

  it.each([
    ["a shop that climbs out", () => shopPrefix("../../etc")],
    ["a shop with a slash", () => shopPrefix("evil.myshopify.com/../other.myshopify.com")],
    ["an empty shop", () => shopPrefix("")],
    ["a job id with a slash", () => jobPrefix(SHOP, "job/../../x")],
    ["a job id of dots", () => jobPrefix(SHOP, "..")],
    ["an item id with a dot", () => originalKey(SHOP, "job", "item.jpg", "png")],
    ["a variant id with a slash", () => variantKey(SHOP, "job", "item", "../original", "jpg")],
    ["an extension with a slash", () => originalKey(SHOP, "job", "item", "jpg/../../x")],
    ["an empty extension", () => originalKey(SHOP, "job", "item", "")],
  ])("refuse %s", (_case, make) => {
    expect(make).toThrow(expect.objectContaining({ name: "StorageError", code: "invalid_key" }));
  });
});

describe("media types", () => {
  it("keeps a media type, lowercased, and refuses anything that could break a header", () => {
    expect(normalisedMediaType("Image/JPEG")).toBe("image/jpeg");
    expect(normalisedMediaType("image/svg+xml")).toBe("image/svg+xml");
    for (const bad of [
      "image/jpeg\nX-Evil: 1",
      "image/jpeg; charset=x",
      "jpeg",
      "",
      "image/ png",
    ]) {
      expect(() => normalisedMediaType(bad)).toThrow(TypeError);
    }
  });
});
