/**
 * What `deno run scenario.ts [flags]` does: reads the flags, runs, prints the report, writes
 * the JSON results, and exits 0 (pass), 1 (failed assertions) or 2 (bad input).
 *
 * @module
 */

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { RunLimitError } from "../hw/engine.ts";
import { toDuration } from "../hw/time.ts";
import type { RunOptions, Scenario } from "./scenario.ts";
import { ScenarioError } from "./scenario_error.ts";
import { formatReport, type ScenarioResult } from "./scenario_result.ts";
import { junitXml } from "./exporters/junit.ts";
import type { Exporter } from "./exporters/exporter.ts";
import { openExporters } from "./exporters/output_files.ts";
import { parseTraceWindow, type TimeWindow } from "./exporters/trace_window.ts";

/** Exit codes of a scenario run. */
export const EXIT: Readonly<{ passed: 0; failed: 1; badInput: 2 }> = Object.freeze({
  passed: 0,
  failed: 1,
  badInput: 2,
});

const HELP = `Usage: deno run SCENARIO.ts [options]

Runs the scenario in virtual time, prints a report and exits 0 when every assertion holds,
1 when one fails, 2 on bad input.

Options:
  --seed N         run seed (default: the scenario's)
  --for DURATION   simulated run length, e.g. 5s, 250ms (default: the scenario's)
  --json FILE      write results as JSON (needs --allow-write)
  --junit FILE     write JUnit XML: one testsuite per run, one testcase per assertion
  --trace FILE     write a Chrome Trace Event JSON for ui.perfetto.dev
  --vcd FILE       write a value change dump for GTKWave
  --html FILE      write a self-contained HTML report (verdicts, timeline, plots)
  --trace-window A..B  limit --trace and --vcd to a window, e.g. 1.2s..1.3s
  --max-events N   stop with an error after N engine events
  --kernel NAME    run on a kernel profile: okl4 (default), sel4-mcs, pikeos, nova, xen, kvm
  --quiet          print only failures and the verdict line
  --help           show this help

Example:
  deno run --allow-write scenarios/demo.ts --seed 7 --for 2s --json results.json
  deno run --allow-write scenarios/demo.ts --trace run.json --trace-window 1s..1.1s`;

/** The output-file flags, in the order they are checked. */
const OUTPUT_FLAGS = ["json", "junit", "trace", "vcd", "html"] as const;

/** Parsed flags. */
export interface CliFlags {
  /** Run options from flags over the scenario's defaults. */
  readonly run: RunOptions;
  /** JSON output file. */
  readonly json?: string;
  /** JUnit XML output file. */
  readonly junit?: string;
  /** Chrome Trace Event JSON output file. */
  readonly trace?: string;
  /** VCD output file. */
  readonly vcd?: string;
  /** HTML report output file. */
  readonly html?: string;
  /** Window of virtual time for the trace and VCD. */
  readonly traceWindow?: TimeWindow;
  /** Quiet output. */
  readonly quiet: boolean;
  /** Show help. */
  readonly help: boolean;
}

/**
 * Parses scenario flags.
 *
 * @param args Command-line arguments after the file.
 * @param defaults The scenario's `run()` options.
 * @returns The flags.
 * @throws {ScenarioError} For an unknown flag or a bad value.
 *
 * @example Usage
 * ```ts
 * import { parseScenarioFlags } from "./scenario_cli.ts";
 * import assert from "node:assert/strict";
 * const flags = parseScenarioFlags(["--seed", "7", "--for", "2s"], {});
 * assert.equal(flags.run.seed, 7);
 * assert.equal(flags.run.for, 2_000_000_000);
 * assert.throws(() => parseScenarioFlags(["--sed", "7"], {}), /Unknown option "--sed"/);
 * ```
 */
