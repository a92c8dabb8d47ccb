/**
 * The result of one scenario run (the `--json` schema) and its readable report.
 *
 * @module
 */

import { formatDuration } from "../hw/time.ts";
import type { AssertionResult } from "./metric.ts";
import type { ProbeSet } from "./probe_set.ts";

/** One scenario run's results; `--json FILE` writes exactly this. */
export interface ScenarioResult {
  /** The scenario's name. */
  readonly scenario: string;
  /** The seed. */
  readonly seed: number;
  /** Whether every assertion held. */
  readonly passed: boolean;
  /** Simulated time, ns. */
  readonly simulatedNs: number;
  /** Engine events run. */
  readonly events: number;
  /** The run's 64-bit trace fingerprint (16 hex digits). */
  readonly fingerprint: string;
  /** Every assertion, in order. */
  readonly assertions: readonly AssertionResult[];
  /** Summary metrics of the whole run. */
  readonly metrics: Record<string, unknown>;
  /** The command that replays this run. */
  readonly replay: string;
  /** Board and kernel of the run. */
  readonly board: string;
}

/**
 * Summarises a probe set as plain JSON.
 *
 * @param probes The whole-run probes.
 * @param capacityNs Simulated time × cores, for CPU shares.
 * @returns Metrics by name.
 *
 * @example Usage
 * ```ts
 * import { summarize } from "./scenario_result.ts";
 * import { ProbeSet } from "./probe_set.ts";
 * import assert from "node:assert/strict";
 * const summary = summarize(new ProbeSet("run", 0, 1_000), 1_000);
 * assert.deepEqual(summary.deadlineMisses, {});
 * ```
 */
export function summarize(probes: ProbeSet, capacityNs: number): Record<string, unknown> {
  const map = <V, R>(m: Map<string, V>, f: (v: V) => R) =>
    Object.fromEntries(
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, f(v)]),
    );
  const share = (ns: number) => Number((ns / Math.max(1, capacityNs)).toFixed(6));
  return {
    deadlineMisses: map(probes.misses, (v) => v),
    taskMisses: map(probes.taskMisses, (v) => v),
    responseTimeNs: map(probes.response, (h) => h.toJSON()),
    irqLatencyNs: map(probes.irqLatency, (h) => h.toJSON()),
    cpuShare: map(probes.cpuNs, share),
    kernelShare: share(probes.kernelNs),
    ipc: map(probes.channels, (c) => ({
      sent: c.sent,
      received: c.received,
      bytes: c.bytes,
      maxDepth: c.maxDepth,
      latencyNs: c.latency.toJSON(),
    })),
    roundTripNs: probes.roundTrip.toJSON(),
    refusedHypercalls: map(probes.hypercallErrors, (v) => v),
    refusedByKind: map(probes.errorKinds, (v) => v),
    faults: map(probes.faults, (v) => v),
    attacks: {
      run: probes.attacks.run,
      blocked: probes.attacks.blocked,
      leakedBytes: probes.attacks.leakedBytes,
      byName: map(probes.attacks.names, (v) => (v ? "blocked" : "NOT BLOCKED")),
    },
    commands: { ...probes.commands },
    fota: map(probes.fota, (f) => ({ ...f })),
    wipes: map(probes.wipes, (w) => ({ ...w })),
  };
}

const GREEN = "\x1b[32m", RED = "\x1b[31m", DIM = "\x1b[2m", BOLD = "\x1b[1m", RESET = "\x1b[0m";

/**
 * Formats a result as a readable report.
 *
 * @param result The result.
 * @param options Colour, and the wall time to show (not part of the result).
 * @returns Lines of text.
 *
 * @example Usage
 * ```ts
 * import { formatReport } from "./scenario_result.ts";
 * import assert from "node:assert/strict";
 * const text = formatReport({
 *   scenario: "demo", seed: 1, passed: true, simulatedNs: 1e9, events: 10, fingerprint: "00",
 *   assertions: [], metrics: {}, replay: "deno run demo.ts --seed 1", board: "handset",
 * }, { color: false });
 * assert.match(text, /PASSED/);
 * ```
 */
export function formatReport(
  result: ScenarioResult,
  options: { color: boolean; wallMs?: number },
): string {
  const c = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  const lines: string[] = [];
  lines.push(c(BOLD, `scenario: ${result.scenario}`));
  const wall = options.wallMs === undefined
    ? ""
    : ` in ${(options.wallMs / 1000).toFixed(2)}s wall (${
      (result.simulatedNs / 1e6 / Math.max(options.wallMs, 1e-3)).toFixed(0)
    }x real time)`;
  lines.push(
    c(
      DIM,
      `${result.board}, seed ${result.seed}: simulated ${
        formatDuration(result.simulatedNs)
      }${wall}, ` +
        `${result.events.toLocaleString("en-US")} events, fingerprint ${result.fingerprint}`,
    ),
  );
  const width = Math.min(70, Math.max(20, ...result.assertions.map((a) => a.name.length)));
  for (const a of result.assertions) {
    const mark = a.passed ? c(GREEN, "  ✓") : c(RED, "  ✗");
    const at = !a.passed && a.at >= 0 ? `  (worst at ${formatDuration(a.at)})` : "";
    lines.push(`${mark} ${a.name.padEnd(width)}  seen ${a.actual}${at}`);
  }
  const failed = result.assertions.filter((a) => !a.passed).length;
  if (failed === 0) {
    lines.push(c(GREEN, `PASSED: ${count(result.assertions.length, "assertion")}`));
  } else {
    lines.push(
      c(RED, `FAILED: ${failed} of ${result.assertions.length} assertions (seed ${result.seed})`),
    );
    lines.push(`Replay: ${result.replay}`);
  }
  return lines.join("\n");
}

/** A count and a noun, plural unless the count is 1: "1 assertion", "9 assertions". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
