import assert from "node:assert/strict";
import { RandomStream } from "../../hw/random_stream.ts";

function draws(stream: RandomStream, count: number): number[] {
  return Array.from({ length: count }, () => stream.uint32());
}

Deno.test("RandomStream gives the same draws for the same seed and name", () => {
  assert.deepEqual(
    draws(new RandomStream(42, "radio"), 100),
    draws(new RandomStream(42, "radio"), 100),
  );
});

Deno.test("RandomStream draws are pinned so a dependency update cannot change them silently", () => {
  const stream = new RandomStream(42, "radio");
  assert.deepEqual(draws(stream, 3), [1_842_293_828, 2_697_345_249, 4_183_787_176]);
});

Deno.test("RandomStream streams of different names or seeds differ", () => {
  const a = draws(new RandomStream(42, "a"), 8);
  assert.notDeepEqual(a, draws(new RandomStream(42, "b"), 8));
  assert.notDeepEqual(a, draws(new RandomStream(43, "a"), 8));
  assert.notDeepEqual(a, draws(new RandomStream(42 + 2 ** 32, "a"), 8));
});

Deno.test("RandomStream of one name is unaffected by draws from another", () => {
  const alone = new RandomStream(7, "a");
  const expected = draws(alone, 50);
  const a = new RandomStream(7, "a");
  const actual = draws(a, 25);
  const b = new RandomStream(7, "b");
  draws(b, 1_000);
  actual.push(...draws(a, 25));
  assert.deepEqual(actual, expected);
});

Deno.test("RandomStream constructor rejects a seed that is not a safe integer", () => {
  assert.throws(() => new RandomStream(1.5, "x"), {
    name: "RangeError",
    message: "Cannot derive a random stream: seed 1.5 is not a safe integer",
  });
  assert.throws(() => new RandomStream(2 ** 53, "x"), RangeError);
});

Deno.test("RandomStream.int() stays within its inclusive bounds and reaches both", () => {
  const stream = new RandomStream(3, "dice");
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const value = stream.int(1, 6);
    assert.ok(Number.isInteger(value) && value >= 1 && value <= 6, `drew ${value}`);
    seen.add(value);
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6]);
  assert.equal(stream.int(5, 5), 5);
  for (let i = 0; i < 1_000; i++) {
    const value = stream.int(-3, 2 ** 40);
    assert.ok(Number.isInteger(value) && value >= -3 && value <= 2 ** 40);
  }
});

Deno.test("RandomStream.int() rejects an empty range and non-integer bounds", () => {
  const stream = new RandomStream(3, "dice");
  assert.throws(() => stream.int(5, 4), {
    name: "RangeError",
    message: "Cannot draw an integer in [5, 4]: bounds must be integers with low <= high",
  });
  assert.throws(() => stream.int(0.5, 2), /Cannot draw an integer in \[0.5, 2\]/);
  assert.throws(() => stream.int(0, NaN), RangeError);
});

Deno.test("RandomStream.chance() is an integer ratio", () => {
  const stream = new RandomStream(1, "x");
  let hits = 0;
  for (let i = 0; i < 10_000; i++) if (stream.chance(1, 4)) hits++;
  assert.equal(hits, 2_493);
  for (let i = 0; i < 1_000; i++) {
    assert.equal(stream.chance(0, 7), false);
    assert.equal(stream.chance(7, 7), true);
  }
});

Deno.test("RandomStream.float() is in [0, 1)", () => {
  const stream = new RandomStream(9, "f");
  for (let i = 0; i < 10_000; i++) {
    const value = stream.float();
    assert.ok(value >= 0 && value < 1, `drew ${value}`);
  }
});

Deno.test("RandomStream.exponentialNs() gives whole non-negative nanoseconds near the mean", () => {
  const stream = new RandomStream(5, "arrivals");
  let total = 0;
  const count = 20_000;
  for (let i = 0; i < count; i++) {
    const gap = stream.exponentialNs(1_000);
    assert.ok(Number.isSafeInteger(gap) && gap >= 0, `drew ${gap}`);
    total += gap;
  }
  const mean = total / count;
  assert.ok(mean > 950 && mean < 1_050, `mean ${mean}`);
});
