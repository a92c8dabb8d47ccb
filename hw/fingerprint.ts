/**
 * A streaming 64-bit fingerprint of trace records: same scenario and seed, same fingerprint.
 *
 * @module
 */

import type { TraceRecord } from "./trace_bus.ts";

/** Digests of strings seen in records, shared by every fingerprint (bounded). */
const stringDigests = new Map<string, number>();
const STRING_CACHE_MAX = 65_536;

/**
 * A cached 32-bit digest of a string (FNV-1a over its code units, mixed with its length):
 * kinds, cell and field values repeat in every record.
 */
function digestOf(value: string): number {
  let digest = stringDigests.get(value);
  if (digest === undefined) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
    digest = (hash ^ Math.imul(value.length, 0x9e3779b1)) | 0;
    if (stringDigests.size < STRING_CACHE_MAX) stringDigests.set(value, digest);
  }
  return digest;
}

/**
 * Hashes trace records as they stream past, keeping 64 bits of state in two 32-bit lanes
 * (each a multiply-rotate mix in the style of MurmurHash3, cross-mixed when read out).
 * Every field of every record counts, in the record's field order.
 *
 * @example Usage
 * ```ts
 * import { Fingerprint } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 * const a = new Fingerprint();
 * const b = new Fingerprint();
 * a.add({ time: 1, kind: "x", source: "s" });
 * b.add({ time: 2, kind: "x", source: "s" });
 * assert.notEqual(a.hex(), b.hex());
 * assert.equal(a.hex().length, 16);
 * ```
 */
export class Fingerprint {
  #low = 0x9747b28c;
  #high = 0x1b873593;
  #records = 0;

  /** The number of records hashed so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Adds one record to the hash.
   *
   * @param record The record.
   */
  add(record: TraceRecord): void {
    this.#records++;
    // Field names follow from the record's kind (every emitter writes a fixed shape), so only
    // the values are absorbed, in field order; the kind and source are values too. The lanes
    // live in locals for the loop (this runs for every record of every run).
    let low = this.#low, high = this.#high;
    for (const key in record) {
      const value = record[key];
      let word: number;
      if (typeof value === "number") {
        if (value >= 0 && value <= 0x7fff_ffff && (value | 0) === value) word = value;
        else if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) {
          word = value >>> 0;
          low = Math.imul(low ^ word, 0x9e3779b1);
          low = (low << 13) | (low >>> 19);
          high = Math.imul(high ^ word ^ (low >>> 7), 0x85ebca77);
          high = (high << 17) | (high >>> 15);
          word = (Math.floor(value / 2 ** 32) >>> 0) ^ 0x5a5a_0000;
        } else word = digestOf(String(value));
      } else if (typeof value === "string") word = digestOf(value);
      else word = value ? 0x7f7f0001 : 0x7f7f0000;
      low = Math.imul(low ^ word, 0x9e3779b1);
      low = (low << 13) | (low >>> 19);
      high = Math.imul(high ^ word ^ (low >>> 7), 0x85ebca77);
      high = (high << 17) | (high >>> 15);
    }
    low = Math.imul(low ^ 0x5eed5eed, 0x9e3779b1);
    low = (low << 13) | (low >>> 19);
    high = Math.imul(high ^ 0x5eed5eed ^ (low >>> 7), 0x85ebca77);
    this.#low = low;
    this.#high = (high << 17) | (high >>> 15);
  }

  /**
   * Reads the fingerprint.
   *
   * @returns 16 lowercase hex digits.
   */
  hex(): string {
    let low = this.#low ^ this.#records;
    let high = this.#high ^ Math.imul(this.#records, 0x27d4eb2d);
    low = Math.imul(low ^ (high >>> 15), 0x85ebca6b);
    high = Math.imul(high ^ (low >>> 13), 0xc2b2ae35);
    low ^= low >>> 16;
    high ^= high >>> 16;
    return (high >>> 0).toString(16).padStart(8, "0") + (low >>> 0).toString(16).padStart(8, "0");
  }
}
