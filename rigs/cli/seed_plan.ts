/**
 * Which seeds a soak runs: a range (`--seed-from A --seeds N`), or an open-ended run
 * (`--for-wall 8h`), cut into deterministic shards (`--shard i/n`): seed `k` belongs to shard
 * `(k mod n) + 1`, so every shard gets an even, interleaved slice and the shards together
 * run exactly the seeds of the unsharded run.
 *
 * @module
 */

/** One shard of `n`: `index` is 1-based. */
export interface Shard {
  /** This shard, 1..count. */
  readonly index: number;
  /** Number of shards. */
  readonly count: number;
}

/** The seeds of a soak. */
export interface SeedPlan {
  /** First seed of the range. */
  readonly from: number;
  /** Seeds in the range (before sharding); `undefined` = no end (a wall-time soak). */
  readonly count?: number;
  /** The shard of the range this run takes; default all seeds. */
  readonly shard?: Shard;
}

/** A bad `--shard` or seed range; the CLI prints the message and exits 2. */
export class SeedPlanError extends Error {
  /**
   * Creates it.
   *
   * @param message What was wrong and what is valid.
   */
  constructor(message: string) {
    super(message);
    this.name = "SeedPlanError";
  }
}

/**
 * Parses `--shard i/n`.
 *
 * @param text E.g. `"2/8"`.
 * @returns The shard.
 * @throws {SeedPlanError} Unless `1 <= i <= n`.
 *
 * @example Usage
 * ```ts
 * import { parseShard } from "./seed_plan.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseShard("2/8"), { index: 2, count: 8 });
 * assert.throws(() => parseShard("0/8"), /Invalid --shard "0\/8"/);
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match === null ? NaN : Number(match[1]);
  const count = match === null ? NaN : Number(match[2]);
  if (
    !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 ||
    index > count
  ) {
    throw new SeedPlanError(
      `Invalid --shard "${text}": use i/n with 1 <= i <= n, e.g. --shard 2/8`,
    );
  }
  return { index, count };
}

/**
 * The shard (1-based) a seed belongs to among `count` shards.
 *
 * @param seed The seed.
 * @param count Number of shards.
 * @returns `(seed mod count) + 1`.
 *
 * @example Usage
 * ```ts
 * import { shardOf } from "./seed_plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shardOf(7, 2), 2);
 * assert.equal(shardOf(8, 2), 1);
 * ```
 */
export function shardOf(seed: number, count: number): number {
  return (seed % count) + 1;
}

/**
 * The seeds of a plan, in increasing order (an endless iterator when `count` is undefined).
 *
 * @param plan The range and shard.
 * @returns The seeds this run takes.
 * @throws {SeedPlanError} For a negative or unsafe range.
 *
 * @example Usage
 * ```ts
 * import { planSeeds } from "./seed_plan.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual([...planSeeds({ from: 1, count: 6, shard: { index: 1, count: 2 } })], [2, 4, 6]);
 * assert.deepEqual([...planSeeds({ from: 1, count: 3 })], [1, 2, 3]);
 * ```
 */
export function* planSeeds(plan: SeedPlan): Generator<number, void, undefined> {
  checkPlan(plan);
  const end = plan.count === undefined ? Number.MAX_SAFE_INTEGER : plan.from + plan.count;
  for (let seed = plan.from; seed < end; seed++) {
    if (plan.shard === undefined || shardOf(seed, plan.shard.count) === plan.shard.index) {
      yield seed;
    }
  }
}

/**
 * How many seeds a finite plan runs (after sharding); `undefined` for an endless plan.
 *
 * @param plan The range and shard.
 * @returns The number of seeds.
 *
 * @example Usage
 * ```ts
 * import { countSeeds } from "./seed_plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(countSeeds({ from: 1, count: 40, shard: { index: 2, count: 3 } }), 14);
 * assert.equal(countSeeds({ from: 1 }), undefined);
 * ```
 */
export function countSeeds(plan: SeedPlan): number | undefined {
  checkPlan(plan);
  if (plan.count === undefined) return undefined;
  if (plan.shard === undefined) return plan.count;
  let n = 0;
  // Closed form per residue would do; the loop is bounded by `count` and runs once per soak.
  for (const _ of planSeeds(plan)) n++;
  return n;
}

function checkPlan(plan: SeedPlan): void {
  if (!Number.isSafeInteger(plan.from) || plan.from < 0) {
    throw new SeedPlanError(`Invalid --seed-from ${plan.from}: use a non-negative integer`);
  }
  if (
    plan.count !== undefined &&
    (!Number.isSafeInteger(plan.count) || plan.count < 1 ||
      !Number.isSafeInteger(plan.from + plan.count))
  ) {
    throw new SeedPlanError(`Invalid --seeds ${plan.count}: use a positive integer`);
  }
}