export function parseScenarioFlags(args: readonly string[], defaults: RunOptions): CliFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        seed: { type: "string" },
        for: { type: "string" },
        json: { type: "string" },
        junit: { type: "string" },
        trace: { type: "string" },
        vcd: { type: "string" },
        html: { type: "string" },
        "trace-window": { type: "string" },
        "max-events": { type: "string" },
        kernel: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown !== null) {
      throw new ScenarioError(
        `Unknown option "${
          unknown[1]
        }": valid options are --seed, --for, --json, --junit, --trace, --vcd, --html, ` +
          `--trace-window, --max-events, --kernel, --quiet, --help`,
      );
    }
    throw new ScenarioError(`Bad arguments: ${message}`);
  }
  const seed = values.seed === undefined ? defaults.seed : parseInteger(values.seed, "--seed");
  let duration = defaults.for;
  if (values.for !== undefined) {
    try {
      duration = toDuration(values.for, "--for");
    } catch (error) {
      throw new ScenarioError(`Invalid --for: ${(error as Error).message}`);
    }
  }
  const maxEvents = values["max-events"] === undefined
    ? defaults.maxEvents
    : parseInteger(values["max-events"], "--max-events");
  let traceWindow: TimeWindow | undefined;
  if (values["trace-window"] !== undefined) {
    try {
      traceWindow = parseTraceWindow(values["trace-window"]);
    } catch (error) {
      throw new ScenarioError(`Invalid --trace-window: ${(error as Error).message}`);
    }
  }
  return {
    run: { for: duration, seed, maxEvents, kernel: values.kernel ?? defaults.kernel },
    json: values.json,
    junit: values.junit,
    trace: values.trace,
    vcd: values.vcd,
    html: values.html,
    traceWindow,
    quiet: values.quiet === true,
    help: values.help === true,
  };
}

function parseInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ScenarioError(`Invalid ${flag} "${text}": use a non-negative integer`);
  }
  return Number(text);
}

/**
 * Runs a scenario as a command: flags, report, JSON, exit code.
 *
 * @param scenario The scenario.
 * @param file Its module URL.
 * @param defaults Its `run()` options.
 * @returns The result (the process exits before the promise settles).
 */
