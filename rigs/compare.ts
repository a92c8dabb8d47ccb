/**
 * Runs the same scenario, with the same seed, on several kernel profiles and tabulates what
 * differs: verdict, deadline misses, IRQ latency per line, IPC round trip, FOTA downtime,
 * kernel CPU share, footprint and trusted code. `rig compare FILE --kernels okl4,pikeos,xen`
 * calls {@linkcode compareKernels} and prints {@linkcode formatComparison}; the rows are plain
 * JSON.
 *
 * @module
 */

import { formatDuration } from "../hw/time.ts";
import type { Duration } from "../hw/time.ts";
import type { KernelProfile } from "../kernel/profiles/profile.ts";
import { trustedBytes, trustedLoc } from "../kernel/profiles/profile.ts";
import { profileByName, profileNames } from "../kernel/profiles/profile_names.ts";
import { type RegisteredScenario, registeredScenarios, type Scenario } from "./scenario.ts";
import { ScenarioError } from "./scenario_error.ts";

/** IRQ latency of one line on one kernel. */
export interface LineLatency {
  /** Deliveries measured. */
  readonly count: number;
  /** 99th percentile, ns. */
  readonly p99Ns: number;
  /** Maximum, ns. */
  readonly maxNs: number;
}

/** One scenario on one kernel. */
export interface ComparisonRow {
  /** The scenario's name. */
  readonly scenario: string;
  /** The profile's name, e.g. `"xen"`. */
  readonly kernel: string;
  /** The profile's long name. */
  readonly title: string;
  /** The seed (the same for every kernel). */
  readonly seed: number;
  /** `"PASS"`, `"FAIL"`, or `"ERROR"` when the run could not be built or ran into a limit. */
  readonly verdict: "PASS" | "FAIL" | "ERROR";
  /** Assertions that failed. */
  readonly failedAssertions: readonly string[];
  /** The error message when the verdict is ERROR. */
  readonly error?: string;
  /** Deadline misses over every cell. */
  readonly deadlineMisses: number;
  /** Deadline misses per cell. */
  readonly deadlineMissesByCell: Readonly<Record<string, number>>;
  /** IRQ latency per line (vIRQ name) seen. */
  readonly irqLatency: Readonly<Record<string, LineLatency>>;
  /** Call/reply round trip p99, ns; `null` without calls. */
  readonly roundTripP99Ns: number | null;
  /** The longest FOTA service gap, ns; `null` without a FOTA switch-over. */
  readonly fotaDowntimeNs: number | null;
  /** Kernel CPU share of all core time, 0..1. */
  readonly kernelShare: number;
  /** Kernel footprint (image and objects) for this configuration, bytes. */
  readonly footprintBytes: number;
  /** Whether the kernel lives in on-chip SRAM. */
  readonly onChip: boolean;
  /** Trusted code in lines; `null` when a part has no figure. */
  readonly trustedLoc: number | null;
  /** Memory of the trusted base, bytes. */
  readonly trustedBytes: number;
  /** The run's fingerprint. */
  readonly fingerprint: string;
}

/** Options of {@linkcode compareKernels}. */
export interface CompareOptions {
  /** Run length; default the scenario's. */
  readonly for?: Duration | string;
  /** Seed; default the scenario's. */
  readonly seed?: number;
  /** Engine event limit per run. */
  readonly maxEvents?: number;
}

/** Kernels compared when none are named: every profile. */
export const ALL_KERNELS: readonly string[] = profileNames;

/**
 * Runs one scenario on each kernel (same seed) and returns one row per kernel. A kernel named
 * like the scenario's own profile keeps that profile's options (e.g. its PikeOS frame).
 *
 * @param target The scenario.
 * @param kernels Profile names or profiles; default every profile.
 * @param options Run length, seed, event limit.
 * @returns The rows, in the order of `kernels`.
 * @throws {ScenarioError} For an unknown kernel name.
 *
 * @example Usage
 * ```ts
 * import { compareScenario } from "./compare.ts";
 * import { scenario } from "./scenario.ts";
 * import { boards } from "../hw/boards.ts";
 * import { native } from "../guests/recipe.ts";
 * import { compute } from "../guests/program.ts";
 * import assert from "node:assert/strict";
 * const busy = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }));
 * const rows = compareScenario(busy, ["okl4", "xen"], { for: "20ms" });
 * assert.deepEqual(rows.map((row) => row.kernel), ["okl4", "xen"]);
 * assert.ok(rows[1].trustedBytes > rows[0].trustedBytes);
 * ```
 */
export function compareScenario(
  target: Scenario,
  kernels: readonly (string | KernelProfile)[] = ALL_KERNELS,
  options: CompareOptions = {},
): ComparisonRow[] {
  for (const kernel of kernels) {
    if (typeof kernel === "string" && !profileNames.includes(kernel)) {
      try {
        profileByName(kernel);
      } catch (error) {
        throw new ScenarioError((error as Error).message);
      }
    }
  }
  return kernels.map((kernel) => runOne(target, kernel, options));
}

