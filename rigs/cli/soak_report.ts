/**
 * The results of a soak (`rig soak --json FILE`): totals and one compact, ScenarioResult-like
 * entry per seed. Entries keep only the failing assertions and no metrics, so a soak over
 * millions of seeds stays small; `rig merge` combines shard reports into one with the same
 * totals as an unsharded run.
 *
 * @module
 */

import type { ScenarioResult } from "../scenario_result.ts";

/** Why a seed ended without a verdict. */
export interface SeedError {
  /** `crash`: the worker died (uncaught error); `timeout`: no result within `--seed-timeout`. */
  readonly kind: "crash" | "timeout";
  /** What happened, e.g. the uncaught error's message. */
  readonly message: string;
}

/**
 * One seed's outcome: the identity and verdict fields of a {@linkcode ScenarioResult} (no
 * metrics, and only the failing assertions). On an error (a crash or hang) `passed` is false, `simulatedNs` and `events` are 0
 * and `fingerprint` is empty.
 */
export interface SeedResult extends
  Pick<
    ScenarioResult,
    | "scenario"
    | "seed"
    | "passed"
    | "simulatedNs"
    | "events"
    | "fingerprint"
    | "assertions"
    | "replay"
  > {
  /** Wall time of this seed, ms. */
  readonly wallMs: number;
  /** Set when the worker crashed or hung on this seed. */
  readonly error?: SeedError;
}

/** Totals over the seeds of a report. */
export interface SoakTotals {
  /** Seeds with an outcome. */
  readonly seeds: number;
  /** Seeds whose assertions all held. */
  readonly passed: number;
  /** Seeds with a failing assertion. */
  readonly failed: number;
  /** Seeds whose worker crashed or hung. */
  readonly errors: number;
  /** Simulated time over all seeds, ns. */
  readonly simulatedNs: number;
  /** Engine events over all seeds. */
  readonly events: number;
}

/** A soak's results, as `--json FILE` writes them. */
export interface SoakReport {
  /** Format tag. */
  readonly format: "microvisor-rig/soak@1";
  /** The scenario's name. */
  readonly scenario: string;
  /** The scenario file as given on the command line. */
  readonly file: string;
  /** Shards this report covers, e.g. `["1/2"]`; empty for an unsharded run. */
  readonly shards: readonly string[];
  /** Whether the run was stopped (Ctrl-C) before all its seeds ran. */
  readonly interrupted: boolean;
  /** Wall time of the run, ms (for merged reports, the longest shard). */
  readonly wallMs: number;
  /** Totals. */
  readonly totals: SoakTotals;
  /** One entry per seed, in seed order. */
  readonly results: readonly SeedResult[];
}

/**
 * Shrinks a full result to a seed entry: failing assertions only, no metrics.
 *
 * @param result A scenario run's result.
 * @param wallMs The run's wall time, ms.
 * @returns The entry.
 *
 * @example Usage
 * ```ts
 * import { compactResult } from "./soak_report.ts";
 * import assert from "node:assert/strict";
 * const entry = compactResult({
 *   scenario: "x", seed: 3, passed: true, simulatedNs: 10, events: 2, fingerprint: "ab",
 *   assertions: [], metrics: { big: [1, 2, 3] }, replay: "deno run x.ts --seed 3", board: "b",
 * }, 1.5);
 * assert.equal(entry.seed, 3);
 * assert.equal("metrics" in entry, false);
 * ```
 */
export function compactResult(result: ScenarioResult, wallMs: number): SeedResult {
  return {
    scenario: result.scenario,
    seed: result.seed,
    passed: result.passed,
    simulatedNs: result.simulatedNs,
    events: result.events,
    fingerprint: result.fingerprint,
    assertions: result.assertions.filter((a) => !a.passed),
    replay: result.replay,
    wallMs: Math.round(wallMs * 1000) / 1000,
  };
}

/**
 * Adds one seed to running totals.
 *
 * @param totals Totals so far.
 * @param seed The seed's outcome.
 * @returns The new totals.
 *
 * @example Usage
 * ```ts
 * import { addToTotals, emptyTotals } from "./soak_report.ts";
 * import assert from "node:assert/strict";
 * const t = addToTotals(emptyTotals(), {
 *   scenario: "x", seed: 1, passed: false, simulatedNs: 5, events: 1, fingerprint: "",
 *   assertions: [], replay: "", wallMs: 0,
 * });
 * assert.deepEqual([t.seeds, t.failed, t.simulatedNs], [1, 1, 5]);
 * ```
 */
