/**
 * Metrics and their matchers. A metric is a lazy handle onto a probe: `expect` builds
 * assertions before the run, and they are evaluated after it. Every assertion is evaluated;
 * none short-circuits.
 *
 * @module
 */

import { formatDuration } from "../hw/time.ts";

/** The unit of a metric, for formatting. */
export type MetricUnit = "ns" | "count" | "ratio" | "bytes" | "flag" | "text";

/** A metric's value and the virtual time of its worst sample (-1 if none). */
export interface MetricValue {
  /** The value (for text metrics, NaN; see `text`). */
  readonly value: number;
  /** Virtual time of the worst sample, or -1. */
  readonly at: number;
  /** For text metrics: the value. */
  readonly text?: string;
}

/** The outcome of one assertion. */
export interface AssertionResult {
  /** What was asserted, e.g. `irqLatency("radio").p99 < 20us`. */
  readonly name: string;
  /** Whether it held. */
  readonly passed: boolean;
  /** The expectation, e.g. `< 20us`. */
  readonly expected: string;
  /** What was seen, formatted. */
  readonly actual: string;
  /** What was seen, raw. */
  readonly actualValue: number | string;
  /** Virtual time of the worst sample, or -1. */
  readonly at: number;
  /** The scope (whole run, a step, a window). */
  readonly scope: string;
}

/** An assertion built before the run and evaluated after it. */
export interface Assertion {
  /** What is asserted. */
  readonly name: string;
  /** Evaluates it. */
  evaluate(): AssertionResult;
}

/**
 * Formats a value in a unit.
 *
 * @param value The value.
 * @param unit Its unit.
 * @returns Text such as `1.768us`, `3`, `12.5%`.
 *
 * @example Usage
 * ```ts
 * import { formatValue } from "./metric.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatValue(1_768, "ns"), "1.768us");
 * assert.equal(formatValue(0.125, "ratio"), "12.5%");
 * ```
 */
export function formatValue(value: number, unit: MetricUnit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case "ns":
      return formatDuration(value);
    case "ratio": {
      const percent = Number((value * 100).toFixed(3));
      if (percent === 0 && value !== 0) {
        // A share too small for 3 decimals still shows as non-zero: 2 significant digits.
        const digits = Math.min(20, 1 - Math.floor(Math.log10(Math.abs(value * 100))));
        return `${(value * 100).toFixed(digits).replace(/0+$/, "")}%`;
      }
      return `${percent}%`;
    }
    case "bytes":
      return `${value} B`;
    case "flag":
      return value ? "true" : "false";
    default:
      return String(value);
  }
}

/**
 * One metric with fluent matchers.
 *
 * @example Usage
 * ```ts
 * import { Metric } from "./metric.ts";
 * import assert from "node:assert/strict";
 * const misses = new Metric("deadlineMisses(\"baseband\")", "count", "run", () => ({ value: 0, at: -1 }));
 * assert.equal(misses.toBe(0).evaluate().passed, true);
 * assert.equal(misses.toBeAbove(0).evaluate().passed, false);
 * ```
 */
export class Metric {
  /** Display name. */
  readonly name: string;
  /** Unit. */
  readonly unit: MetricUnit;
  /** Scope label. */
  readonly scope: string;
  readonly #read: () => MetricValue;
  readonly #negated: boolean;

  /**
   * Creates a metric read after the run.
   *
   * @param name Display name.
   * @param unit Unit.
   * @param scope Scope label.
   * @param read Reads the value after the run.
   * @param negated Whether matchers are inverted.
   */
  constructor(
    name: string,
    unit: MetricUnit,
    scope: string,
    read: () => MetricValue,
    negated = false,
  ) {
    this.name = name;
    this.unit = unit;
    this.scope = scope;
    this.#read = read;
    this.#negated = negated;
  }

  /** The same metric with inverted matchers: `metric.not.toBe(0)`. */
  get not(): Metric {
    return new Metric(this.name, this.unit, this.scope, this.#read, !this.#negated);
  }

  /** Reads the value now (after the run). */
  read(): MetricValue {
    return this.#read();
  }

  /**
   * Asserts equality.
   *
   * @param expected The value.
   * @returns The assertion.
   */
  toBe(expected: number | string): Assertion {
    if (typeof expected === "string") {
      return this.#assert(`= ${expected}`, (v) => v.text === expected);
    }
    return this.#assert(
      `= ${formatValue(expected, this.unit)}`,
      // NaN (no value, e.g. no wipe in the scope) equals only NaN.
      (v) => v.value === expected || (Number.isNaN(expected) && Number.isNaN(v.value)),
    );
  }

  /**
   * Asserts strictly below.
   *
   * @param limit The bound.
   * @returns The assertion.
   */
  toBeBelow(limit: number): Assertion {
    return this.#assert(`< ${formatValue(limit, this.unit)}`, (v) => v.value < limit);
  }

  /**
   * Asserts at most.
   *
   * @param limit The bound.
   * @returns The assertion.
   */
  toBeAtMost(limit: number): Assertion {
    return this.#assert(`<= ${formatValue(limit, this.unit)}`, (v) => v.value <= limit);
  }

