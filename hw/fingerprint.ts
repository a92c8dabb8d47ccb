/**
 * A streaming 64-bit fingerprint of trace records: same scenario and seed, same fingerprint.
 *
 * @module
 */

import type { TraceRecord } from "./trace_bus.ts";

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
    for (const key in record) {
      this.#string(key);
      const value = record[key];
      if (typeof value === "number") this.#number(value);
      else if (typeof value === "string") this.#string(value);
      else this.#word(value ? 0x7f7f0001 : 0x7f7f0000);
    }
    this.#word(0x5eed5eed);
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

  #number(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 53) {
      this.#word(value >>> 0);
      this.#word(Math.floor(value / 2 ** 32) >>> 0);
    } else {
      this.#string(String(value));
    }
  }

  #string(value: string): void {
    this.#word(value.length);
    for (let i = 0; i < value.length; i++) this.#word(value.charCodeAt(i));
  }

  #word(word: number): void {
    let k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let low = this.#low ^ k;
    low = (low << 13) | (low >>> 19);
    this.#low = (Math.imul(low, 5) + 0xe6546b64) | 0;
    let high = this.#high ^ Math.imul(k, 0x85ebca6b) ^ this.#low;
    high = (high << 17) | (high >>> 15);
    this.#high = (Math.imul(high, 9) + 0x38495ab5) | 0;
  }
}