export async function runCli(
  scenario: Scenario,
  file: string,
  defaults: RunOptions,
): Promise<ScenarioResult | undefined> {
  const script = displayPath(file);
  const color = Deno.stdout.isTerminal() && !Deno.noColor;
  let flags: CliFlags;
  try {
    flags = parseScenarioFlags(Deno.args, defaults);
  } catch (error) {
    return fail(error, script);
  }
  if (flags.help) {
    console.log(HELP.replaceAll("SCENARIO.ts", script));
    Deno.exit(EXIT.passed);
  }
  for (const flag of OUTPUT_FLAGS) {
    const path = flags[flag];
    if (path === undefined) continue;
    const state = Deno.permissions.querySync({ name: "write", path }).state;
    if (state !== "granted") {
      console.error(
        `Cannot write "${path}" for --${flag}: writing output files needs write permission; ` +
          `run deno run --allow-write ${script} ${Deno.args.join(" ")}`,
      );
      Deno.exit(EXIT.badInput);
    }
  }
  if (flags.traceWindow !== undefined && flags.trace === undefined && flags.vcd === undefined) {
    return fail(new ScenarioError("--trace-window needs --trace FILE or --vcd FILE"), script);
  }
  for (const flag of OUTPUT_FLAGS) {
    const path = flags[flag];
    const problem = path === undefined ? undefined : outputProblem(path, flag);
    if (problem !== undefined) {
      console.error(`error: ${cannotWrite(flag, path!, problem)}`);
      Deno.exit(EXIT.badInput);
    }
  }
  const exporters: { flag: OutputFlag; exporter: Exporter }[] = [];
  for (const flag of ["trace", "vcd", "html"] as const) {
    const path = flags[flag];
    if (path === undefined) continue;
    try {
      const [exporter] = openExporters({ [flag]: path, window: flags.traceWindow });
      exporters.push({ flag, exporter });
    } catch (error) {
      console.error(`error: ${cannotWrite(flag, path, writeProblem(error, path, flag))}`);
      Deno.exit(EXIT.badInput);
    }
  }
  const run = exporters.length === 0 ? flags.run : {
    ...flags.run,
    observe: (world: Parameters<NonNullable<RunOptions["observe"]>>[0]) => {
      for (const { exporter } of exporters) exporter.observe(world);
    },
  };
  const started = performance.now();
  let result: ScenarioResult;
  try {
    result = scenario.executeWithReplay(run, `deno run ${script}`).result;
  } catch (error) {
    if (error instanceof RunLimitError) {
      // The run failed (not bad input): say why and how to replay it, without a stack trace.
      console.error(`error: ${error.message}`);
      console.error(`Replay: deno run ${script} ${Deno.args.join(" ")}`.trimEnd());
      Deno.exit(EXIT.failed);
    }
    return fail(error, script);
  }
  const wallMs = performance.now() - started;
  // A file that cannot be written after all (the disk filled, the directory went away) loses
  // only that file: the report still prints, then each failure, and the exit code is 2.
  const failures: string[] = [];
  const write = async (flag: OutputFlag, path: string, action: () => void | Promise<void>) => {
    try {
      await action();
    } catch (error) {
      failures.push(cannotWrite(flag, path, writeProblem(error, path, flag)));
    }
  };
  for (const { flag, exporter } of exporters) {
    await write(flag, flags[flag]!, () => exporter.finish(result));
  }
  if (flags.json !== undefined) {
    const text = JSON.stringify(result, null, 2) + "\n";
    await write("json", flags.json, () => Deno.writeTextFile(flags.json!, text));
  }
  if (flags.junit !== undefined) {
    const xml = junitXml([result], { wallSeconds: [wallMs / 1000] });
    await write("junit", flags.junit, () => Deno.writeTextFile(flags.junit!, xml));
  }
  const report = formatReport(result, { color, wallMs });
  if (flags.quiet) {
    const lines = report.split("\n").filter((line) => /✗|FAILED|PASSED|Replay/.test(line));
    console.log(lines.join("\n"));
  } else {
    console.log(report);
  }
  for (const failure of failures) console.error(`error: ${failure}`);
  if (failures.length > 0) Deno.exit(EXIT.badInput);
  Deno.exit(result.passed ? EXIT.passed : EXIT.failed);
}

/** An output-file flag. */
type OutputFlag = typeof OUTPUT_FLAGS[number];

/** A file name for each output flag, to suggest when a directory was given. */
const EXAMPLE_FILES: Readonly<Record<OutputFlag, string>> = {
  json: "results.json",
  junit: "junit.xml",
  trace: "trace.json",
  vcd: "run.vcd",
  html: "report.html",
};

function cannotWrite(flag: OutputFlag, path: string, problem: string): string {
  return `Cannot write "${path}" for --${flag}: ${problem}`;
}

/**
 * Why an output file cannot be written, found before the run without changing anything: a
 * new file is created and removed again, an existing one is opened for writing and closed.
 *
 * @returns The problem, or `undefined` when the file can be written.
 */
function outputProblem(path: string, flag: OutputFlag): string | undefined {
  try {
    Deno.openSync(path, { write: true, createNew: true }).close();
    Deno.removeSync(path);
    return undefined;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) return writeProblem(error, path, flag);
  }
  try {
    Deno.openSync(path, { write: true }).close();
    return undefined;
  } catch (error) {
    return writeProblem(error, path, flag);
  }
}