export function addToTotals(totals: SoakTotals, seed: SeedResult): SoakTotals {
  return {
    seeds: totals.seeds + 1,
    passed: totals.passed + (seed.passed ? 1 : 0),
    failed: totals.failed + (!seed.passed && seed.error === undefined ? 1 : 0),
    errors: totals.errors + (seed.error === undefined ? 0 : 1),
    simulatedNs: totals.simulatedNs + seed.simulatedNs,
    events: totals.events + seed.events,
  };
}

/**
 * Totals of no seeds.
 *
 * @returns Zeros.
 *
 * @example Usage
 * ```ts
 * import { emptyTotals } from "./soak_report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(emptyTotals().seeds, 0);
 * ```
 */
export function emptyTotals(): SoakTotals {
  return { seeds: 0, passed: 0, failed: 0, errors: 0, simulatedNs: 0, events: 0 };
}

/** Bad input to {@linkcode mergeReports} or {@linkcode parseSoakReport}. */
export class SoakReportError extends Error {
  /**
   * Creates it.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "SoakReportError";
  }
}

/**
 * Checks that parsed JSON is a soak report.
 *
 * @param value Parsed JSON.
 * @param source Where it came from, for messages.
 * @returns The report.
 * @throws {SoakReportError} When it is not one.
 *
 * @example Usage
 * ```ts
 * import { parseSoakReport } from "./soak_report.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseSoakReport({ scenario: "x" }, "a.json"), /a.json is not a soak report/);
 * ```
 */
export function parseSoakReport(value: unknown, source: string): SoakReport {
  const report = value as Partial<SoakReport> | null;
  if (
    report === null || typeof report !== "object" || report.format !== "microvisor-rig/soak@1" ||
    typeof report.scenario !== "string" || !Array.isArray(report.results)
  ) {
    throw new SoakReportError(
      `${source} is not a soak report: expected the JSON that rig soak --json writes ` +
        `(format "microvisor-rig/soak@1")`,
    );
  }
  return report as SoakReport;
}

/**
 * Merges shard reports of one scenario into one report, by seed, with recomputed totals.
 *
 * @param reports The shard reports, with the file each came from (for messages).
 * @returns The merged report.
 * @throws {SoakReportError} For no input, different scenarios, or a seed found twice.
 *
 * @example Usage
 * ```ts
 * import { mergeReports, type SoakReport } from "./soak_report.ts";
 * import assert from "node:assert/strict";
 * const shard = (n: string, seeds: number[]): SoakReport => ({
 *   format: "microvisor-rig/soak@1", scenario: "x", file: "x.ts", shards: [n],
 *   interrupted: false, wallMs: 10,
 *   totals: { seeds: 0, passed: 0, failed: 0, errors: 0, simulatedNs: 0, events: 0 },
 *   results: seeds.map((seed) => ({
 *     scenario: "x", seed, passed: true, simulatedNs: 1, events: 1, fingerprint: "f",
 *     assertions: [], replay: "", wallMs: 1,
 *   })),
 * });
 * const merged = mergeReports([
 *   { source: "a.json", report: shard("1/2", [2, 4]) },
 *   { source: "b.json", report: shard("2/2", [1, 3]) },
 * ]);
 * assert.deepEqual(merged.results.map((r) => r.seed), [1, 2, 3, 4]);
 * assert.equal(merged.totals.passed, 4);
 * ```
 */
export function mergeReports(
  reports: readonly { source: string; report: SoakReport }[],
): SoakReport {
  if (reports.length === 0) throw new SoakReportError("Nothing to merge: give report files");
  const first = reports[0];
  const seen = new Map<number, string>();
  const results: SeedResult[] = [];
  for (const { source, report } of reports) {
    if (report.scenario !== first.report.scenario) {
      throw new SoakReportError(
        `Cannot merge ${source} (scenario "${report.scenario}") with ${first.source} ` +
          `(scenario "${first.report.scenario}"): merge one scenario's shards at a time`,
      );
    }
    for (const result of report.results) {
      const other = seen.get(result.seed);
      if (other !== undefined) {
        throw new SoakReportError(
          `Seed ${result.seed} is in both ${other} and ${source}: shards must not overlap ` +
            `(use --shard i/n with the same n and the same seed range)`,
        );
      }
      seen.set(result.seed, source);
      results.push(result);
    }
  }
  results.sort((a, b) => a.seed - b.seed);
  return {
    format: "microvisor-rig/soak@1",
    scenario: first.report.scenario,
    file: first.report.file,
    shards: reports.flatMap((r) => r.report.shards).sort(compareShards),
    interrupted: reports.some((r) => r.report.interrupted),
    wallMs: Math.max(...reports.map((r) => r.report.wallMs)),
    totals: results.reduce(addToTotals, emptyTotals()),
    results,
  };
}

function compareShards(a: string, b: string): number {
  const [ai, an] = a.split("/").map(Number);
  const [bi, bn] = b.split("/").map(Number);
  return an - bn || ai - bi;
}
