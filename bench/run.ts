/**
 * Runs the benchmarks: every `bench/*_bench.ts` module, in name order, each measuring one
 * group of figures in a fresh Deno process of its own, so that what V8 learned while
 * measuring one group (the types at a shared call site, its compiled code) cannot slow down
 * or speed up the next. Prints a table (name, value, unit, target, result) and, with
 * `--json FILE`, writes the same figures as one flat JSON object of name to number.
 *
 * ```sh
 * deno task bench                       # every group
 * deno task bench --only engine         # one group
 * deno task bench --json figures.json   # also write the figures
 * ```
 *
 * Exits 0 when every figure meets its target, 1 when one misses it, 2 on bad arguments or a
 * malformed bench module.
 *
 * To add figures, add a `bench/NAME_bench.ts` that exports `name`, `figures` and `measure`
 * as described by `BenchModule` in `bench/_bench_module.ts`; nothing here changes.
 *
 * @module
 */

import type { BenchModule, FigureSpec } from "./_bench_module.ts";

const USAGE = "Usage: deno task bench [--only GROUP] [--json FILE]";

/**
 * The argument that makes this file measure one group in this process and print its figures
 * as one line starting with {@linkcode FIGURES_PREFIX}: how the parent runs each group.
 */
const CHILD_FLAG = "--measure-in-this-process";
const FIGURES_PREFIX = "bench-figures ";

/** A usage or configuration problem: printed without a stack, exit code 2. */
class UsageError extends Error {}

interface Arguments {
  only?: string;
  json?: string;
}

function parseArguments(args: readonly string[]): Arguments | "help" {
  const parsed: Arguments = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return "help";
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag !== "--only" && flag !== "--json") {
      throw new UsageError(`Unknown argument "${arg}": valid options are --only and --json`);
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
      throw new UsageError(`Option ${flag} needs a value, e.g. ${flag} ${flagExample(flag)}`);
    }
    const key = flag === "--only" ? "only" : "json";
    if (parsed[key] !== undefined) {
      throw new UsageError(`Option ${flag} given twice: "${parsed[key]}" and "${value}"`);
    }
    parsed[key] = value;
  }
  return parsed;
}

function flagExample(flag: string): string {
  return flag === "--only" ? "engine" : "figures.json";
}

async function loadModules(): Promise<BenchModule[]> {
  const folder = new URL(".", import.meta.url);
  const files: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isFile && entry.name.endsWith("_bench.ts") && !entry.name.startsWith("_")) {
      files.push(entry.name);
    }
  }
  files.sort();
  const modules: BenchModule[] = [];
  const owners = new Map<string, string>();
  for (const file of files) {
    const module = await import(new URL(file, folder).href) as Partial<BenchModule>;
    if (
      typeof module.name !== "string" || typeof module.measure !== "function" ||
      typeof module.figures !== "object" || module.figures === null
    ) {
      throw new UsageError(
        `Cannot load bench/${file}: it must export name (string), figures (object) and ` +
          `measure (function)`,
      );
    }
    for (const figure of Object.keys(module.figures)) {
      const owner = owners.get(figure);
      if (owner !== undefined) {
        throw new UsageError(
          `Cannot load bench/${file}: figure "${figure}" is already measured by bench/${owner}`,
        );
      }
      owners.set(figure, file);
    }
    modules.push(module as BenchModule);
  }
  return modules;
}

function formatValue(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1000) {
    return Math.round(value).toLocaleString("en-US");
  }
  // 264.2, not 264.200: at most three decimals, no trailing zeros.
  return value.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

function formatTarget(spec: FigureSpec): string {
  const parts: string[] = [];
  if (spec.atLeast !== undefined) parts.push(`>= ${formatValue(spec.atLeast)}`);
  if (spec.atMost !== undefined) parts.push(`<= ${formatValue(spec.atMost)}`);
  return parts.join(", ");
}

function meets(value: number, spec: FigureSpec): boolean | undefined {
  if (spec.atLeast === undefined && spec.atMost === undefined) return undefined;
  return (spec.atLeast === undefined || value >= spec.atLeast) &&
    (spec.atMost === undefined || value <= spec.atMost);
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd());
    if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
  }
}

async function main(args: readonly string[]): Promise<number> {
  const parsed = parseArguments(args);
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  let modules = await loadModules();
  if (parsed.only !== undefined) {
    const names = modules.map((module) => module.name);
    modules = modules.filter((module) => module.name === parsed.only);
    if (modules.length === 0) {
      throw new UsageError(
        `Unknown bench group "${parsed.only}": valid groups are ${names.join(", ")}`,
      );
    }
  }
  const figures: Record<string, number> = {};
  const rows = [["figure", "value", "unit", "target", "result"]];
  let failed = 0;
  for (const [index, module] of modules.entries()) {
    console.error(`[${index + 1}/${modules.length}] measuring ${module.name} ...`);
    const measured = await measureInChild(module.name);
    for (const [figure, spec] of Object.entries(module.figures)) {
      const value = measured[figure];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new Error(`Bench group "${module.name}" returned ${value} for figure "${figure}"`);
      }
      figures[figure] = value;
      const verdict = meets(value, spec);
      if (verdict === false) failed++;
      rows.push([
        figure,
        formatValue(value),
        spec.unit,
        formatTarget(spec),
        verdict === undefined ? "-" : verdict ? "pass" : "FAIL",
      ]);
    }
  }
  printTable(rows);
  if (parsed.json !== undefined) {
    await Deno.writeTextFile(parsed.json, JSON.stringify(figures, null, 2) + "\n");
    console.log(`Wrote ${Object.keys(figures).length} figures to ${parsed.json}`);
  }
  if (failed > 0) console.log(`${failed} figure(s) missed their target`);
  return failed > 0 ? 1 : 0;
}

/**
 * Measures one group in a fresh process running this file with {@linkcode CHILD_FLAG}, with
 * the permissions `deno task bench` grants, and returns its figures.
 */
async function measureInChild(group: string): Promise<Record<string, number>> {
  const root = new URL("..", import.meta.url);
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "--allow-sys",
      new URL("run.ts", import.meta.url).href,
      CHILD_FLAG,
      group,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(stdout).split("\n");
  const line = lines.find((text) => text.startsWith(FIGURES_PREFIX));
  if (code !== 0 || line === undefined) {
    throw new Error(
      `Bench group "${group}" failed in its process (exit code ${code}); its output:\n` +
        lines.join("\n"),
    );
  }
  return JSON.parse(line.slice(FIGURES_PREFIX.length));
}

/** The child's side of {@linkcode measureInChild}. */
async function measureHere(group: string | undefined): Promise<number> {
  const module = (await loadModules()).find((candidate) => candidate.name === group);
  if (module === undefined) throw new UsageError(`Unknown bench group "${group}"`);
  console.log(FIGURES_PREFIX + JSON.stringify(await module.measure()));
  return 0;
}

try {
  Deno.exit(
    Deno.args[0] === CHILD_FLAG ? await measureHere(Deno.args[1]) : await main(Deno.args),
  );
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  Deno.exit(2);
}
