import assert from "node:assert/strict";
import { Histogram } from "../../rigs/histogram.ts";

Deno.test("Histogram.toJSON() of no samples gives the count and null for every statistic", () => {
  assert.deepEqual(new Histogram().toJSON(), {
    count: 0,
    min: null,
    p50: null,
    p90: null,
    p99: null,
    p999: null,
    max: null,
    maxAt: null,
    mean: null,
  });
  // JSON keeps the nulls, so a reader can tell "nothing measured" from a measured 0.
  assert.equal(
    JSON.stringify(new Histogram()),
    '{"count":0,"min":null,"p50":null,"p90":null,' +
      '"p99":null,"p999":null,"max":null,"maxAt":null,"mean":null}',
  );
});

Deno.test("Histogram.toJSON() summarizes its samples exactly below HDR's 3 significant digits", () => {
  const histogram = new Histogram();
  histogram.record(100, 5);
  histogram.record(300, 7);
  histogram.record(200, 9);
  assert.deepEqual(histogram.toJSON(), {
    count: 3,
    min: 100,
    p50: 200,
    p90: 300,
    p99: 300,
    p999: 300,
    max: 300,
    maxAt: 7,
    mean: 200,
  });
});
