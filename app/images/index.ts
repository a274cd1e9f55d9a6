/**
 * The image engine's public surface, for the app and the job workers. See README.md.
 */
export { applyBackground, parseBackground, TRANSPARENT, WHITE } from "./edits/background.ts";
export type { Background } from "./edits/background.ts";
export { crop } from "./edits/crop.ts";
export { fillFrame } from "./edits/fill.ts";
export { padToAspect } from "./edits/pad.ts";
export { resize } from "./edits/resize.ts";
export { SOFT_SHADOW } from "./edits/shadow.ts";
export type { ShadowOptions } from "./edits/shadow.ts";
export { detectProduct, findContentBox, trim } from "./edits/trim.ts";
export type { ProductDetection } from "./edits/trim.ts";
export { encode } from "./encode.ts";
export type { Encoded, OutputFormat, OutputOptions } from "./encode.ts";
export { ImageError, isImageError } from "./errors.ts";
export type { ImageErrorCode } from "./errors.ts";
export { inspectImage, openImage, sanitizeImage } from "./intake.ts";
export type { ImageFacts, ImageSource, SanitizedImage, SanitizeOptions } from "./intake.ts";
export { layoutFor } from "./layout.ts";
export type { Box, Layout, Size } from "./layout.ts";
export { DEFAULT_LIMITS } from "./limits.ts";
export type { IntakeLimits } from "./limits.ts";
export type { ImageNote, ImageNoteCode } from "./notes.ts";
export { composeCutout, processImage, resolvePreset } from "./pipeline.ts";
export type { ProcessedImage, ProcessOptions, ProductFound } from "./pipeline.ts";
export { listPresets, PRESET_IDS, PRESETS } from "./presets.ts";
export type { Preset, PresetId } from "./presets.ts";
export { renderImage } from "./render.ts";
export type { Look, Rendered } from "./render.ts";