/**
 * Compares kernels on a scenario, or on every scenario a file defines (the scenarios whose
 * `run()` the file calls when imported). This is what `rig compare FILE --kernels …` calls.
 *
 * @param target A scenario, or a scenario file (path or URL).
 * @param kernels Profile names or profiles; default every profile.
 * @param options Run length, seed, event limit.
 * @returns One row per scenario and kernel.
 * @throws {ScenarioError} For an unknown kernel or a file that defines no scenario.
 *
 * @example Usage
 * ```ts
 * import { compareKernels } from "./compare.ts";
 * import { scenario } from "./scenario.ts";
 * import { boards } from "../hw/boards.ts";
 * import { native } from "../guests/recipe.ts";
 * import { compute } from "../guests/program.ts";
 * import assert from "node:assert/strict";
 * const busy = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }));
 * const rows = await compareKernels(busy, ["okl4", "kvm"], { for: "20ms" });
 * assert.equal(rows.length, 2);
 * ```
 */
export async function compareKernels(
  target: string | URL | Scenario,
  kernels: readonly (string | KernelProfile)[] = ALL_KERNELS,
  options: CompareOptions = {},
): Promise<ComparisonRow[]> {
  if (typeof target !== "string" && !(target instanceof URL)) {
    return compareScenario(target, kernels, options);
  }
  const found = await scenariosOf(target);
  return found.flatMap(({ scenario, options: defaults }) =>
    compareScenario(scenario, kernels, {
      for: options.for ?? defaults.for,
      seed: options.seed ?? defaults.seed,
      maxEvents: options.maxEvents ?? defaults.maxEvents,
    })
  );
}

async function scenariosOf(file: string | URL): Promise<RegisteredScenario[]> {
  const url = file instanceof URL
    ? file.href
    : /^[a-z]+:/.test(file)
    ? file
    : new URL(file, `file://${Deno.cwd()}/`).href;
  await import(url);
  const found = registeredScenarios().filter((r) => r.file === url);
  if (found.length === 0) {
    throw new ScenarioError(
      `No scenario in "${file}": a scenario file calls scenario(…)….run() at its top level`,
    );
  }
  return [...found];
}

function runOne(
  target: Scenario,
  kernel: string | KernelProfile,
  options: CompareOptions,
): ComparisonRow {
  const name = typeof kernel === "string" ? kernel : kernel.name;
  try {
    const { result, world } = target.executeWithReplay(
      { for: options.for, seed: options.seed, maxEvents: options.maxEvents, kernel },
      "deno run <scenario>",
    );
    const profile = world.plan.profile!;
    const metrics = result.metrics as {
      deadlineMisses: Record<string, number>;
      irqLatencyNs: Record<string, { count: number; p99: number; max: number }>;
      roundTripNs: { count: number; p99: number };
      kernelShare: number;
      fota: Record<string, { outcome: string; downtimeNs: number }>;
    };
    const switched = Object.values(metrics.fota).filter((f) => f.outcome === "switched");
    const footprint = world.kernel.footprint();
    return {
      scenario: result.scenario,
      kernel: profile.name,
      title: profile.title,
      seed: result.seed,
      verdict: result.passed ? "PASS" : "FAIL",
      failedAssertions: result.assertions.filter((a) => !a.passed).map((a) => a.name),
      deadlineMisses: Object.values(metrics.deadlineMisses).reduce((sum, n) => sum + n, 0),
      deadlineMissesByCell: metrics.deadlineMisses,
      irqLatency: Object.fromEntries(
        Object.entries(metrics.irqLatencyNs).map((
          [line, h],
        ) => [line, { count: h.count, p99Ns: h.p99, maxNs: h.max }]),
      ),
      roundTripP99Ns: metrics.roundTripNs.count > 0 ? metrics.roundTripNs.p99 : null,
      fotaDowntimeNs: switched.length > 0 ? Math.max(...switched.map((f) => f.downtimeNs)) : null,
      kernelShare: metrics.kernelShare,
      footprintBytes: footprint.totalBytes,
      onChip: footprint.placement === "sram",
      trustedLoc: trustedLoc(profile) ?? null,
      trustedBytes: trustedBytes(profile),
      fingerprint: result.fingerprint,
    };
  } catch (error) {
    if (error instanceof ScenarioError && /Unknown kernel/.test(error.message)) throw error;
    const profile = typeof kernel === "string" ? undefined : kernel;
    return {
      scenario: target.name,
      kernel: name,
      title: profile?.title ?? name,
      seed: options.seed ?? -1,
      verdict: "ERROR",
      failedAssertions: [],
      error: (error as Error).message,
      deadlineMisses: 0,
      deadlineMissesByCell: {},
      irqLatency: {},
      roundTripP99Ns: null,
      fotaDowntimeNs: null,
      kernelShare: 0,
      footprintBytes: 0,
      onChip: false,
      trustedLoc: null,
      trustedBytes: 0,
      fingerprint: "",
    };
  }
}

