/**
 * The firmware image format (private; the backend builds images with `fota_image.ts`, the
 * device manager and the service boot loader parse them). A signed image is
 * `header (128 B) ‖ body ‖ Ed25519 signature (64 B)` over header ‖ body. Little-endian header:
 *
 * | Offset | Bytes | Field                                    |
 * | ------ | ----- | ---------------------------------------- |
 * | 0      | 4     | magic `"MVIM"`                           |
 * | 4      | 4     | body bytes                               |
 * | 8      | 1     | name length (≤ 32)                       |
 * | 9      | 1     | version length (≤ 16)                    |
 * | 10     | 1     | variant length (≤ 16)                    |
 * | 11     | 1     | format version, 1                        |
 * | 12     | 32    | name, UTF-8, zero padded                 |
 * | 44     | 16    | version                                  |
 * | 60     | 16    | variant (which program the image boots)  |
 * | 76     | 32    | SHA-256 of the body                      |
 * | 108    | 20    | zero                                     |
 */

import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";

/** The magic at the start of an image. */
export const IMAGE_MAGIC: Uint8Array = new TextEncoder().encode("MVIM");
/** Bytes of the image header. */
export const IMAGE_HEADER_BYTES = 128;
/** The largest body (fits the 4 KiB-aligned slots the tests use many times over). */
export const IMAGE_BODY_BYTES_MAX = 1 << 20;

/** What an image header says. */
export interface ImageHeader {
  readonly name: string;
  readonly version: string;
  readonly variant: string;
  readonly bodyBytes: number;
  readonly bodySha256: Uint8Array;
}

const FIELDS = [["name", 12, 32], ["version", 44, 16], ["variant", 60, 16]] as const;

/** Encodes a header for a body. */
export function encodeImageHeader(
  fields: { name: string; version: string; variant: string },
  body: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(IMAGE_HEADER_BYTES);
  out.set(IMAGE_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, body.length, true);
  FIELDS.forEach(([field, offset, max], i) => {
    const bytes = new TextEncoder().encode(fields[field]);
    if (bytes.length < 1 || bytes.length > max) {
      throw new RangeError(
        `Cannot build image: ${field} "${fields[field]}" is ${bytes.length} bytes, valid 1..${max}`,
      );
    }
    out[8 + i] = bytes.length;
    out.set(bytes, offset);
  });
  out[11] = 1;
  out.set(sha256(body), 76);
  return out;
}

/**
 * Parses a header.
 *
 * @returns The header, or why it is not one.
 */
export function parseImageHeader(bytes: Uint8Array): ImageHeader | string {
  if (bytes.length < IMAGE_HEADER_BYTES) return "short-header";
  for (let i = 0; i < IMAGE_MAGIC.length; i++) if (bytes[i] !== IMAGE_MAGIC[i]) return "bad-magic";
  if (bytes[11] !== 1) return "bad-format";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyBytes = view.getUint32(4, true);
  if (bodyBytes > IMAGE_BODY_BYTES_MAX) return "bad-size";
  const text: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const [, offset, max] = FIELDS[i];
    const length = bytes[8 + i];
    if (length < 1 || length > max) return "bad-field";
    text.push(new TextDecoder().decode(bytes.subarray(offset, offset + length)));
  }
  return {
    name: text[0],
    version: text[1],
    variant: text[2],
    bodyBytes,
    bodySha256: bytes.slice(76, 108),
  };
}

/** Compares two byte arrays in time independent of where they differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
