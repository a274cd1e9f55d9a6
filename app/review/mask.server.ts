/**
 * The eraser's mask as the review page posts it: a PNG file the browser drew at the result's
 * pixel size, white where something is to be removed. Only the transport is checked here (a file,
 * a PNG, not absurdly large); its shape against the result is the job engine's check
 * (`eraseInItem`), which refuses before any credit is charged.
 */
export const MAX_MASK_BYTES = 10_000_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type MaskRead = { ok: true; mask: Buffer } | { ok: false; message: string };

/** Width and height from the PNG header, or null when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  if (bytes.toString("latin1", 12, 16) !== "IHDR") return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

export async function readMask(posted: FormDataEntryValue | null): Promise<MaskRead> {
  if (!posted || typeof posted === "string" || posted.size === 0) {
    return { ok: false, message: "Paint over what you want to erase first." };
  }
  if (posted.size > MAX_MASK_BYTES) {
    return { ok: false, message: "The painted area could not be sent: it is too large." };
  }
  const mask = Buffer.from(await posted.arrayBuffer());
  if (!pngSize(mask)) {
    return { ok: false, message: "The painted area could not be read. Paint it again." };
  }
  return { ok: true, mask };
}
