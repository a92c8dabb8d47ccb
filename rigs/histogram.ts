/**
 * A streaming latency histogram: HDR buckets (hdr-histogram-js, 3 significant digits) for
 * quantiles, plus the exact minimum, maximum, the virtual time of the maximum, and the mean.
 * Memory does not grow with the number of samples.
 *
 * @module
 */

import * as hdr from "npm:hdr-histogram-js@3.0.1";
import type { HistogramSummary } from "./metric.ts";

/** The largest value tracked: one hour in ns. */
const HIGHEST_NS = 3_600_000_000_000;

/** How each HDR histogram is built: 1 ns to one hour, 3 significant digits, plain JS. */
export const HDR_OPTIONS: {
  readonly lowestDiscernibleValue: number;
  readonly highestTrackableValue: number;
  readonly numberOfSignificantValueDigits: 1 | 2 | 3 | 4 | 5;
  readonly useWebAssembly: boolean;
} = Object.freeze({
  lowestDiscernibleValue: 1,
  highestTrackableValue: HIGHEST_NS,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
});

/**
 * Records nanosecond samples.
 *
 * @example Usage
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * import assert from "node:assert/strict";
 * const h = new Histogram();
 * h.record(1_000, 5);
 * h.record(3_000, 9);
 * assert.equal(h.max, 3_000);
 * assert.equal(h.maxAt, 9);
 * assert.equal(h.count, 2);
 * ```
 */
export class Histogram implements HistogramSummary {
  #hdr: ReturnType<typeof hdr.build> | undefined;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;
  #maxAt = -1;
  // A run of equal samples not yet in the HDR histogram: most samples repeat the one before
  // (the model's costs are exact; on the reference handset about 7 in 10 do), and recording
  // a value costs the histogram a logarithm and two powers, so a run goes in as one count.
  #runValue = -1;
  #runCount = 0;

  /**
   * Adds a sample.
   *
   * @param value Nanoseconds (≥ 0).
   * @param at Virtual time of the sample.
   */
  record(value: number, at: number): void {
    const recorded = Math.min(Math.max(0, Math.round(value)), HIGHEST_NS);
    if (recorded === this.#runValue) this.#runCount++;
    else {
      this.#flushRun();
      this.#runValue = recorded;
      this.#runCount = 1;
    }
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) {
      this.#max = value;
      this.#maxAt = at;
    }
  }

  /** Samples recorded. */
  get count(): number {
    return this.#count;
  }
  /** Smallest sample, or 0. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }
  /** Largest sample, or 0. */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }
  /** Virtual time of the largest sample, or -1. */
  get maxAt(): number {
    return this.#maxAt;
  }
  /** Mean, or 0. */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at a percentile, capped at the exact maximum.
   *
   * @param p Percentile in (0, 100].
   * @returns Nanoseconds (HDR precision: 3 significant digits).
   */
  percentile(p: number): number {
    this.#flushRun();
    if (this.#hdr === undefined) return 0;
    return Math.min(this.#hdr.getValueAtPercentile(p), this.#max);
  }

  /** Puts the run of equal samples into the HDR histogram (made at the first one). */
  #flushRun(): void {
    if (this.#runCount === 0) return;
    this.#hdr ??= hdr.build(HDR_OPTIONS);
    this.#hdr.recordValueWithCount(this.#runValue, this.#runCount);
    this.#runCount = 0;
  }

  /**
   * A plain summary for reports and JSON. With no samples every statistic is `null` (the
   * metric reads NaN: nothing was measured), and only the count is a number.
   */
  toJSON(): Record<string, number | null> {
    if (this.#count === 0) {
      return {
        count: 0,
        min: null,
        p50: null,
        p90: null,
        p99: null,
        p999: null,
        max: null,
        maxAt: null,
        mean: null,
      };
    }
    return {
      count: this.count,
      min: this.min,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
      maxAt: this.maxAt,
      mean: Math.round(this.mean),
    };
  }
}
