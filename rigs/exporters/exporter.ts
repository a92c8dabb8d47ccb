/**
 * The shape every run exporter shares: it subscribes to a world's trace bus before the run
 * and writes its file once the results are known.
 *
 * @module
 */

import type { ScenarioResult } from "../scenario_result.ts";
import type { World } from "../world.ts";

/**
 * A run exporter (Perfetto trace, VCD, HTML report). Exporters only subscribe to the trace
 * bus: they never emit records, so a run's fingerprint is the same with or without them.
 *
 * @example Usage
 * ```ts
 * import type { Exporter } from "./exporter.ts";
 * import assert from "node:assert/strict";
 * let records = 0;
 * const counter: Exporter = {
 *   observe: (world) => void world.engine.trace.subscribe(() => records++),
 *   finish: () => {},
 * };
 * assert.equal(typeof counter.observe, "function");
 * ```
 */
export interface Exporter {
  /** Subscribes to the built world before it runs. */
  observe(world: World): void;
  /** Writes what is left once the run's results are known, and closes the output. */
  finish(result: ScenarioResult): void;
}
