/**
 * The backend's side of remote management: an Ed25519 key pair, signed commands (remote wipe,
 * FOTA begin/chunk/commit) and signed firmware images. World-side helpers: tests and scenario
 * rigs build the bytes here and deliver them to the device's net port; the device manager
 * (`manager.ts`) parses and verifies them.
 *
 * Command format (little-endian): magic `"MVC1"` (4) ‖ kind (1: wipe 1, fota-begin 2,
 * fota-chunk 3, fota-commit 4) ‖ target length t (1) ‖ payload length p (2) ‖ counter (8) ‖
 * target (t) ‖ payload (p) ‖ Ed25519 signature (64) over everything before it. Payloads:
 * wipe none, fota-begin `u32 imageBytes`, fota-chunk `u32 offset` ‖ ≤ one flash page,
 * fota-commit none.
 *
 * Image format: header (128 B: magic `"MVIM"`, body bytes, name ≤ 32 B, version ≤ 16 B,
 * variant ≤ 16 B, SHA-256 of the body) ‖ body ‖ Ed25519 signature (64 B) over header ‖ body.
 * The variant names the program the image boots (`"good"`, `"crash-on-boot"`, `"no-health"`).
 *
 * @example Usage
 * ```ts
 * import { backendKeys, buildImage, signImage, verifyImage } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const keys = backendKeys("backend");
 * const image = signImage(buildImage({ name: "svc", version: "2.0", variant: "good" }), keys.secretKey);
 * assert.equal(verifyImage(image, keys.publicKey), true);
 * ```
 *
 * @module
 */

import { ed25519 } from "npm:@noble/curves@2.4.0/ed25519.js";
import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import {
  type CommandFields,
  type CommandKind,
  decodeCommand,
  encodeCommandBody,
  SIGNATURE_BYTES,
} from "./_manager_codec.ts";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import { encodeImageHeader, IMAGE_HEADER_BYTES, parseImageHeader } from "./_manager_image.ts";

export type { CommandFields, CommandKind };

/** An Ed25519 key pair of the management backend. */
export interface BackendKeys {
  /** The 32-byte secret seed (stays in the backend). */
  readonly secretKey: Uint8Array;
  /** The 32-byte public key (built into the device manager). */
  readonly publicKey: Uint8Array;
}

/** What an image is. */
export interface ImageOptions {
  /** Service name, e.g. `"svc"`. */
  readonly name: string;
  /** Version, e.g. `"2.0"`. */
  readonly version: string;
  /** The program variant it boots: `"good"`, `"crash-on-boot"`, `"no-health"`. */
  readonly variant: string;
  /** Body size in bytes; default 8,000 (with header and signature: 8,192, four 2 KiB pages). */
  readonly bodyBytes?: number;
}

const IMAGE_KEYS = {
  name: true,
  version: true,
  variant: true,
  bodyBytes: true,
} as const satisfies OptionKeys<ImageOptions>;

const FOTA_COMMANDS_KEYS = {
  target: true,
  counter: true,
  secretKey: true,
  pageBytes: true,
} as const satisfies OptionKeys<Parameters<typeof fotaCommands>[1]>;

const CHUNK_KEYS = { pageBytes: true } as const satisfies OptionKeys<
  NonNullable<Parameters<typeof chunkImage>[1]>
>;

/** What an image header says, as read by {@linkcode readImageHeader}. */
export interface ImageInfo {
  /** Service name. */
  readonly name: string;
  /** Version. */
  readonly version: string;
  /** Program variant. */
  readonly variant: string;
  /** Body size. */
  readonly bodyBytes: number;
}

/**
 * Derives the backend's key pair from a seed text (deterministic; no randomness).
 *
 * @param seed Any text.
 * @returns The key pair.
 *
 * @example Usage
 * ```ts
 * import { backendKeys } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(backendKeys("a").publicKey, backendKeys("a").publicKey);
 * assert.equal(backendKeys("a").publicKey.length, 32);
 * ```
 */
