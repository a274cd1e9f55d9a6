/**
 * How big a photo the engine agrees to decode. Checked against the file's header before any
 * pixel is decoded, so a 0.5 MB PNG that declares 65,536 × 65,536 pixels (16 GB of RGB) is
 * refused in a millisecond instead of exhausting the server.
 */
export interface IntakeLimits {
  /** Size of the uploaded file. */
  maxBytes: number;
  /** Width × height. 50 MP covers 48-50 MP phone cameras; the AI providers stop there too. */
  maxPixels: number;
  /** Either side; refuses absurd strips (1 × 40,000,000) that pass a pixel count. */
  maxDimension: number;
  /** Frames of an animation or images in a multi-image file (only the first is used). */
  maxFrames: number;
}

export const DEFAULT_LIMITS: Readonly<IntakeLimits> = {
  maxBytes: 50_000_000,
  maxPixels: 50_000_000,
  maxDimension: 16_384,
  maxFrames: 1_000,
};
