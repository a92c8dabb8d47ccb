import assert from "node:assert/strict";
import {
  formatValue,
  Histogram,
  HistogramMetric,
  type HistogramSummary,
  Metric,
  type MetricUnit,
  type MetricValue,
} from "../../mod.ts";

/** A metric whose value is fixed (as a probe would read it after the run). */
function fixed(value: number, unit: MetricUnit = "count", at = -1, scope = "run"): Metric {
  return new Metric("m", unit, scope, () => ({ value, at }));
}

function text(value: string): Metric {
  return new Metric("t", "text", "run", (): MetricValue => ({ value: NaN, text: value, at: -1 }));
}

Deno.test("formatValue() formats each unit", () => {
  assert.equal(formatValue(1_768, "ns"), "1.768us");
  assert.equal(formatValue(4_615_000, "ns"), "4.615ms");
  assert.equal(formatValue(999, "ns"), "999ns");
  assert.equal(formatValue(2_000_000_000, "ns"), "2s");
  assert.equal(formatValue(3, "count"), "3");
  assert.equal(formatValue(0.125, "ratio"), "12.5%");
  assert.equal(formatValue(0.698_041_234, "ratio"), "69.804%");
  assert.equal(formatValue(1, "ratio"), "100%");
  assert.equal(formatValue(4096, "bytes"), "4096 B");
  assert.equal(formatValue(1, "flag"), "true");
  assert.equal(formatValue(0, "flag"), "false");
  assert.equal(formatValue(NaN, "ns"), "NaN");
  assert.equal(formatValue(Infinity, "count"), "Infinity");
});

Deno.test("Metric.toBe() passes on equality and fails otherwise, with expected and actual text", () => {
  const pass = fixed(3).toBe(3).evaluate();
  assert.deepEqual(pass, {
    name: "m = 3",
    passed: true,
    expected: "= 3",
    actual: "3",
    actualValue: 3,
    at: -1,
    scope: "run",
  });
  const fail = fixed(4, "count", 1_500).toBe(3).evaluate();
  assert.equal(fail.passed, false);
  assert.equal(fail.expected, "= 3");
  assert.equal(fail.actual, "4");
  assert.equal(fail.at, 1_500);
});

Deno.test("Metric.toBe() with a string compares a text metric's text", () => {
  assert.equal(text("switched").toBe("switched").evaluate().passed, true);
  const fail = text("rejected").toBe("switched").evaluate();
  assert.equal(fail.passed, false);
  assert.equal(fail.expected, "= switched");
  assert.equal(fail.actual, "rejected");
  assert.equal(fail.actualValue, "rejected");
  assert.equal(fail.name, "t = switched");
});

Deno.test("Metric.toBeBelow() is strict", () => {
  const below = fixed(1_999, "ns").toBeBelow(2_000).evaluate();
  assert.equal(below.passed, true);
  assert.equal(below.expected, "< 2us");
  assert.equal(below.actual, "1.999us");
  const equal = fixed(2_000, "ns").toBeBelow(2_000).evaluate();
  assert.equal(equal.passed, false);
  assert.equal(equal.actual, "2us");
});

Deno.test("Metric.toBeAtMost() includes the bound", () => {
  assert.equal(fixed(2_000, "ns").toBeAtMost(2_000).evaluate().passed, true);
  const fail = fixed(2_001, "ns").toBeAtMost(2_000).evaluate();
  assert.equal(fail.passed, false);
  assert.equal(fail.expected, "<= 2us");
  assert.equal(fail.actual, "2.001us");
});

Deno.test("Metric.toBeAbove() is strict", () => {
  const pass = fixed(0.51, "ratio").toBeAbove(0.5).evaluate();
  assert.equal(pass.passed, true);
  assert.equal(pass.expected, "> 50%");
  assert.equal(pass.actual, "51%");
  assert.equal(fixed(0.5, "ratio").toBeAbove(0.5).evaluate().passed, false);
});

