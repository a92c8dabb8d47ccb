/**
 * The wire format of signed management commands (private to the device manager and the
 * backend helpers in `fota_image.ts`). Little-endian:
 *
 * | Offset     | Bytes | Field                                                      |
 * | ---------- | ----- | ---------------------------------------------------------- |
 * | 0          | 4     | magic `"MVC1"`                                              |
 * | 4          | 1     | kind: 1 wipe, 2 fota-begin, 3 fota-chunk, 4 fota-commit     |
 * | 5          | 1     | target name length t (1..32, UTF-8)                         |
 * | 6          | 2     | payload length p (0..3,072)                                 |
 * | 8          | 8     | counter (u64, < 2^53), strictly increasing per device       |
 * | 16         | t     | target cell name                                            |
 * | 16 + t     | p     | payload (kind specific)                                     |
 * | 16 + t + p | 64    | Ed25519 signature over bytes 0 .. 16 + t + p                |
 *
 * Payloads: wipe none; fota-begin `u32 imageBytes`; fota-chunk `u32 offset` then at most one
 * flash page of image bytes; fota-commit none.
 */

/** The magic at the start of every command. */
export const COMMAND_MAGIC: Uint8Array = new TextEncoder().encode("MVC1");
/** Bytes before the target name. */
export const COMMAND_HEADER_BYTES = 16;
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;
/** The longest target name. */
export const TARGET_BYTES_MAX = 32;
/** The longest payload (a 2 KiB page plus its offset fits with room to spare). */
export const PAYLOAD_BYTES_MAX = 3_072;

/** Command kinds and their codes. */
export const COMMAND_KINDS = Object.freeze(
  {
    wipe: 1,
    "fota-begin": 2,
    "fota-chunk": 3,
    "fota-commit": 4,
  } as const,
);

/** A command kind. */
export type CommandKind = "wipe" | "fota-begin" | "fota-chunk" | "fota-commit";

/** A command before signing. */
export interface CommandFields {
  /** What to do. */
  readonly kind: CommandKind;
  /** The cell it applies to. */
  readonly target: string;
  /** The anti-replay counter: must exceed every counter the device accepted before. */
  readonly counter: number;
  /** Kind-specific bytes; default none. */
  readonly payload?: Uint8Array;
}

/** A decoded command: its fields, the signed bytes and the signature. */
export interface DecodedCommand extends CommandFields {
  readonly payload: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

/** Encodes the signed part of a command (everything but the signature). */
export function encodeCommandBody(fields: CommandFields): Uint8Array {
  const target = new TextEncoder().encode(fields.target);
  const payload = fields.payload ?? new Uint8Array(0);
  if (target.length < 1 || target.length > TARGET_BYTES_MAX) {
    throw new RangeError(
      `Cannot encode command: target "${fields.target}" is ${target.length} bytes, valid 1..32`,
    );
  }
  if (payload.length > PAYLOAD_BYTES_MAX) {
    throw new RangeError(
      `Cannot encode command: payload of ${payload.length} bytes exceeds ${PAYLOAD_BYTES_MAX}`,
    );
  }
  if (!Number.isSafeInteger(fields.counter) || fields.counter < 0) {
    throw new RangeError(
      `Cannot encode command: counter ${fields.counter} is not a non-negative safe integer`,
    );
  }
  const out = new Uint8Array(COMMAND_HEADER_BYTES + target.length + payload.length);
  const view = new DataView(out.buffer);
  out.set(COMMAND_MAGIC, 0);
  out[4] = COMMAND_KINDS[fields.kind];
  out[5] = target.length;
  view.setUint16(6, payload.length, true);
  view.setUint32(8, fields.counter % 2 ** 32, true);
  view.setUint32(12, Math.floor(fields.counter / 2 ** 32), true);
  out.set(target, COMMAND_HEADER_BYTES);
  out.set(payload, COMMAND_HEADER_BYTES + target.length);
  return out;
}

/**
 * Decodes a command's framing (not its signature).
 *
 * @returns The command, or the reason it is malformed.
 */
export function decodeCommand(bytes: Uint8Array): DecodedCommand | string {
  if (bytes.length < COMMAND_HEADER_BYTES + 1 + SIGNATURE_BYTES) return "too-short";
  for (let i = 0; i < COMMAND_MAGIC.length; i++) {
    if (bytes[i] !== COMMAND_MAGIC[i]) return "bad-magic";
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = bytes[4];
  const kind = (Object.keys(COMMAND_KINDS) as CommandKind[]).find((k) => COMMAND_KINDS[k] === code);
  if (kind === undefined) return "bad-kind";
  const targetLength = bytes[5];
  const payloadLength = view.getUint16(6, true);
  if (targetLength < 1 || targetLength > TARGET_BYTES_MAX) return "bad-target";
  const signedLength = COMMAND_HEADER_BYTES + targetLength + payloadLength;
  if (bytes.length !== signedLength + SIGNATURE_BYTES) return "bad-length";
  const high = view.getUint32(12, true);
  if (high >= 2 ** 21) return "bad-counter";
  const counter = high * 2 ** 32 + view.getUint32(8, true);
  const target = new TextDecoder().decode(
    bytes.subarray(COMMAND_HEADER_BYTES, COMMAND_HEADER_BYTES + targetLength),
  );
  return {
    kind,
    target,
    counter,
    payload: bytes.slice(COMMAND_HEADER_BYTES + targetLength, signedLength),
    signed: bytes.slice(0, signedLength),
    signature: bytes.slice(signedLength),
  };
}
