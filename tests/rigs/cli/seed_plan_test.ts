import assert from "node:assert/strict";
import {
  countSeeds,
  parseShard,
  planSeeds,
  SeedPlanError,
  shardOf,
} from "../../../rigs/cli/seed_plan.ts";

Deno.test("planSeeds() shards cover the unsharded seeds exactly once", () => {
  for (const n of [1, 2, 3, 8]) {
    const all = [...planSeeds({ from: 5, count: 37 })];
    const union = Array.from(
      { length: n },
      (_, i) => [...planSeeds({ from: 5, count: 37, shard: { index: i + 1, count: n } })],
    ).flat();
    assert.deepEqual(union.sort((a, b) => a - b), all);
    for (let i = 1; i <= n; i++) {
      const shard = { index: i, count: n };
      const seeds = [...planSeeds({ from: 5, count: 37, shard })];
      assert.equal(countSeeds({ from: 5, count: 37, shard }), seeds.length);
      assert.ok(seeds.every((k) => shardOf(k, n) === i));
    }
  }
});

Deno.test("planSeeds() without a count is endless", () => {
  const seeds = planSeeds({ from: 0, shard: { index: 2, count: 4 } });
  assert.deepEqual([1, 2, 3].map(() => seeds.next().value), [1, 5, 9]);
});

Deno.test("parseShard() and planSeeds() reject bad input with the valid form", () => {
  for (const bad of ["0/2", "3/2", "1/0", "a/b", "1", "-1/2"]) {
    assert.throws(() => parseShard(bad), SeedPlanError);
  }
  assert.throws(() => [...planSeeds({ from: -1, count: 2 })], /Invalid --seed-from -1/);
  assert.throws(() => countSeeds({ from: 1, count: 0 }), /Invalid --seeds 0/);
});
