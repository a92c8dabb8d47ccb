/**
 * The behaviour digest of a run: what the run did, hashed independently of the run's
 * fingerprint. Every trace record counts by its field names and values, sorted by name, and
 * then the run's results (pass, events, simulated time, assertions, metrics) count too.
 *
 * The fingerprint is the quick determinism check, but it changes whenever its own hashing
 * does (a record layout, a field order, the mixing function). The digest changes only when a
 * record's values or a result change, so it is the check for work that must not change
 * behaviour: rewriting an emitter, the fingerprint or the probes, or tuning for speed. It is
 * far slower than the fingerprint (it formats every record), so it is a tool, never on by
 * default.
 *
 * @module
 */

import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import { bytesToHex } from "npm:@noble/hashes@2.4.0/utils.js";
import type { TraceRecord } from "../hw/trace_bus.ts";
import type { ScenarioResult } from "./scenario_result.ts";
import type { World } from "./world.ts";

const encoder = new TextEncoder();

/**
 * Digests one run: pass {@linkcode BehaviourDigest.observe} as the run's `observe` option,
 * then read {@linkcode BehaviourDigest.digest} of its result.
 *
 * @example Two runs of the same scenario and seed have the same digest
 * ```ts
 * import { BehaviourDigest } from "./behaviour_digest.ts";
 * import { boards, compute, native, scenario } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const busy = scenario("busy").board(boards.handset()).cell(
 *   "busy",
 *   native({ priority: 10, *program() { for (;;) yield* compute(5_320); } }),
 * );
 * const digests = [1, 2].map(() => {
 *   const digest = new BehaviourDigest();
 *   const result = busy.execute({ for: "1ms", observe: (world) => digest.observe(world) });
 *   return digest.digest(result);
 * });
 * assert.equal(digests[0], digests[1]);
 * assert.ok(digests[0].startsWith("sha256:"));
 * ```
 */
export class BehaviourDigest {
  #hash = sha256.create();
  #records = 0;

  /** The number of records digested so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Subscribes to a built world's trace bus (the run's `observe` option).
   *
   * @param world The world, before it runs.
   */
  observe(world: World): void {
    world.engine.trace.subscribe((record) => this.add(record));
  }

  /**
   * Adds one record: its fields sorted by name, so the order an emitter writes them in does
   * not count, only the names and values.
   *
   * @param record The record.
   */
  add(record: TraceRecord): void {
    const names = Object.keys(record).sort();
    let line = "";
    for (const name of names) line += `${name}=${typeof record[name]}:${String(record[name])};`;
    this.#hash.update(encoder.encode(line + "\n"));
    this.#records++;
  }

  /**
   * Finishes the digest with the run's results. Call it once.
   *
   * @param result The run's result.
   * @returns `sha256:` and 64 hex digits.
   */
  digest(result: ScenarioResult): string {
    const results = JSON.stringify({
      passed: result.passed,
      events: result.events,
      simulatedNs: result.simulatedNs,
      records: this.#records,
      assertions: result.assertions,
      metrics: result.metrics,
    });
    this.#hash.update(encoder.encode(results));
    return `sha256:${bytesToHex(this.#hash.digest())}`;
  }
}
