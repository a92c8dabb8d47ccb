/**
 * Seeded random streams. Every component draws from its own stream derived from
 * (run seed, component name), so adding a component leaves the others' draws unchanged.
 *
 * @module
 */

import { xoroshiro128plusFromState } from "npm:pure-rand@8.4.2/generator/xoroshiro128plus";
import { uniformInt } from "npm:pure-rand@8.4.2/distribution/uniformInt";

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

/** FNV-1a over the UTF-16 code units of a string, as an unsigned 32-bit number. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** One step of SplitMix32 (a finaliser with full avalanche), unsigned. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A deterministic random stream for one component of one run (xoroshiro128+ from pure-rand).
 * Probabilities are integer ratios so results do not depend on floating-point rounding.
 *
 * @example Usage
 * ```ts
 * import { RandomStream } from "./random_stream.ts";
 * import assert from "node:assert/strict";
 * const a = new RandomStream(42, "radio");
 * const b = new RandomStream(42, "radio");
 * assert.equal(a.int(1, 6), b.int(1, 6));
 * ```
 */
export class RandomStream {
  #generator: Generator;
  /** The component name the stream was derived for. */
  readonly name: string;
  /** The run seed the stream was derived from. */
  readonly seed: number;

  /**
   * Derives the stream of one component.
   *
   * @param seed The run seed, a safe integer.
   * @param name The component's unique name.
   * @throws {RangeError} If the seed is not a safe integer.
   */
  constructor(seed: number, name: string) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Cannot derive a random stream: seed ${seed} is not a safe integer`);
    }
    this.seed = seed;
    this.name = name;
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    const nameHash = hashName(name);
    const s0 = mix32(low ^ nameHash);
    const s1 = mix32(high ^ mix32(nameHash));
    const s2 = mix32(s0 ^ 0x6a09e667 ^ high);
    const s3 = mix32(s1 ^ 0xbb67ae85 ^ low) | 1;
    this.#generator = xoroshiro128plusFromState([s0 | 0, s1 | 0, s2 | 0, s3 | 0]);
  }

  /**
   * Draws an unsigned 32-bit integer.
   *
   * @returns A value in [0, 2^32).
   */
  uint32(): number {
    return this.#generator.next() >>> 0;
  }

  /**
   * Draws an integer uniformly from an inclusive range.
   *
   * @param low The smallest value.
   * @param high The largest value.
   * @returns An integer in [low, high].
   * @throws {RangeError} If the range is empty or its bounds are not integers.
   */
  int(low: number, high: number): number {
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high < low) {
      throw new RangeError(
        `Cannot draw an integer in [${low}, ${high}]: bounds must be integers with low <= high`,
      );
    }
    return uniformInt(this.#generator, low, high);
  }

  /**
   * Draws a float uniformly from [0, 1) with 53 random bits.
   *
   * @returns A number in [0, 1).
   */
  float(): number {
    const high = this.uint32() >>> 5;
    const low = this.uint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * Tells whether an event with probability numerator/denominator happens.
   *
   * @param numerator Favourable cases.
   * @param denominator All cases.
   * @returns `true` with probability numerator/denominator.
   */
  chance(numerator: number, denominator: number): boolean {
    return this.int(0, denominator - 1) < numerator;
  }

  /**
   * Draws a whole number of nanoseconds from an exponential distribution (Poisson arrivals).
   *
   * @param meanNs The mean gap in nanoseconds.
   * @returns A gap rounded to the nearest nanosecond.
   */
  exponentialNs(meanNs: number): number {
    return Math.round(-Math.log(1 - this.float()) * meanNs);
  }
}
