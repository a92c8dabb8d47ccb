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
 * kinds, cell and field values repeat in every record. (A Map lookup of a string whose hash
 * V8 has cached costs about as much as one comparison of two strings, so no cache in front
 * of it is cheaper.)
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
 * The start value of each record's 32-bit hash: the `seed` a fingerprint gives a
 * {@linkcode RecordLayout}, and where an emitter that hashes its own record starts.
 */
export const RECORD_SEED = 0x5eed5eed;

/** Mixes one 32-bit word into a record's running hash (a multiply-rotate step). */
function mixWord(hash: number, word: number): number {
  const mixed = Math.imul(hash ^ word, 0x9e3779b1);
  return (mixed << 13) | (mixed >>> 19);
}

/**
 * Mixes a number field's value into a record's running hash. A whole number within ±2^63
 * (every time, count and index in a record) mixes as one 32-bit word made of the
 * low and high halves of its 64-bit two's complement; any other number (a fraction, an
 * infinity, NaN) mixes as the two 32-bit halves of its IEEE 754 double, low half first, with
 * NaN made the one quiet NaN. Equal values mix alike; `0` and `-0` are equal values.
 *
 * Whole numbers are split with arithmetic, not through a typed array's bytes: the store and
 * two loads cost about 5% of the handset's instructions when every number went through them
 * (valgrind's instruction count, steady state), and folding the halves into one word keeps
 * the chain of dependent multiplies that a record's hash waits on short.
 *
 * @param hash The record's hash so far.
 * @param value The value.
 * @returns The new hash.
 */
export function mixNumber(hash: number, value: number): number {
  const low = value | 0;
  // Exact for a whole number below 2^53 in magnitude; a fraction leaves a fraction here.
  const high = (value - (low >>> 0)) * TWO_TO_MINUS_32;
  if ((high | 0) !== high) return mixDoubleBits(hash, value);
  return mixWord(hash, low ^ Math.imul(high, 0x85ebca6b));
}

/** 2^-32: multiplying by it is exact, where dividing by 2^32 is a slower instruction. */
const TWO_TO_MINUS_32 = 2 ** -32;

/** Mixes a number that is not a whole number within ±2^63 by its double's two halves. */
function mixDoubleBits(hash: number, value: number): number {
  numberBits[0] = value === value ? value : NaN;
  return mixWord(mixWord(hash, numberWords[LOW_WORD]), numberWords[1 - LOW_WORD]);
}

/** A double and its two 32-bit words, for {@linkcode mixDoubleBits}. */
const numberBits = new Float64Array(1);
const numberWords = new Int32Array(numberBits.buffer);
/** Which word of {@linkcode numberWords} holds the low half: 0 on a little-endian host. */
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/**
 * Mixes a string field's value into a record's running hash.
 *
 * @param hash The record's hash so far.
 * @param value The value.
 * @returns The new hash.
 */
export function mixString(hash: number, value: string): number {
  return mixWord(hash, digestOf(value));
}

/**
 * The digest {@linkcode mixString} mixes for a string: a layout computes it once for a field
 * whose value its record type fixes (the kind) and mixes it with {@linkcode mixDigest}.
 *
 * @param value The string.
 * @returns Its 32-bit digest.
 */
export function stringDigest(value: string): number {
  return digestOf(value);
}

/**
 * Mixes a string field's digest (from {@linkcode stringDigest}) into a record's running hash:
 * the same as {@linkcode mixString} of the string.
 *
 * @param hash The record's hash so far.
 * @param digest The string's digest.
 * @returns The new hash.
 */
export function mixDigest(hash: number, digest: number): number {
  return mixWord(hash, digest);
}

/**
 * Mixes a boolean field's value into a record's running hash.
 *
 * @param hash The record's hash so far.
 * @param value The value.
 * @returns The new hash.
 */
export function mixBoolean(hash: number, value: boolean): number {
  return mixWord(hash, value ? 0x7f7f0001 : 0x7f7f0000);
}

