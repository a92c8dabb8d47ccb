/**
 * The `rig` command's parts: the program, soaking over seeds on worker processes, seed
 * plans and shards, soak reports and their merge, JUnit output, scenario listing.
 *
 * @example Usage
 * ```ts
 * import { countSeeds, parseShard } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(countSeeds({ from: 1, count: 40, shard: parseShard("1/2") }), 20);
 * ```
 *
 * @module
 */

export * from "./rig_program.ts";
export * from "./soak_pool.ts";
export * from "./soak_progress.ts";
export * from "./seed_plan.ts";
export * from "./soak_report.ts";
export * from "./junit.ts";
export * from "./load_scenario.ts";
export * from "./scenario_list.ts";
