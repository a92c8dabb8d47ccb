/**
 * The `rig` command (`deno task rig …`): `run`, `soak`, `replay`, `merge` and `list`, built
 * with commander. Bad arguments print a clear message and give exit code 2, never a stack
 * trace; `--help` on every command shows examples.
 *
 * Exit codes: 0 every seed or scenario passed, 1 one failed, 2 bad input, 130 a soak stopped
 * by Ctrl-C (its results so far are still written).
 *
 * @module
 */

import { Command, CommanderError, InvalidArgumentError } from "commander";
import { parseDuration } from "../../hw/time.ts";
import { compareKernels, comparisonHtml, formatComparison } from "../compare.ts";
import { profileNames } from "../../kernel/profiles/profile_names.ts";
import { ScenarioError } from "../scenario_error.ts";
import { formatReport, type ScenarioResult } from "../scenario_result.ts";
import { describeFailure, toJunit } from "./junit.ts";
import { displayPath, LoadError, loadScenarios, pickScenario } from "./load_scenario.ts";
import { listScenarios } from "./scenario_list.ts";
import { countSeeds, parseShard, SeedPlanError } from "./seed_plan.ts";
import { soak, SoakFatalError } from "./soak_pool.ts";
import { SoakProgress } from "./soak_progress.ts";
import {
  mergeReports,
  parseSoakReport,
  type SeedResult,
  type SoakReport,
  SoakReportError,
} from "./soak_report.ts";

/** Exit codes of `rig`. */
export const RIG_EXIT: Readonly<{
  passed: 0;
  failed: 1;
  badInput: 2;
  interrupted: 130;
}> = Object.freeze({ passed: 0, failed: 1, badInput: 2, interrupted: 130 });

/** Where `rig` prints. */
export interface RigIo {
  /** Normal output. */
  out(text: string): void;
  /** Errors. */
  err(text: string): void;
}

const consoleIo: RigIo = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
};

/** A usage problem found after parsing; printed without a stack, exit code 2. */
class UsageError extends Error {}

const FAILURES_SHOWN = 20;

function integer(min: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
      throw new InvalidArgumentError(
        min === 0 ? "Use a non-negative integer." : `Use an integer >= ${min}.`,
      );
    }
    return Number(text);
  };
}

function durationMs(text: string): number {
  try {
    const ns = parseDuration(text);
    if (ns <= 0) throw new RangeError("must be above 0");
    return ns / 1e6;
  } catch {
    throw new InvalidArgumentError("Use a duration such as 60s, 30min or 8h.");
  }
}

function simDuration(text: string): string {
  try {
    if (parseDuration(text) <= 0) throw new RangeError("must be above 0");
    return text;
  } catch {
    throw new InvalidArgumentError("Use a simulated duration such as 50ms, 5s or 24h.");
  }
}

