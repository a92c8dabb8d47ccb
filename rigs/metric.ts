/**
 * Metrics and their matchers. A metric is a lazy handle onto a probe: `expect` builds
 * assertions before the run, and they are evaluated after it. Every assertion is evaluated;
 * none short-circuits.
 *
 * @module
 */

import { type Duration, formatDuration, toDuration } from "../hw/time.ts";
import { ScenarioError } from "./scenario_error.ts";

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
  /** A remark shown after the formatted value, e.g. `no samples` for an empty histogram. */
  readonly note?: string;
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
 * One metric with fluent matchers. Matchers check their bounds when the assertion is built
 * (before the run): a bound must be a finite number (`toBe` also takes `NaN`, "no value"); a
 * metric in ns also takes a duration string such as `"20us"`, and a text metric takes only
 * `toBe(text)`. `Bound` is the type of bound the matchers take: `number`, or `Duration | string`
 * for a metric in ns.
 *
 * @example Usage
 * ```ts
 * import { Metric } from "./metric.ts";
 * import assert from "node:assert/strict";
 * const misses = new Metric("deadlineMisses(\"baseband\")", "count", "run", () => ({ value: 0, at: -1 }));
 * assert.equal(misses.toBe(0).evaluate().passed, true);
 * assert.equal(misses.toBeAbove(0).evaluate().passed, false);
 * assert.throws(() => misses.toBeBelow(NaN), /Invalid bound NaN/);
 * ```
 */
export class Metric<Bound extends number | string = number> {
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
  get not(): Metric<Bound> {
    return new Metric<Bound>(this.name, this.unit, this.scope, this.#read, !this.#negated);
  }

  /** Reads the value now (after the run). */
  read(): MetricValue {
    return this.#read();
  }

  /**
   * Asserts equality.
   *
   * @param expected The value: a number (`NaN` matches a metric with no value), a duration
   * string such as `"8ms"` for a metric in ns, or the text of a text metric.
   * @returns The assertion.
   * @throws {ScenarioError} If the value does not fit the metric's unit.
   */
  toBe(expected: number | string): Assertion {
    if (this.unit === "text") {
      if (typeof expected !== "string") {
        throw this.#invalid("value", expected, "toBe", 'a text metric takes a string, e.g. "01"');
      }
      return this.#assert(`= ${expected}`, (v) => v.text === expected);
    }
    const value = this.#bound("value", expected, "toBe");
    return this.#assert(
      `= ${formatValue(value, this.unit)}`,
      // NaN (no value, e.g. no wipe in the scope) equals only NaN.
      (v) => v.value === value || (Number.isNaN(value) && Number.isNaN(v.value)),
    );
  }

  /**
   * Asserts strictly below.
   *
   * @param limit The bound: a finite number, or for a metric in ns a string such as `"20us"`.
   * @returns The assertion.
   * @throws {ScenarioError} If the bound is not valid for the metric.
   */
  toBeBelow(limit: Bound): Assertion {
    const bound = this.#bound("bound", limit, "toBeBelow");
    return this.#assert(`< ${formatValue(bound, this.unit)}`, (v) => v.value < bound);
  }

  /**
   * Asserts at most.
   *
   * @param limit The bound: a finite number, or for a metric in ns a string such as `"20us"`.
   * @returns The assertion.
   * @throws {ScenarioError} If the bound is not valid for the metric.
   */
  toBeAtMost(limit: Bound): Assertion {
    const bound = this.#bound("bound", limit, "toBeAtMost");
    return this.#assert(`<= ${formatValue(bound, this.unit)}`, (v) => v.value <= bound);
  }

  /**
   * Asserts strictly above.
   *
   * @param limit The bound: a finite number, or for a metric in ns a string such as `"20us"`.
   * @returns The assertion.
   * @throws {ScenarioError} If the bound is not valid for the metric.
   */
  toBeAbove(limit: Bound): Assertion {
    const bound = this.#bound("bound", limit, "toBeAbove");
    return this.#assert(`> ${formatValue(bound, this.unit)}`, (v) => v.value > bound);
  }

  /**
   * Asserts at least.
   *
   * @param limit The bound: a finite number, or for a metric in ns a string such as `"20us"`.
   * @returns The assertion.
   * @throws {ScenarioError} If the bound is not valid for the metric.
   */
  toBeAtLeast(limit: Bound): Assertion {
    const bound = this.#bound("bound", limit, "toBeAtLeast");
    return this.#assert(`>= ${formatValue(bound, this.unit)}`, (v) => v.value >= bound);
  }

