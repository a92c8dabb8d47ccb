import assert from "node:assert/strict";
import fc from "fast-check";
import * as hdr from "hdr-histogram-js";
import { HDR_OPTIONS, Histogram } from "../../rigs/histogram.ts";

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

Deno.test("Histogram gives the percentiles of recording every sample one by one, however runs of equal samples fall and whenever it is read", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(1_000, 1_001, 52_000), fc.integer({ min: 0, max: 9e9 })), {
        minLength: 1,
        maxLength: 300,
      }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (values, reads) => {
        const histogram = new Histogram();
        const reference = hdr.build(HDR_OPTIONS);
        const readAt = new Set(reads.map((read) => read % values.length));
        values.forEach((value, index) => {
          histogram.record(value, index);
          reference.recordValue(value);
          if (readAt.has(index)) {
            const p50 = Math.min(reference.getValueAtPercentile(50), histogram.max);
            assert.equal(histogram.percentile(50), p50);
          }
        });
        const max = Math.max(...values);
        for (const p of [1, 50, 90, 99, 99.9, 100]) {
          assert.equal(histogram.percentile(p), Math.min(reference.getValueAtPercentile(p), max));
        }
        assert.equal(histogram.count, values.length);
      },
    ),
    { numRuns: 300 },
  );
});
