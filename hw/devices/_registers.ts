/**
 * Helpers shared by the memory-mapped devices: bounds checks and 32-bit register access.
 * Registers are little-endian 32-bit words. Reads may cover any byte range of the register
 * block (each word touched is read once, so read side effects happen once per word); writes
 * must be whole, aligned words.
 */

import { hex } from "../_format.ts";

/** Checks that an access lies inside a device window. */
export function checkWindow(
  device: { readonly name: string; readonly size: number },
  offset: number,
  length: number,
): void {
  if (
    !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 ||
    offset + length > device.size
  ) {
    throw new RangeError(
      `Cannot access device "${device.name}" at offset ${hex(offset)} length ${length}: ` +
        `the window is 0x0..${hex(device.size - 1)}`,
    );
  }
}

/** Reads bytes from a block of 32-bit registers through a word reader. */
export function readWords(
  offset: number,
  length: number,
  readWord: (wordOffset: number) => number,
): Uint8Array {
  const out = new Uint8Array(length);
  if (length === 0) return out;
  const first = offset & ~3;
  const end = offset + length;
  for (let word = first; word < end; word += 4) {
    const value = readWord(word) >>> 0;
    for (let i = 0; i < 4; i++) {
      const at = word + i;
      if (at >= offset && at < end) out[at - offset] = (value >>> (8 * i)) & 0xff;
    }
  }
  return out;
}

/** Writes whole aligned 32-bit words to a block of registers through a word writer. */
export function writeWords(
  deviceName: string,
  offset: number,
  bytes: Uint8Array,
  writeWord: (wordOffset: number, value: number) => void,
): void {
  if ((offset & 3) !== 0 || (bytes.length & 3) !== 0) {
    throw new RangeError(
      `Cannot write device "${deviceName}" registers at offset ${hex(offset)} length ` +
        `${bytes.length}: registers take whole aligned 32-bit words`,
    );
  }
  for (let i = 0; i < bytes.length; i += 4) {
    const value = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>>
      0;
    writeWord(offset + i, value);
  }
}

/** Throws for a register offset the device does not have. */
export function noRegister(deviceName: string, offset: number, access: "read" | "write"): never {
  throw new RangeError(
    `Cannot ${access} device "${deviceName}" register at offset ${hex(offset)}: no such register`,
  );
}