  /**
   * Asserts within an inclusive range.
   *
   * @param low Lower bound.
   * @param high Upper bound, not below `low`.
   * @returns The assertion.
   * @throws {ScenarioError} If a bound is not valid for the metric, or `low` exceeds `high`.
   */
  toBeBetween(low: Bound, high: Bound): Assertion {
    const from = this.#bound("bound", low, "toBeBetween");
    const to = this.#bound("bound", high, "toBeBetween");
    const range = `[${formatValue(from, this.unit)}, ${formatValue(to, this.unit)}]`;
    if (from > to) {
      throw new ScenarioError(
        `Invalid range ${range} in ${this.#call("toBeBetween")}: the low bound must not exceed ` +
          "the high bound",
      );
    }
    return this.#assert(`in ${range}`, (v) => v.value >= from && v.value <= to);
  }

  /**
   * Asserts a custom predicate.
   *
   * @param predicate Tests the value.
   * @param description What the predicate expects, for the report.
   * @returns The assertion.
   * @throws {ScenarioError} If the predicate is not a function.
   */
  satisfies(predicate: (value: number) => boolean, description: string): Assertion {
    if (typeof predicate !== "function") {
      throw this.#invalid(
        "predicate",
        predicate,
        "satisfies",
        "give a function from the value to a boolean, e.g. (v) => v % 2 === 0",
      );
    }
    return this.#assert(description, (v) => predicate(v.value));
  }

  /**
   * The bound a matcher compares with, in the metric's unit (`toBe` also takes NaN, "no
   * value"); throws for anything else.
   */
  #bound(what: string, value: unknown, matcher: string): number {
    if (this.unit === "text") {
      throw this.#invalid(what, value, matcher, 'a text metric takes only toBe("text")');
    }
    const nan = matcher === "toBe";
    if (typeof value === "number" && (Number.isFinite(value) || (nan && Number.isNaN(value)))) {
      return value;
    }
    if (typeof value === "string" && this.unit === "ns") {
      try {
        return toDuration(value, what);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
    const number = `a finite number${this.unit === "ns" ? " of ns" : ""}${nan ? " or NaN" : ""}`;
    const valid = this.unit === "ns"
      ? `${number}, or a duration string such as "20us" (units ns, us, ms, s, min, h)`
      : number;
    throw this.#invalid(what, value, matcher, `expected ${valid}`);
  }

  #invalid(what: string, value: unknown, matcher: string, valid: string): ScenarioError {
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    return new ScenarioError(`Invalid ${what} ${shown} in ${this.#call(matcher)}: ${valid}`);
  }

  /** The matcher call as written, e.g. `irqLatency("radio").p99.not.toBeBelow()`. */
  #call(matcher: string): string {
    return `${this.name}${this.#negated ? ".not" : ""}.${matcher}()`;
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
          actual: (value.text ?? formatValue(value.value, this.unit)) +
            (value.note === undefined ? "" : ` (${value.note})`),
          actualValue: value.text ?? value.value,
          at: value.at,
          scope: this.scope,
        };
      },
    };
  }
}

/** A metric in ns: its matchers also take duration strings such as `"20us"`. */
export type DurationMetric = Metric<Duration | string>;

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

  #quantile(label: string, pick: (h: HistogramSummary) => number): DurationMetric {
    return new Metric(`${this.#name}.${label}`, "ns", this.#scope, () => {
      const h = this.#read();
      // No samples, no value: NaN holds no bound, so `p99.toBeBelow("20us")` cannot pass on
      // nothing measured.
      if (h.count === 0) return { value: NaN, at: -1, note: "no samples" };
      return { value: pick(h), at: h.maxAt };
    });
  }

  /** Median. */
  get p50(): DurationMetric {
    return this.#quantile("p50", (h) => h.percentile(50));
  }
  /** 90th percentile. */
  get p90(): DurationMetric {
    return this.#quantile("p90", (h) => h.percentile(90));
  }
  /** 99th percentile. */
  get p99(): DurationMetric {
    return this.#quantile("p99", (h) => h.percentile(99));
  }
  /** 99.9th percentile. */
  get p999(): DurationMetric {
    return this.#quantile("p99.9", (h) => h.percentile(99.9));
  }
  /** Largest sample (exact), with its time. */
  get max(): DurationMetric {
    return this.#quantile("max", (h) => h.max);
  }
  /** Smallest sample (exact). */
  get min(): DurationMetric {
    return this.#quantile("min", (h) => h.min);
  }
  /** Mean. */
  get mean(): DurationMetric {
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
  percentile(p: number): DurationMetric {
    return this.#quantile(`p${p}`, (h) => h.percentile(p));
  }
}