/**
 * How an emitter that builds records of one fixed shape lets a fingerprint hash them without
 * enumerating their fields: the layout mixes the record's values, read by name in the
 * record's field order, into a running hash that starts at `seed`, with
 * {@linkcode mixNumber}, {@linkcode mixString} and {@linkcode mixBoolean}, and returns it.
 * The hash is the one enumeration gives (a test holds every layout of the project to that);
 * it only saves the enumeration on hot records.
 *
 * A layout made by {@linkcode recordLayout} also names the one kind of record it is given
 * with (`kind`), so a subscriber can tell what a record is without reading it; a plain
 * function may serve several kinds and has no `kind`.
 *
 * @example A layout
 * ```ts
 * import { Fingerprint, mixNumber, mixString, type RecordLayout } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 * const record = { line: 3, time: 5, kind: "irq.raise", source: "gic" };
 * const layout: RecordLayout<typeof record> = (r, seed) =>
 *   mixString(mixString(mixNumber(mixNumber(seed, r.line), r.time), r.kind), r.source);
 * const fast = new Fingerprint();
 * const plain = new Fingerprint();
 * fast.add(record, layout as RecordLayout);
 * plain.add(record);
 * assert.equal(fast.hex(), plain.hex());
 * ```
 */
export type RecordLayout<R extends TraceRecord = TraceRecord> = {
  (record: R, seed: number): number;
  /** The kind of every record given with this layout, if it is for one kind only. */
  readonly kind?: string;
};

/**
 * Makes the layout of records of one kind: `mix` as a {@linkcode RecordLayout} whose `kind`
 * names that kind (subscribers may dispatch on it instead of reading the record's).
 *
 * @param kind The kind of every record the layout is given with.
 * @param mix Mixes a record's values into the hash, as {@linkcode RecordLayout} describes.
 * @returns The layout.
 *
 * @example Usage
 * ```ts
 * import { Fingerprint, mixNumber, mixString, recordLayout } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 * type Frame = { time: number; kind: string; source: string };
 * const FRAME = recordLayout<Frame>("radio.frame", (r, seed) =>
 *   mixString(mixString(mixNumber(seed, r.time), r.kind), r.source));
 * assert.equal(FRAME.kind, "radio.frame");
 * const record: Frame = { time: 5, kind: "radio.frame", source: "radio" };
 * const fast = new Fingerprint();
 * const plain = new Fingerprint();
 * fast.add(record, FRAME);
 * plain.add(record);
 * assert.equal(fast.hex(), plain.hex());
 * ```
 */
export function recordLayout<R extends TraceRecord>(
  kind: R["kind"],
  mix: (record: R, seed: number) => number,
): RecordLayout<R> {
  // Every layout gets the same one property, so reading `kind` sees one shape.
  return Object.assign(mix, { kind });
}

/**
 * Hashes trace records as they stream past: each record's values, in field order, into a
 * 32-bit record hash (multiply-rotate steps in the style of MurmurHash3), and each record
 * hash into 64 bits of state in two 32-bit lanes, cross-mixed when read out. Every field of
 * every record counts, in the record's field order.
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
   * @param layout The record's layout, if its emitter gave one: it hashes the record's values
   * in field order without enumerating them (the same hash, faster).
   */
  add(record: TraceRecord, layout?: RecordLayout): void {
    let hash: number;
    if (layout !== undefined) hash = layout(record, RECORD_SEED);
    else {
      // Field names follow from the record's kind (every emitter writes a fixed shape), so
      // only the values count, in field order; the kind and source are values too.
      hash = RECORD_SEED;
      for (const key in record) {
        const value = record[key];
        if (typeof value === "number") hash = mixNumber(hash, value);
        else if (typeof value === "string") hash = mixString(hash, value);
        else hash = mixBoolean(hash, value);
      }
    }
    this.addHash(hash);
  }

  /**
   * Adds one record by its 32-bit hash, for an emitter that computed it (from
   * {@linkcode RECORD_SEED}, as the record's layout would): the same as
   * {@linkcode Fingerprint.add} of the record.
   *
   * @param hash The record's hash.
   *
   * @example Usage
   * ```ts
   * import { Fingerprint, mixNumber, mixString, RECORD_SEED } from "./fingerprint.ts";
   * import assert from "node:assert/strict";
   * const byRecord = new Fingerprint();
   * const byHash = new Fingerprint();
   * byRecord.add({ time: 5, kind: "tick", source: "timer" });
   * byHash.addHash(mixString(mixString(mixNumber(RECORD_SEED, 5), "tick"), "timer"));
   * assert.equal(byHash.hex(), byRecord.hex());
   * ```
   */
  addHash(hash: number): void {
    this.#records++;
    const low = Math.imul(this.#low ^ hash, 0x9e3779b1);
    const rotated = (low << 13) | (low >>> 19);
    const high = Math.imul(this.#high ^ hash ^ (rotated >>> 7), 0x85ebca77);
    this.#low = rotated;
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