Deno.test("Metric.toBeAtLeast() includes the bound", () => {
  assert.equal(fixed(1_000).toBeAtLeast(1_000).evaluate().passed, true);
  const fail = fixed(999).toBeAtLeast(1_000).evaluate();
  assert.equal(fail.passed, false);
  assert.equal(fail.expected, ">= 1000");
  assert.equal(fail.actual, "999");
});

Deno.test("Metric.toBeBetween() is inclusive at both ends", () => {
  const metric = (value: number) => fixed(value, "bytes");
  assert.equal(metric(10).toBeBetween(10, 20).evaluate().passed, true);
  assert.equal(metric(20).toBeBetween(10, 20).evaluate().passed, true);
  const low = metric(9).toBeBetween(10, 20).evaluate();
  assert.equal(low.passed, false);
  assert.equal(low.expected, "in [10 B, 20 B]");
  assert.equal(low.actual, "9 B");
  assert.equal(metric(21).toBeBetween(10, 20).evaluate().passed, false);
});

Deno.test("Metric.satisfies() uses the predicate and reports its description", () => {
  const even = (value: number) => value % 2 === 0;
  const pass = fixed(4).satisfies(even, "an even count").evaluate();
  assert.equal(pass.passed, true);
  assert.equal(pass.expected, "an even count");
  assert.equal(pass.name, "m an even count");
  const fail = fixed(5).satisfies(even, "an even count").evaluate();
  assert.equal(fail.passed, false);
  assert.equal(fail.actual, "5");
});

Deno.test("Metric.not inverts every matcher and prefixes the expectation with not", () => {
  const three = fixed(3);
  const cases = [
    { assertion: three.not.toBe(3), passed: false, expected: "not = 3" },
    { assertion: three.not.toBe(4), passed: true, expected: "not = 4" },
    { assertion: three.not.toBeBelow(4), passed: false, expected: "not < 4" },
    { assertion: three.not.toBeAtMost(2), passed: true, expected: "not <= 2" },
    { assertion: three.not.toBeAbove(2), passed: false, expected: "not > 2" },
    { assertion: three.not.toBeAtLeast(4), passed: true, expected: "not >= 4" },
    { assertion: three.not.toBeBetween(1, 5), passed: false, expected: "not in [1, 5]" },
    { assertion: three.not.satisfies((v) => v > 9, "big"), passed: true, expected: "not big" },
    { assertion: text("none").not.toBe("switched"), passed: true, expected: "not = switched" },
  ];
  for (const { assertion, passed, expected } of cases) {
    const result = assertion.evaluate();
    assert.equal(result.passed, passed, result.name);
    assert.equal(result.expected, expected);
  }
  assert.equal(three.not.not.toBe(3).evaluate().passed, true);
  assert.equal(three.not.toBe(3).name, "m not = 3");
});

Deno.test("Metric assertion names carry a scope other than the whole run", () => {
  const scoped = fixed(0, "count", -1, "step burst").toBe(0);
  assert.equal(scoped.name, "m = 0 [step burst]");
  assert.equal(scoped.evaluate().scope, "step burst");
  assert.equal(fixed(0).toBe(0).name, "m = 0");
});

Deno.test("Metric reads lazily: the value is read when the assertion is evaluated", () => {
  let value = 1;
  const metric = new Metric("lazy", "count", "run", () => ({ value, at: -1 }));
  const assertion = metric.toBe(2);
  value = 2;
  assert.equal(assertion.evaluate().passed, true);
  assert.deepEqual(metric.read(), { value: 2, at: -1 });
});

Deno.test("Metric unit flag formats 1 as true and 0 as false", () => {
  const result = fixed(1, "flag").toBe(0).evaluate();
  assert.equal(result.expected, "= false");
  assert.equal(result.actual, "true");
});

function histogramOf(samples: readonly [number, number][]): Histogram {
  const histogram = new Histogram();
  for (const [value, at] of samples) histogram.record(value, at);
  return histogram;
}

