/**
 * What the engine tells the merchant about a result it did produce: choices it made on their
 * behalf (first frame of an animation, an enlargement, a reduced quality) that they should see
 * before the photo reaches a store.
 */

export type ImageNoteCode =
  | "first_frame_only"
  | "location_removed"
  | "upscaled"
  | "upscaled_over_2x"
  | "background_kept"
  | "quality_reduced";

export interface ImageNote {
  code: ImageNoteCode;
  message: string;
}

function times(factor: number) {
  return `${factor.toFixed(1)}×`;
}

export const note = {
  firstFrameOnly: (frames: number): ImageNote => ({
    code: "first_frame_only",
    message: `This file holds ${frames} images or animation frames; Photo Studio used the first one.`,
  }),

  locationRemoved: (): ImageNote => ({
    code: "location_removed",
    message:
      "The photo's metadata said where it was taken (GPS or a place name); Photo Studio removed it.",
  }),

  upscaled: (factor: number, method: "ai" | "classical"): ImageNote => {
    const how = method === "ai" ? "AI upscaling" : "resampling";
    const done = `The product was enlarged ${times(factor)} to fill the frame (${how})`;
    return factor > 2
      ? {
          code: "upscaled_over_2x",
          message: `${done}; details may look soft. A larger original photo will look sharper.`,
        }
      : { code: "upscaled", message: `${done}.` };
  },

  backgroundKept: (): ImageNote => ({
    code: "background_kept",
    message:
      "The photo's own background was kept around the product (no background removal was " +
      "used). Choose background removal for a clean, plain background.",
  }),

  qualityReduced: (quality: number, maxBytes: number): ImageNote => ({
    code: "quality_reduced",
    message: `Compression quality was lowered to ${quality} to stay under ${(maxBytes / 1e6).toFixed(0)} MB.`,
  }),
};