/**
 * Formats rows as one text table per scenario: a column per measure, a row per kernel, IRQ
 * latency as p99/max per line.
 *
 * @param rows The rows.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { compareScenario, formatComparison } from "./compare.ts";
 * import { scenario } from "./scenario.ts";
 * import { boards } from "../hw/boards.ts";
 * import { native } from "../guests/recipe.ts";
 * import { compute } from "../guests/program.ts";
 * import assert from "node:assert/strict";
 * const busy = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }));
 * const text = formatComparison(compareScenario(busy, ["okl4", "pikeos"], { for: "5ms" }));
 * assert.match(text, /okl4 +PASS/);
 * assert.match(text, /pikeos +PASS/);
 * ```
 */
export function formatComparison(rows: readonly ComparisonRow[]): string {
  const out: string[] = [];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  for (const name of scenarios) {
    const group = rows.filter((row) => row.scenario === name);
    const lines = [...new Set(group.flatMap((row) => Object.keys(row.irqLatency)))].sort();
    const header = [
      "kernel",
      "verdict",
      "misses",
      ...lines.map((line) => `irq ${line} p99/max`),
      "ipc rtt p99",
      "fota gap",
      "kernel cpu",
      "footprint",
      "trusted code",
    ];
    const body = group.map((row) => [
      row.kernel,
      row.verdict,
      row.verdict === "ERROR" ? "-" : String(row.deadlineMisses),
      ...lines.map((line) => {
        const l = row.irqLatency[line];
        return l === undefined ? "-" : `${formatDuration(l.p99Ns)}/${formatDuration(l.maxNs)}`;
      }),
      row.roundTripP99Ns === null ? "-" : formatDuration(row.roundTripP99Ns),
      row.fotaDowntimeNs === null ? "-" : formatDuration(row.fotaDowntimeNs),
      row.verdict === "ERROR" ? "-" : `${(row.kernelShare * 100).toFixed(2)}%`,
      row.verdict === "ERROR"
        ? "-"
        : `${formatBytes(row.footprintBytes)} ${row.onChip ? "SRAM" : "DRAM"}`,
      `${row.trustedLoc === null ? "?" : `${Number((row.trustedLoc / 1000).toFixed(1))} kLoC`}, ${
        formatBytes(row.trustedBytes)
      }`,
    ]);
    const widths = header.map((h, i) =>
      Math.max(h.length, ...body.map((cells) => cells[i].length))
    );
    const format = (cells: readonly string[]) =>
      cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
    out.push(`scenario: ${name} (seed ${group[0].seed})`);
    out.push(format(header));
    out.push(widths.map((w) => "-".repeat(w)).join("  "));
    for (const cells of body) out.push(format(cells));
    for (const row of group) {
      if (row.verdict === "ERROR") out.push(`  ${row.kernel}: ${row.error}`);
    }
  }
  return out.join("\n");
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/**
 * The comparison as one self-contained HTML page (a table per scenario, no scripts, no
 * network), for `rig compare --html FILE`.
 *
 * @param rows Rows from {@linkcode compareKernels}.
 * @returns The page.
 *
 * @example Usage
 * ```ts
 * import { comparisonHtml, compareScenario } from "./compare.ts";
 * import { scenario } from "./scenario.ts";
 * import { boards } from "../hw/boards.ts";
 * import { native } from "../guests/recipe.ts";
 * import { compute } from "../guests/program.ts";
 * import assert from "node:assert/strict";
 * const busy = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }));
 * const page = comparisonHtml(compareScenario(busy, ["okl4", "xen"], { for: "5ms" }));
 * assert.match(page, /<td>xen<\/td>/);
 * ```
 */
export function comparisonHtml(rows: readonly ComparisonRow[]): string {
  const escape = (text: string) =>
    text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const tables = formatComparison(rows).split(/\n(?=scenario: )/).map((block) => {
    const [title, header, , ...body] = block.split("\n");
    const cells = (line: string) => line.split(/ {2,}/).map((cell) => cell.trim());
    const head = cells(header).map((h) => `<th>${escape(h)}</th>`).join("");
    const rowsHtml = body.filter((line) => !line.startsWith("  ")).map((line) =>
      `<tr>${cells(line).map((c) => `<td>${escape(c)}</td>`).join("")}</tr>`
    ).join("\n");
    return `<h2>${
      escape(title)
    }</h2>\n<table><thead><tr>${head}</tr></thead>\n<tbody>${rowsHtml}</tbody></table>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microvisor-rig: kernel comparison</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f3f3f3}</style>
</head><body><h1>Kernel comparison</h1>
${tables.join("\n")}
</body></html>
`;
}
