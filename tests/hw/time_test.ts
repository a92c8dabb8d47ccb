import assert from "node:assert/strict";
import {
  cyclesToNs,
  formatDuration,
  h,
  min,
  ms,
  ns,
  nsToCycles,
  parseDuration,
  s,
  toDuration,
  us,
} from "../../hw/time.ts";

Deno.test("ns(), us(), ms(), s(), min() and h() return whole nanoseconds", () => {
  assert.equal(ns(250), 250);
  assert.equal(us(20), 20_000);
  assert.equal(ms(4.615), 4_615_000);
  assert.equal(s(1.5), 1_500_000_000);
  assert.equal(min(1), 60_000_000_000);
  assert.equal(h(24), 86_400_000_000_000);
  assert.equal(ns(0), 0);
  assert.equal(us(0.001), 1);
});

Deno.test("ns() rejects a non-integer number of nanoseconds", () => {
  assert.throws(() => ns(1.5), {
    name: "RangeError",
    message: "Cannot make a duration: 1.5ns is 1.5 ns, which is not a whole number of " +
      "nanoseconds below 2^53",
  });
  assert.throws(() => us(0.0005), RangeError);
});

Deno.test("ns() rejects a negative value", () => {
  assert.throws(() => ns(-1), {
    name: "RangeError",
    message: "Cannot make a duration: value -1ns is negative, durations are >= 0",
  });
  assert.throws(() => ms(-0.5), /value -0.5ms is negative/);
});

Deno.test("ns() rejects NaN with a TypeError", () => {
  assert.throws(() => ns(NaN), {
    name: "TypeError",
    message: 'Cannot make a duration: value "NaN" is not a number',
  });
});

Deno.test("ns() rejects values beyond 2^53 nanoseconds", () => {
  assert.throws(() => h(1e9), /not a whole number of nanoseconds below 2\^53/);
  assert.throws(() => ns(Infinity), RangeError);
});

Deno.test("parseDuration() parses a number and a unit", () => {
  assert.equal(parseDuration("20us"), 20_000);
  assert.equal(parseDuration("20µs"), 20_000);
  assert.equal(parseDuration("4.615ms"), 4_615_000);
  assert.equal(parseDuration("1.5s"), 1_500_000_000);
  assert.equal(parseDuration(" 7 ns "), 7);
  assert.equal(parseDuration(".5us"), 500);
  assert.equal(parseDuration("2min"), 120_000_000_000);
  assert.equal(parseDuration("1h"), 3_600_000_000_000);
});

Deno.test("parseDuration() rejects an unknown unit", () => {
  assert.throws(() => parseDuration("10 parsecs"), {
    name: "RangeError",
    message: 'Cannot parse duration "10 parsecs": expected a non-negative number and a unit ' +
      'such as "20us" or "4.615ms"; valid units are ns, us, ms, s, min, h',
  });
});

Deno.test("parseDuration() rejects a negative value, a missing unit and an empty string", () => {
  assert.throws(() => parseDuration("-5ms"), /Cannot parse duration "-5ms"/);
  assert.throws(() => parseDuration("5"), /Cannot parse duration "5"/);
  assert.throws(() => parseDuration(""), /Cannot parse duration ""/);
  assert.throws(() => parseDuration("NaNms"), /Cannot parse duration "NaNms"/);
});

Deno.test("parseDuration() rejects a fraction of a nanosecond", () => {
  assert.throws(() => parseDuration("0.5ns"), {
    name: "RangeError",
    message: "Cannot make a duration: 0.5ns is 0.5 ns, which is not a whole number of " +
      "nanoseconds below 2^53",
  });
});

Deno.test("parseDuration() rejects a value that is not a string", () => {
  assert.throws(() => parseDuration(20 as unknown as string), {
    name: "TypeError",
    message: "Cannot parse duration: expected a string, got number",
  });
});

Deno.test("toDuration() accepts whole nanoseconds or a string and rejects the rest", () => {
  assert.equal(toDuration(500, "period"), 500);
  assert.equal(toDuration("2ms", "period"), 2_000_000);
  assert.throws(() => toDuration(1.5, "period"), {
    name: "RangeError",
    message: "Invalid period: 1.5 is not a non-negative whole number of nanoseconds; use ns(), " +
      'us(), ms(), s() or a string such as "20us"',
  });
  assert.throws(() => toDuration(-1, "budget"), /Invalid budget: -1/);
});

Deno.test("formatDuration() uses the largest readable unit", () => {
  assert.equal(formatDuration(0), "0ns");
  assert.equal(formatDuration(999), "999ns");
  assert.equal(formatDuration(20_000), "20us");
  assert.equal(formatDuration(4_615_000), "4.615ms");
  assert.equal(formatDuration(1_500_000_000), "1.5s");
  assert.equal(formatDuration(90_000_000_000), "1.5min");
  assert.equal(formatDuration(7_200_000_000_000), "2h");
});

Deno.test("cyclesToNs() rounds up to whole nanoseconds", () => {
  assert.equal(cyclesToNs(532, 532_000_000), 1_000);
  assert.equal(cyclesToNs(1, 532_000_000), 2);
  assert.equal(cyclesToNs(533, 532_000_000), 1_002);
  assert.equal(cyclesToNs(1_200, 1_200_000_000), 1_000);
  assert.equal(cyclesToNs(1_201, 1_200_000_000), 1_001);
  assert.equal(cyclesToNs(0.5, 1_000_000_000), 1);
  assert.equal(cyclesToNs(0, 532_000_000), 0);
  assert.equal(cyclesToNs(-3, 532_000_000), 0);
});

Deno.test("nsToCycles() rounds down to whole cycles", () => {
  assert.equal(nsToCycles(1_000, 532_000_000), 532);
  assert.equal(nsToCycles(1, 532_000_000), 0);
  assert.equal(nsToCycles(2, 532_000_000), 1);
  assert.equal(nsToCycles(1_000, 1_200_000_000), 1_200);
});