  /**
   * Asserts strictly above.
   *
   * @param limit The bound.
   * @returns The assertion.
   */
  toBeAbove(limit: number): Assertion {
    return this.#assert(`> ${formatValue(limit, this.unit)}`, (v) => v.value > limit);
  }

  /**
   * Asserts at least.
   *
   * @param limit The bound.
   * @returns The assertion.
   */
  toBeAtLeast(limit: number): Assertion {
    return this.#assert(`>= ${formatValue(limit, this.unit)}`, (v) => v.value >= limit);
  }

  /**
   * Asserts within an inclusive range.
   *
   * @param low Lower bound.
   * @param high Upper bound.
   * @returns The assertion.
   */
  toBeBetween(low: number, high: number): Assertion {
    return this.#assert(
      `in [${formatValue(low, this.unit)}, ${formatValue(high, this.unit)}]`,
      (v) => v.value >= low && v.value <= high,
    );
  }

  /**
   * Asserts a custom predicate.
   *
   * @param predicate Tests the value.
   * @param description What the predicate expects, for the report.
   * @returns The assertion.
   */
  satisfies(predicate: (value: number) => boolean, description: string): Assertion {
    return this.#assert(description, (v) => predicate(v.value));
  }

  #assert(expectation: string, test: (value: MetricValue) => boolean): Assertion {
    const expected = this.#negated ? `not ${expectation}` : expectation;
    const name = `${this.name} ${expected}${this.scope === "run" ? "" : ` [${this.scope}]`}`;
    return {
      name,
      evaluate: () => {
        const value = this.#read();
        const held = test(value);
        return {
          name,
          passed: this.#negated ? !held : held,
          expected,
          actual: value.text ?? formatValue(value.value, this.unit),
          actualValue: value.text ?? value.value,
          at: value.at,
          scope: this.scope,
        };
      },
    };
  }
}

/** What a histogram probe exposes. */
export interface HistogramSummary {
  /** Samples. */
  readonly count: number;
  /** Value at a percentile (0-100). */
  percentile(p: number): number;
  /** Smallest sample. */
  readonly min: number;
  /** Largest sample. */
  readonly max: number;
  /** Virtual time of the largest sample. */
  readonly maxAt: number;
  /** Mean. */
  readonly mean: number;
}

/**
 * A distribution metric (latency, response time) with quantile sub-metrics.
 *
 * @example Usage
 * ```ts
 * import { HistogramMetric } from "./metric.ts";
 * import assert from "node:assert/strict";
 * const latency = new HistogramMetric("irqLatency(\"radio\")", "run", () => ({
 *   count: 3, min: 1, max: 9, maxAt: 50, mean: 4, percentile: () => 9,
 * }));
 * const result = latency.max.toBeBelow(5).evaluate();
 * assert.equal(result.passed, false);
 * assert.equal(result.at, 50);
 * ```
 */
export class HistogramMetric {
  readonly #name: string;
  readonly #scope: string;
  readonly #read: () => HistogramSummary;

  /**
   * Creates a histogram metric read after the run.
   *
   * @param name Display name.
   * @param scope Scope label.
   * @param read Reads the summary after the run.
   */
  constructor(name: string, scope: string, read: () => HistogramSummary) {
    this.#name = name;
    this.#scope = scope;
    this.#read = read;
  }

  #quantile(label: string, pick: (h: HistogramSummary) => number): Metric {
    return new Metric(`${this.#name}.${label}`, "ns", this.#scope, () => {
      const h = this.#read();
      return { value: h.count === 0 ? 0 : pick(h), at: h.count === 0 ? -1 : h.maxAt };
    });
  }

  /** Median. */
  get p50(): Metric {
    return this.#quantile("p50", (h) => h.percentile(50));
  }
  /** 90th percentile. */
  get p90(): Metric {
    return this.#quantile("p90", (h) => h.percentile(90));
  }
  /** 99th percentile. */
  get p99(): Metric {
    return this.#quantile("p99", (h) => h.percentile(99));
  }
  /** 99.9th percentile. */
  get p999(): Metric {
    return this.#quantile("p99.9", (h) => h.percentile(99.9));
  }
  /** Largest sample (exact), with its time. */
  get max(): Metric {
    return this.#quantile("max", (h) => h.max);
  }
  /** Smallest sample (exact). */
  get min(): Metric {
    return this.#quantile("min", (h) => h.min);
  }
  /** Mean. */
  get mean(): Metric {
    return this.#quantile("mean", (h) => h.mean);
  }
  /** Number of samples. */
  get count(): Metric {
    return new Metric(`${this.#name}.count`, "count", this.#scope, () => ({
      value: this.#read().count,
      at: -1,
    }));
  }
  /**
   * Any percentile.
   *
   * @param p Percentile in (0, 100].
   * @returns The metric.
   */
  percentile(p: number): Metric {
    return this.#quantile(`p${p}`, (h) => h.percentile(p));
  }
}