/** A failed write as the user can act on it: which part of the path is wrong. */
function writeProblem(error: unknown, path: string, flag: OutputFlag): string {
  const parent = dirname(path);
  if (error instanceof Deno.errors.NotFound) return `directory "${parent}" does not exist`;
  if (error instanceof Deno.errors.NotADirectory) return `"${parent}" is not a directory`;
  if (error instanceof Deno.errors.IsADirectory) {
    return `it is a directory; give a file path such as "${join(path, EXAMPLE_FILES[flag])}"`;
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied by the system";
  return error instanceof Error ? error.message : String(error);
}

function fail(error: unknown, script: string): never {
  if (error instanceof ScenarioError) {
    console.error(`error: ${error.message}`);
    console.error(`(run deno run ${script} --help for usage)`);
    Deno.exit(EXIT.badInput);
  }
  throw error;
}

/** The scenario file relative to the working directory when it is below it. */
/**
 * A scenario file's path as a user types it: relative to the working directory when below it.
 *
 * @param file The module URL.
 * @returns The path.
 *
 * @example Usage
 * ```ts
 * import { displayPath } from "./scenario_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(displayPath(`file://${Deno.cwd()}/scenarios/demo.ts`), "scenarios/demo.ts");
 * ```
 */
export function displayPath(file: string): string {
  const path = decodeURIComponent(new URL(file).pathname);
  const cwd = Deno.cwd();
  return path.startsWith(cwd + "/") ? path.slice(cwd.length + 1) : path;
}

let runStarted = false;

/** Marks that a scenario's run began: later uncaught errors are bugs, not bad input. */
export function markRunStarted(): void {
  runStarted = true;
}

/**
 * Whether an uncaught error means bad scenario input: a ScenarioError anywhere, or a
 * RangeError/TypeError thrown while the scenario file was still being evaluated (a guest
 * factory rejecting an option) before any run started.
 *
 * @param error The uncaught value.
 * @returns Whether to report it as bad input (exit 2).
 *
 * @example Usage
 * ```ts
 * import { isBadInput } from "./scenario_cli.ts";
 * import { ScenarioError } from "./scenario_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isBadInput(new ScenarioError("x")), true);
 * assert.equal(isBadInput(new Error("bug")), false);
 * ```
 */
export function isBadInput(error: unknown): error is Error {
  if (error instanceof ScenarioError) return true;
  if (error instanceof Error && (error.name === "BoardError" || error.name === "FootprintError")) {
    return true;
  }
  return !runStarted && (error instanceof RangeError || error instanceof TypeError);
}

/**
 * Whether `deno test` runs this isolate, so a scenario file that is the main module registers a
 * `Deno.test` case instead of running and exiting. The module's own `import.meta.main` tells
 * (true under `deno run FILE`, false under `deno test FILE`), but only inside that module, and
 * `Deno.mainModule` is the file under both; what differs outside it is `Deno.test` itself:
 * outside `deno test` it is a no-op without parameters, named `noopTest`. Anything else that
 * takes no parameters counts as not under `deno test`, so `deno run` keeps running. (`deno bench`
 * gives the same `Deno.test` as `deno test` and cannot be told apart: a scenario registers a
 * `Deno.bench` case beside its test case, and each runner runs only its own kind.)
 *
 * @returns True under `deno test` (and `deno bench`), false under `deno run`, `deno eval`.
 *
 * @example Usage
 * ```ts
 * import { underDenoTest } from "./scenario_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof underDenoTest(), "boolean");
 * ```
 */
export function underDenoTest(): boolean {
  const test: { readonly name: string; readonly length: number } = Deno.test;
  return test.name !== "noopTest" && test.length > 0;
}

/** Under `deno run FILE`, bad input thrown while the file loads exits 2 with its message. */
function installBadInputHandler(): void {
  const main = Deno.mainModule;
  if (
    main.includes("#") || /[._]test\.[cm]?[jt]sx?$/.test(main) || underDenoTest() ||
    !("addEventListener" in globalThis)
  ) {
    return;
  }
  const handle = (event: Event, error: unknown) => {
    if (!isBadInput(error)) return;
    event.preventDefault();
    console.error(`error: ${error.message}`);
    Deno.exit(EXIT.badInput);
  };
  globalThis.addEventListener("error", (event) => handle(event, (event as ErrorEvent).error));
  globalThis.addEventListener("unhandledrejection", (event) => handle(event, event.reason));
}

installBadInputHandler();
