/**
 * Virtual time: an integer number of nanoseconds held in a `number`.
 *
 * `Instant` (a point in virtual time) and `Duration` (a span) are plain numbers checked to be
 * non-negative safe integers; they are exact up to 2^53 ns, about 104 days. Every conversion
 * states its rounding direction.
 *
 * @module
 */

/** A point in virtual time, in nanoseconds since the start of the run. */
export type Instant = number;
/** A span of virtual time, in nanoseconds. */
export type Duration = number;

const NS_PER_UNIT: Readonly<Record<TimeUnit, number>> = {
  ns: 1,
  us: 1_000,
  ms: 1_000_000,
  s: 1_000_000_000,
  min: 60_000_000_000,
  h: 3_600_000_000_000,
};

/** A time unit accepted by {@linkcode parseDuration}. */
export type TimeUnit = "ns" | "us" | "ms" | "s" | "min" | "h";

function fromUnit(value: number, unit: TimeUnit): Duration {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`Cannot make a duration: value "${value}" is not a number`);
  }
  if (value < 0) {
    throw new RangeError(
      `Cannot make a duration: value ${value}${unit} is negative, durations are >= 0`,
    );
  }
  const nanoseconds = Math.round(value * NS_PER_UNIT[unit] * 1e6) / 1e6;
  if (!Number.isSafeInteger(nanoseconds)) {
    throw new RangeError(
      `Cannot make a duration: ${value}${unit} is ${nanoseconds} ns, which is not a whole ` +
        `number of nanoseconds below 2^53`,
    );
  }
  return nanoseconds;
}

/**
 * Makes a duration from nanoseconds.
 *
 * @param value A non-negative whole number of nanoseconds.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the value is negative or not a whole number.
 *
 * @example Usage
 * ```ts
 * import { ns } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ns(250), 250);
 * ```
 */
export function ns(value: number): Duration {
  return fromUnit(value, "ns");
}

/**
 * Makes a duration from microseconds.
 *
 * @param value Microseconds; fractions are fine if the result is whole nanoseconds.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the result is negative or not a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { us } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(us(20), 20_000);
 * ```
 */
export function us(value: number): Duration {
  return fromUnit(value, "us");
}

/**
 * Makes a duration from milliseconds.
 *
 * @param value Milliseconds; fractions are fine if the result is whole nanoseconds.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the result is negative or not a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { ms } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ms(4.615), 4_615_000);
 * ```
 */
export function ms(value: number): Duration {
  return fromUnit(value, "ms");
}

/**
 * Makes a duration from seconds.
 *
 * @param value Seconds; fractions are fine if the result is whole nanoseconds.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the result is negative or not a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { s } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(s(1.5), 1_500_000_000);
 * ```
 */
export function s(value: number): Duration {
  return fromUnit(value, "s");
}

/**
 * Makes a duration from minutes.
 *
 * @param value Minutes.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the result is negative or not a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { min } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(min(1), 60_000_000_000);
 * ```
 */
export function min(value: number): Duration {
  return fromUnit(value, "min");
}

/**
 * Makes a duration from hours.
 *
 * @param value Hours.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the result is negative or not a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { h } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(h(24), 86_400_000_000_000);
 * ```
 */
export function h(value: number): Duration {
  return fromUnit(value, "h");
}

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|min|h)\s*$/;

/**
 * Parses a duration written as a number and a unit, such as `"20us"` or `"4.615ms"`.
 *
 * Valid units are `ns`, `us` (or `µs`), `ms`, `s`, `min` and `h`.
 *
 * @param text The text to parse.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the text is not a non-negative number followed by a valid unit, or
 * does not come to a whole number of nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { parseDuration } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("4.615ms"), 4_615_000);
 * assert.throws(() => parseDuration("10 parsecs"), /valid units are ns, us, ms, s, min, h/);
 * ```
 */
export function parseDuration(text: string): Duration {
  if (typeof text !== "string") {
    throw new TypeError(`Cannot parse duration: expected a string, got ${typeof text}`);
  }
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    throw new RangeError(
      `Cannot parse duration "${text}": expected a non-negative number and a unit such as ` +
        `"20us" or "4.615ms"; valid units are ns, us, ms, s, min, h`,
    );
  }
  const unit = (match[2] === "µs" ? "us" : match[2]) as TimeUnit;
  return fromUnit(Number(match[1]), unit);
}

/**
 * Converts a value that is either a duration in nanoseconds or a string such as `"20us"`.
 *
 * @param value A whole number of nanoseconds or a duration string.
 * @param what What the value is, for the error message.
 * @returns The duration in nanoseconds.
 * @throws {RangeError} If the value is not a valid duration.
 *
 * @example Usage
 * ```ts
 * import { toDuration } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toDuration("2ms", "period"), 2_000_000);
 * assert.equal(toDuration(500, "period"), 500);
 * ```
 */
export function toDuration(value: number | string, what: string): Duration {
  if (typeof value === "string") return parseDuration(value);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Invalid ${what}: ${value} is not a non-negative whole number of nanoseconds; ` +
        `use ns(), us(), ms(), s() or a string such as "20us"`,
    );
  }
  return value;
}

/**
 * Formats a duration with the largest unit that keeps it readable, e.g. `4.615ms`.
 *
 * @param duration Nanoseconds.
 * @returns A short human-readable string.
 *
 * @example Usage
 * ```ts
 * import { formatDuration } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatDuration(4_615_000), "4.615ms");
 * assert.equal(formatDuration(999), "999ns");
 * ```
 */
export function formatDuration(duration: Duration): string {
  const abs = Math.abs(duration);
  const units: [TimeUnit, number][] = [
    ["h", NS_PER_UNIT.h],
    ["min", NS_PER_UNIT.min],
    [
      "s",
      NS_PER_UNIT.s,
    ],
    ["ms", NS_PER_UNIT.ms],
    ["us", NS_PER_UNIT.us],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) {
      return `${Number((duration / size).toFixed(3))}${unit}`;
    }
  }
  return `${duration}ns`;
}

/**
 * Converts a number of clock cycles to nanoseconds at a clock frequency, rounding up.
 *
 * @param cycles A non-negative number of cycles (fractions allowed, e.g. 0.5 per byte).
 * @param clockHz The clock frequency in hertz.
 * @returns The time the cycles take, rounded up to whole nanoseconds.
 *
 * @example Usage
 * ```ts
 * import { cyclesToNs } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cyclesToNs(532, 532_000_000), 1_000);
 * assert.equal(cyclesToNs(1, 532_000_000), 2); // 1.88 ns rounds up
 * ```
 */
export function cyclesToNs(cycles: number, clockHz: number): Duration {
  if (cycles <= 0) return 0;
  // The small epsilon keeps exact products (e.g. 532 cycles at 532 MHz) from rounding up.
  return Math.ceil((cycles * 1e9) / clockHz - 1e-9);
}

/**
 * Converts nanoseconds to whole clock cycles at a clock frequency, rounding down.
 *
 * @param duration Nanoseconds.
 * @param clockHz The clock frequency in hertz.
 * @returns The number of complete cycles that fit in the duration.
 *
 * @example Usage
 * ```ts
 * import { nsToCycles } from "./time.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nsToCycles(1_000, 532_000_000), 532);
 * ```
 */
export function nsToCycles(duration: Duration, clockHz: number): number {
  return Math.floor((duration * clockHz) / 1e9 + 1e-9);
}