Deno.test("HistogramMetric quantiles read min, max, mean, count and percentiles with ns units", () => {
  // 100 samples of 1..100 us; the largest (100 us) at 7 ms.
  const samples = Array.from(
    { length: 100 },
    (_, i) => [(i + 1) * 1_000, i === 99 ? 7_000_000 : i] as [number, number],
  );
  const h = histogramOf(samples);
  const metric = new HistogramMetric('irqLatency("radio")', "run", () => h);
  const max = metric.max.toBe(100_000).evaluate();
  assert.equal(max.passed, true);
  assert.equal(max.name, 'irqLatency("radio").max = 100us');
  assert.equal(max.actual, "100us");
  assert.equal(max.at, 7_000_000);
  assert.equal(metric.min.toBe(1_000).evaluate().passed, true);
  assert.equal(metric.mean.read().value, 50_500);
  assert.equal(metric.count.toBe(100).evaluate().actual, "100");
  assert.equal(metric.count.toBe(100).name, 'irqLatency("radio").count = 100');
  // HDR percentiles are within its precision of the exact order statistic.
  const near = (metric: Metric, exact: number) =>
    assert.ok(Math.abs(metric.read().value - exact) <= exact / 100, `${metric.name}`);
  near(metric.p50, 50_000);
  near(metric.p90, 90_000);
  near(metric.p99, 99_000);
  near(metric.p999, 100_000);
  near(metric.percentile(75), 75_000);
  assert.equal(metric.p50.name, 'irqLatency("radio").p50');
  assert.equal(metric.p999.name, 'irqLatency("radio").p99.9');
  assert.equal(metric.percentile(75).name, 'irqLatency("radio").p75');
  assert.ok(metric.p999.read().value <= 100_000, "percentiles are capped at the exact max");
});

Deno.test("HistogramMetric quantile matchers fail with formatted expected and actual", () => {
  const h = histogramOf([[3_647, 10_003_647], [2_000, 20_000_000]]);
  const metric = new HistogramMetric('irqLatency("keypad")', "window 0ns..1s", () => h);
  const result = metric.max.toBeBelow(1_000).evaluate();
  assert.equal(result.passed, false);
  assert.equal(result.expected, "< 1us");
  assert.equal(result.actual, "3.647us");
  assert.equal(result.at, 10_003_647);
  assert.equal(result.name, 'irqLatency("keypad").max < 1us [window 0ns..1s]');
  assert.equal(metric.max.not.toBeBelow(1_000).evaluate().passed, true);
});

Deno.test("HistogramMetric with no samples reads 0 and no worst time", () => {
  const empty: HistogramSummary = {
    count: 0,
    min: 0,
    max: 0,
    maxAt: -1,
    mean: 0,
    percentile: () => 0,
  };
  const metric = new HistogramMetric("roundTrip()", "run", () => empty);
  for (const quantile of [metric.p50, metric.p99, metric.max, metric.min, metric.mean]) {
    assert.deepEqual(quantile.read(), { value: 0, at: -1 });
  }
  assert.equal(metric.count.toBe(0).evaluate().passed, true);
});

Deno.test("formatValue() shows a small non-zero ratio instead of rounding it to 0%", () => {
  // cpuShare("idle-ish cell").toBeAbove(0) used to print `> 0%  seen 0%` while passing.
  assert.equal(formatValue(0.000_000_42, "ratio"), "0.000042%");
  assert.equal(formatValue(-0.000_000_42, "ratio"), "-0.000042%");
  assert.equal(formatValue(0.000_000_008, "ratio"), "0.0000008%");
  assert.equal(formatValue(0, "ratio"), "0%");
  assert.equal(fixed(0.000_000_42, "ratio").toBeAbove(0).evaluate().actual, "0.000042%");
});

Deno.test("Metric.toBe(NaN) passes when the metric has no value (NaN)", () => {
  // e.g. wipe("x").duration inside a step with no wipe reads NaN; `toBe(NaN)` said `seen NaN` ✗.
  assert.equal(fixed(NaN, "ns").toBe(NaN).evaluate().passed, true);
  assert.equal(fixed(3, "ns").toBe(NaN).evaluate().passed, false);
  assert.equal(fixed(NaN, "ns").not.toBe(NaN).evaluate().passed, false);
  assert.equal(fixed(NaN, "ns").toBe(0).evaluate().passed, false);
});