function shard(text: string) {
  try {
    return parseShard(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

async function writeText(path: string, text: string, io: RigIo, what: string): Promise<void> {
  try {
    await Deno.writeTextFile(path, text);
  } catch (error) {
    throw new UsageError(`Cannot write ${what} to "${path}": ${(error as Error).message}`);
  }
  io.out(`Wrote ${what} to ${path}`);
}

function failureLines(result: SeedResult): string {
  const head = result.error === undefined ? "FAILED" : result.error.kind.toUpperCase();
  return `✗ seed ${result.seed} ${head}: ` +
    describeFailure(result).split("\n").join("\n    ");
}

function summaryLine(report: SoakReport): string {
  const t = report.totals;
  return `${report.interrupted ? "INTERRUPTED" : t.failed + t.errors > 0 ? "FAILED" : "PASSED"}: ` +
    `${t.seeds} seeds, ${t.passed} passed, ${t.failed} failed, ${t.errors} errors ` +
    `(crash or hang) — "${report.scenario}"${
      report.shards.length > 0 ? `, shards ${report.shards.join(",")}` : ""
    }`;
}

async function writeReports(
  report: SoakReport,
  options: { json?: string; junit?: string },
  io: RigIo,
): Promise<void> {
  if (options.json !== undefined) {
    await writeText(options.json, JSON.stringify(report, null, 2) + "\n", io, "JSON results");
  }
  if (options.junit !== undefined) {
    await writeText(options.junit, toJunit(report), io, "JUnit XML");
  }
}

function showFailures(report: SoakReport, io: RigIo): void {
  const failing = report.results.filter((r) => !r.passed);
  for (const result of failing.slice(0, FAILURES_SHOWN)) io.out(failureLines(result));
  if (failing.length > FAILURES_SHOWN) {
    io.out(`… and ${failing.length - FAILURES_SHOWN} more failing seeds (see --json/--junit)`);
  }
}

interface SoakFlags {
  seeds?: number;
  seedFrom: number;
  forWall?: number;
  for?: string;
  workers?: number;
  seedTimeout: number;
  shard?: { index: number; count: number };
  json?: string;
  junit?: string;
  scenario?: string;
  maxEvents?: number;
  progress?: "bar" | "lines" | "none";
}

async function soakCommand(file: string, flags: SoakFlags, io: RigIo): Promise<number> {
  if (flags.seeds === undefined && flags.forWall === undefined) {
    throw new UsageError(
      "rig soak needs --seeds N (how many seeds) or --for-wall DURATION (run until the wall " +
        "time is up), e.g. rig soak scenarios/demo.ts --seeds 1000",
    );
  }
  // Load once here: a missing file or a file with no scenario fails before any worker starts.
  pickScenario(await loadScenarios(file), file, flags.scenario);
  const controller = new AbortController();
  const seeds = { from: flags.seedFrom, count: flags.seeds, shard: flags.shard };
  const progress = new SoakProgress({
    mode: flags.progress,
    planned: countSeeds(seeds),
    forWallMs: flags.forWall,
    print: io.out,
  });
  const onSigint = () => {
    if (controller.signal.aborted) Deno.exit(RIG_EXIT.interrupted);
    progress.log("Interrupted: stopping the workers and writing the results gathered so far");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  let outcome;
  try {
    outcome = await soak({
      file,
      scenario: flags.scenario,
      seeds,
      forWallMs: flags.forWall,
      workers: flags.workers,
      seedTimeoutMs: flags.seedTimeout,
      for: flags.for,
      maxEvents: flags.maxEvents,
      keepResults: flags.json !== undefined || flags.junit !== undefined,
      signal: controller.signal,
      onReady: (name) => progress.log(`soak: "${name}" (${displayPath(file)})`),
      onSeed: (result, totals) => {
        if (!result.passed) progress.log(failureLines(result));
        progress.update(totals);
      },
    });
  } finally {
    progress.stop();
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  const { report } = outcome;
  io.out(summaryLine(report));
  const failing = report.totals.failed + report.totals.errors;
  if (failing > 0) {
    const seeds = report.results.filter((r) => !r.passed).map((r) => r.seed);
    io.out(
      `Failing seeds: ${seeds.slice(0, 50).join(", ")}${seeds.length > 50 ? ", …" : ""}`,
    );
    io.out(`Replay one: ${report.results.find((r) => !r.passed)?.replay}`);
  }
  await writeReports(report, flags, io);
  if (report.interrupted) return RIG_EXIT.interrupted;
  return failing > 0 ? RIG_EXIT.failed : RIG_EXIT.passed;
}

async function runOne(
  file: string,
  flags: { seed?: number; for?: string; scenario?: string; quiet?: boolean; maxEvents?: number },
  io: RigIo,
): Promise<ScenarioResult[]> {
  const found = await loadScenarios(file);
  const chosen = flags.scenario === undefined ? found : [pickScenario(found, file, flags.scenario)];
  const results: ScenarioResult[] = [];
  const color = Deno.stdout.isTerminal() && !Deno.noColor;
  for (const { scenario, options } of chosen) {
    const started = performance.now();
    const run = {
      ...options,
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      ...(flags.for === undefined ? {} : { for: flags.for }),
      ...(flags.maxEvents === undefined ? {} : { maxEvents: flags.maxEvents }),
    };
    const { result } = scenario.executeWithReplay(run, `deno run ${displayPath(file)}`);
    const report = formatReport(result, { color, wallMs: performance.now() - started });
    io.out(
      flags.quiet === true
        ? report.split("\n").filter((l) => /✗|FAILED|PASSED|Replay|^scenario:/.test(l)).join(
          "\n",
        )
        : report,
    );
    results.push(result);
  }
  return results;
}

/**
 * Builds the `rig` command. Actions store their exit code in `exit.code`.
 *
 * @param io Where to print.
 * @param exit Receives the exit code of the action that ran.
 * @returns The commander program.
 *
 * @example Usage
 * ```ts
 * import { rigProgram } from "./rig_program.ts";
 * import assert from "node:assert/strict";
 * const program = rigProgram({ out: () => {}, err: () => {} }, { code: 0 });
 * assert.deepEqual(program.commands.map((c) => c.name()), [
 *   "run",
 *   "soak",
 *   "replay",
 *   "merge",
 *   "compare",
 *   "list",
 * ]);
 * ```
 */
export function rigProgram(io: RigIo, exit: { code: number }): Command {
  const program = new Command("rig")
    .description(
      "Runs, soaks, replays and merges microvisor-rig scenarios (deno task rig COMMAND).",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, "")),
      writeErr: (text) => io.err(text.replace(/\n$/, "")),
    })
    .showHelpAfterError("(add --help for usage and examples)")
    .addHelpText(
      "after",
      `
Examples:
  deno task rig list
  deno task rig run scenarios/demo.ts
  deno task rig soak scenarios/demo.ts --seeds 1000 --junit soak.xml
  deno task rig replay scenarios/demo.ts --seed 7
  deno task rig merge shard-*.json --json soak.json --junit soak.xml
  deno task rig compare scenarios/hypervisor_shootout.ts --kernels okl4,pikeos,xen,kvm

Exit codes: 0 passed, 1 a seed or scenario failed, 2 bad input, 130 interrupted (Ctrl-C).`,
    );

  program.command("run")
    .description("Runs each scenario file in-process and prints its report.")
    .argument("<files...>", "scenario files")
    .option("--seed <n>", "run seed (default: each scenario's)", integer(0))
    .option("--for <duration>", "simulated run length, e.g. 5s", simDuration)
    .option("--max-events <n>", "stop with an error after N engine events", integer(1))
    .option("--scenario <name>", "only the scenario of this name (files defining several)")
    .option("--quiet", "print only failures and verdicts")
    .addHelpText(
      "after",
      `
Exits 1 if any scenario failed.

Examples:
  deno task rig run scenarios/demo.ts
  deno task rig run scenarios/*.ts --for 1s --quiet`,
    )
    .action(async (files: string[], flags) => {
      let failed = false;
      for (const file of files) {
        for (const result of await runOne(file, flags, io)) failed ||= !result.passed;
      }
      exit.code = failed ? RIG_EXIT.failed : RIG_EXIT.passed;
    });

  program.command("soak")
    .description(
      "Runs a scenario for many seeds on a pool of worker processes, with progress, failing " +
        "seeds' replay commands, and JSON/JUnit results.",
    )
    .argument("<file>", "scenario file")
    .option("--seeds <n>", "how many seeds to run", integer(1))
    .option("--seed-from <n>", "first seed", integer(0), 1)
    .option(
      "--for-wall <duration>",
      "keep starting seeds until this wall time is up, e.g. 8h",
      durationMs,
    )
    .option("--for <duration>", "simulated run length of each seed, e.g. 50ms", simDuration)
    .option("--workers <n>", "worker processes (default: number of CPUs)", integer(1))
    .option(
      "--seed-timeout <duration>",
      "a seed with no result after this wall time is a hang",
      durationMs,
      60_000,
    )
    .option("--shard <i/n>", "run only shard i of n: seed k is in shard (k mod n)+1", shard)
    .option("--json <file>", "write totals and one entry per seed")
    .option("--junit <file>", "write JUnit XML, one testcase per seed")
    .option("--scenario <name>", "the scenario to soak, when the file defines several")
    .option("--max-events <n>", "engine event limit of each seed", integer(1))
    .option("--progress <mode>", "bar, lines or none (default: bar on a terminal, else lines)")
    .addHelpText(
      "after",
      `
Seeds run are --seed-from .. --seed-from+N-1 (or from --seed-from on until --for-wall is up).
A worker that crashes or hangs (--seed-timeout) fails that seed and is replaced. Ctrl-C stops
cleanly and still writes --json/--junit with the seeds finished so far (exit 130).

Examples:
  deno task rig soak scenarios/demo.ts --seeds 1000
  deno task rig soak scenarios/demo.ts --seed-from 5000 --seeds 200 --workers 4 --json soak.json
  deno task rig soak scenarios/demo.ts --for-wall 8h --junit nightly.xml
  deno task rig soak scenarios/demo.ts --seeds 10000 --shard 3/8 --json shard-3.json`,
    )
    .action(async (file: string, flags: SoakFlags) => {
      if (
        flags.progress !== undefined && !["bar", "lines", "none"].includes(flags.progress)
      ) {
        throw new UsageError(
          `Invalid --progress "${flags.progress}": valid modes are bar, lines, none`,
        );
      }
      exit.code = await soakCommand(file, flags, io);
    });

  program.command("replay")
    .description("Reruns one seed and prints its report (same as deno run FILE --seed S).")
    .argument("<file>", "scenario file")
    .requiredOption("--seed <n>", "the seed to replay", integer(0))
    .option("--for <duration>", "simulated run length, e.g. 5s", simDuration)
    .option("--max-events <n>", "stop with an error after N engine events", integer(1))
    .option("--scenario <name>", "the scenario, when the file defines several")
    .addHelpText(
      "after",
      `
Examples:
  deno task rig replay scenarios/demo.ts --seed 7
  deno task rig replay scenarios/demo.ts --seed 7 --for 2s`,
    )
    .action(async (file: string, flags) => {
      const results = await runOne(file, flags, io);
      exit.code = results.every((r) => r.passed) ? RIG_EXIT.passed : RIG_EXIT.failed;
    });

  program.command("merge")
    .description(
      "Merges shard results (rig soak --json) into one JSON and one JUnit report with the " +
        "totals of an unsharded run.",
    )
    .argument("<reports...>", "JSON files written by rig soak --json")
    .option("--json <file>", "write the merged JSON")
    .option("--junit <file>", "write the merged JUnit XML")
    .addHelpText(
      "after",
      `
Exits 1 if any seed failed, 2 if the inputs are not soak reports of one scenario or overlap.

Examples:
  deno task rig merge shard-1.json shard-2.json --json soak.json --junit soak.xml`,
    )
    .action(async (files: string[], flags: { json?: string; junit?: string }) => {
      const reports = [];
      for (const source of files) {
        let text;
        try {
          text = await Deno.readTextFile(source);
        } catch (error) {
          throw new UsageError(`Cannot read "${source}": ${(error as Error).message}`);
        }
        let value;
        try {
          value = JSON.parse(text);
        } catch {
          throw new UsageError(`"${source}" is not JSON: give files written by rig soak --json`);
        }
        reports.push({ source, report: parseSoakReport(value, source) });
      }
      const merged = mergeReports(reports);
      showFailures(merged, io);
      io.out(summaryLine(merged));
      await writeReports(merged, flags, io);
      exit.code = merged.totals.failed + merged.totals.errors > 0
        ? RIG_EXIT.failed
        : RIG_EXIT.passed;
    });

  program.command("compare")
    .description(
      "Runs a scenario file on several kernel profiles with the same seed and prints one table.",
    )
    .argument("<file>", "scenario file")
    .option(
      "--kernels <names>",
      `comma-separated profiles (default all: ${profileNames.join(",")})`,
      (text: string) => {
        const names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
        const unknown = names.filter((n) => !profileNames.includes(n));
        if (names.length === 0 || unknown.length > 0) {
          throw new InvalidArgumentError(
            `unknown kernel ${unknown.map((n) => `"${n}"`).join(", ") || "(none given)"}; ` +
              `valid kernels are ${profileNames.join(", ")}`,
          );
        }
        return names;
      },
    )
    .option("--seed <n>", "run seed (default: the scenario's)", integer(0))
    .option("--for <duration>", "simulated run length, e.g. 2s", simDuration)
    .option("--json <file>", "write the rows as JSON")
    .option("--html <file>", "write the table as a self-contained HTML page")
    .addHelpText(
      "after",
      `
Exits 1 if a kernel could not run the scenario (an ERROR row).

Examples:
  deno task rig compare scenarios/hypervisor_shootout.ts --kernels okl4,pikeos,xen,kvm
  deno task rig compare scenarios/demo.ts --for 1s --json compare.json --html compare.html`,
    )
    .action(async (file: string, flags) => {
      const rows = await compareKernels(file, flags.kernels ?? profileNames, {
        seed: flags.seed,
        for: flags.for,
      });
      io.out(formatComparison(rows));
      if (flags.json !== undefined) {
        await writeText(flags.json, JSON.stringify(rows, null, 2) + "\n", io, "the rows");
      }
      if (flags.html !== undefined) {
        await writeText(flags.html, comparisonHtml(rows), io, "the table");
      }
      exit.code = rows.some((row) => row.verdict === "ERROR") ? RIG_EXIT.failed : RIG_EXIT.passed;
    });

  program.command("list")
    .description("Lists the scenario files of a folder with the first sentence of their header.")
    .argument("[dir]", "folder", "scenarios")
    .addHelpText(
      "after",
      `
Examples:
  deno task rig list
  deno task rig list tests/rigs/cli/fixtures`,
    )
    .action(async (dir: string) => {
      let listed;
      try {
        listed = await listScenarios(dir);
      } catch (error) {
        throw new UsageError(`Cannot list "${dir}": ${(error as Error).message}`);
      }
      const width = Math.max(0, ...listed.map((s) => s.file.length));
      for (const s of listed) io.out(`${s.file.padEnd(width)}  ${s.summary}`.trimEnd());
      if (listed.length === 0) io.out(`No scenario files in ${dir}`);
      exit.code = RIG_EXIT.passed;
    });

  return program;
}

/**
 * Runs `rig` with arguments and returns its exit code (never exits, never throws for bad
 * input).
 *
 * @param args The arguments after `rig`.
 * @param io Where to print; default the console.
 * @returns The exit code.
 *
 * @example Usage
 * ```ts
 * import { rig } from "./rig_program.ts";
 * import assert from "node:assert/strict";
 * const errors: string[] = [];
 * const code = await rig(["soak"], { out: () => {}, err: (t) => errors.push(t) });
 * assert.equal(code, 2);
 * assert.match(errors.join("\n"), /missing required argument 'file'/);
 * ```
 */
export async function rig(args: readonly string[], io: RigIo = consoleIo): Promise<number> {
  const exit = { code: RIG_EXIT.passed as number };
  const program = rigProgram(io, exit);
  try {
    await program.parseAsync([...args], { from: "user" });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
        return RIG_EXIT.passed;
      }
      return RIG_EXIT.badInput;
    }
    if (
      error instanceof UsageError || error instanceof LoadError ||
      error instanceof SeedPlanError || error instanceof SoakFatalError ||
      error instanceof SoakReportError || error instanceof ScenarioError
    ) {
      io.err(`error: ${error.message}`);
      return RIG_EXIT.badInput;
    }
    throw error;
  }
}