export function backendKeys(seed: string): BackendKeys {
  const secretKey = sha256(new TextEncoder().encode(`microvisor-rig backend key:${seed}`));
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** The seed of the default backend key pair: scenarios and `manager()` share it. */
export const DEFAULT_BACKEND_SEED = "default";

/**
 * The default backend key pair (what `manager()` trusts unless given another public key).
 *
 * @returns The key pair derived from {@linkcode DEFAULT_BACKEND_SEED}.
 *
 * @example Usage
 * ```ts
 * import { defaultBackendKeys } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultBackendKeys().publicKey.length, 32);
 * ```
 */
export function defaultBackendKeys(): BackendKeys {
  return backendKeys(DEFAULT_BACKEND_SEED);
}

/**
 * Encodes and signs one command.
 *
 * @param fields Kind, target cell, counter and payload.
 * @param secretKey The backend's secret key.
 * @returns The bytes to deliver to the device's net port.
 * @throws {RangeError} If a field is out of range (target 1..32 bytes, payload ≤ 3,072 bytes).
 *
 * @example Usage
 * ```ts
 * import { backendKeys, signCommand } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const keys = backendKeys("backend");
 * const wipe = signCommand({ kind: "wipe", target: "android", counter: 1 }, keys.secretKey);
 * assert.equal(wipe.length, 16 + "android".length + 64);
 * ```
 */
export function signCommand(fields: CommandFields, secretKey: Uint8Array): Uint8Array {
  const body = encodeCommandBody(fields);
  const out = new Uint8Array(body.length + SIGNATURE_BYTES);
  out.set(body);
  out.set(ed25519.sign(body, secretKey), body.length);
  return out;
}

/**
 * Reads a command's fields back (for tests and tooling; does not check the signature).
 *
 * @param bytes A command.
 * @returns Its kind, target and counter.
 * @throws {TypeError} If the bytes are not a well-formed command.
 *
 * @example Usage
 * ```ts
 * import { backendKeys, readCommand, signCommand } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const bytes = signCommand({ kind: "wipe", target: "a", counter: 9 }, backendKeys("b").secretKey);
 * assert.equal(readCommand(bytes).counter, 9);
 * ```
 */
export function readCommand(
  bytes: Uint8Array,
): { kind: CommandKind; target: string; counter: number } {
  const decoded = decodeCommand(bytes);
  if (typeof decoded === "string") {
    throw new TypeError(`Cannot read command: ${decoded}`);
  }
  return { kind: decoded.kind, target: decoded.target, counter: decoded.counter };
}

/**
 * Builds an unsigned image: header and a deterministic body.
 *
 * @param options Name, version, variant and body size.
 * @returns Header ‖ body.
 * @throws {TypeError} For an unknown option.
 * @throws {RangeError} If a text field is too long or the size is out of range.
 *
 * @example Usage
 * ```ts
 * import { buildImage, readImageHeader } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const image = buildImage({ name: "svc", version: "2.0", variant: "good", bodyBytes: 100 });
 * assert.equal(image.length, 128 + 100);
 * assert.equal(readImageHeader(image).version, "2.0");
 * ```
 */
export function buildImage(options: ImageOptions): Uint8Array {
  checkOptionKeys(options, IMAGE_KEYS, { action: "Cannot build image" });
  const bodyBytes = options.bodyBytes ?? 8_000;
  if (!Number.isSafeInteger(bodyBytes) || bodyBytes < 1 || bodyBytes > 1 << 20) {
    throw new RangeError(`Cannot build image: bodyBytes ${bodyBytes} is not in 1..1048576`);
  }
  const body = new Uint8Array(bodyBytes);
  const seed = new TextEncoder().encode(`${options.name}|${options.version}|${options.variant}`);
  let block = sha256(seed);
  for (let at = 0; at < bodyBytes; at += 32) {
    body.set(block.subarray(0, Math.min(32, bodyBytes - at)), at);
    block = sha256(block);
  }
  const header = encodeImageHeader(options, body);
  const out = new Uint8Array(IMAGE_HEADER_BYTES + bodyBytes);
  out.set(header);
  out.set(body, IMAGE_HEADER_BYTES);
  return out;
}

/**
 * Signs an image: appends the Ed25519 signature over all its bytes.
 *
 * @param image Header ‖ body from {@linkcode buildImage}.
 * @param secretKey The backend's secret key.
 * @returns Header ‖ body ‖ signature.
 *
 * @example Usage
 * ```ts
 * import { backendKeys, buildImage, signImage } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const image = buildImage({ name: "svc", version: "1.0", variant: "good", bodyBytes: 10 });
 * assert.equal(signImage(image, backendKeys("k").secretKey).length, image.length + 64);
 * ```
 */
export function signImage(image: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(image.length + SIGNATURE_BYTES);
  out.set(image);
  out.set(ed25519.sign(image, secretKey), image.length);
  return out;
}

/**
 * Checks a signed image: well-formed header, body digest, and signature.
 *
 * @param signed Header ‖ body ‖ signature.
 * @param publicKey The backend's public key.
 * @returns Whether it is a valid image signed by that key.
 *
 * @example Usage
 * ```ts
 * import { backendKeys, buildImage, signImage, verifyImage } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const signed = signImage(buildImage({ name: "s", version: "1", variant: "good" }), backendKeys("x").secretKey);
 * assert.equal(verifyImage(signed, backendKeys("y").publicKey), false);
 * ```
 */
export function verifyImage(signed: Uint8Array, publicKey: Uint8Array): boolean {
  const header = parseImageHeader(signed);
  if (typeof header === "string") return false;
  const imageBytes = IMAGE_HEADER_BYTES + header.bodyBytes;
  if (signed.length < imageBytes + SIGNATURE_BYTES) return false;
  const body = signed.subarray(IMAGE_HEADER_BYTES, imageBytes);
  const digest = sha256(body);
  for (let i = 0; i < 32; i++) if (digest[i] !== header.bodySha256[i]) return false;
  try {
    return ed25519.verify(
      signed.subarray(imageBytes, imageBytes + SIGNATURE_BYTES),
      signed.subarray(0, imageBytes),
      publicKey,
    );
  } catch {
    return false;
  }
}

/**
 * Reads an image header.
 *
 * @param image An image (signed or not).
 * @returns Name, version, variant and body size.
 * @throws {TypeError} If the bytes do not start with a valid header.
 *
 * @example Usage
 * ```ts
 * import { buildImage, readImageHeader } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readImageHeader(buildImage({ name: "s", version: "1", variant: "no-health" })).variant, "no-health");
 * ```
 */
export function readImageHeader(image: Uint8Array): ImageInfo {
  const header = parseImageHeader(image);
  if (typeof header === "string") throw new TypeError(`Cannot read image header: ${header}`);
  return {
    name: header.name,
    version: header.version,
    variant: header.variant,
    bodyBytes: header.bodyBytes,
  };
}

/**
 * Splits a signed image into page-sized chunks with their offsets.
 *
 * @param signed The signed image.
 * @param options The chunk size (the flash page); default 2,048 bytes.
 * @returns The chunks, in order.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { chunkImage } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const chunks = chunkImage(new Uint8Array(5_000));
 * assert.deepEqual(chunks.map((c) => [c.offset, c.bytes.length]), [[0, 2048], [2048, 2048], [4096, 904]]);
 * ```
 */
export function chunkImage(
  signed: Uint8Array,
  options: { pageBytes?: number } = {},
): { offset: number; bytes: Uint8Array }[] {
  checkOptionKeys(options, CHUNK_KEYS, { action: "Cannot chunk image" });
  const page = options.pageBytes ?? 2_048;
  const out: { offset: number; bytes: Uint8Array }[] = [];
  for (let offset = 0; offset < signed.length; offset += page) {
    out.push({ offset, bytes: signed.slice(offset, offset + page) });
  }
  return out;
}

/**
 * Builds the signed command sequence of one FOTA: begin, one chunk per page, commit, with
 * consecutive counters.
 *
 * @param signed The signed image.
 * @param options Target cell, first counter, secret key and page size (default 2,048).
 * @returns The commands in delivery order.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { backendKeys, buildImage, fotaCommands, readCommand, signImage } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const keys = backendKeys("b");
 * const signed = signImage(buildImage({ name: "svc", version: "2", variant: "good" }), keys.secretKey);
 * const commands = fotaCommands(signed, { target: "svc", counter: 10, secretKey: keys.secretKey });
 * assert.deepEqual(commands.map((c) => readCommand(c).kind), [
 *   "fota-begin", "fota-chunk", "fota-chunk", "fota-chunk", "fota-chunk", "fota-commit",
 * ]);
 * assert.equal(readCommand(commands[5]).counter, 15);
 * ```
 */
export function fotaCommands(
  signed: Uint8Array,
  options: { target: string; counter: number; secretKey: Uint8Array; pageBytes?: number },
): Uint8Array[] {
  checkOptionKeys(options, FOTA_COMMANDS_KEYS, { action: "Cannot build FOTA commands" });
  let counter = options.counter;
  const sign = (kind: CommandKind, payload?: Uint8Array) =>
    signCommand({ kind, target: options.target, counter: counter++, payload }, options.secretKey);
  const begin = new Uint8Array(4);
  new DataView(begin.buffer).setUint32(0, signed.length, true);
  const out = [sign("fota-begin", begin)];
  for (const chunk of chunkImage(signed, { pageBytes: options.pageBytes })) {
    const payload = new Uint8Array(4 + chunk.bytes.length);
    new DataView(payload.buffer).setUint32(0, chunk.offset, true);
    payload.set(chunk.bytes, 4);
    out.push(sign("fota-chunk", payload));
  }
  out.push(sign("fota-commit"));
  return out;
}

export { encodeBootRecord } from "./_manager_boot_record.ts";
// The signed part of a command: a caller can check a command encodes without signing it.
export { encodeCommandBody } from "./_manager_codec.ts";
