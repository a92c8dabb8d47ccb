/**
 * The fluent scenario builder. Each chained method records one step; `run()` builds the world,
 * runs it in virtual time and evaluates every assertion. Under `deno run FILE` it prints a
 * report and exits 0 (pass), 1 (failed assertions) or 2 (bad input); imported by a test file,
 * it registers a `Deno.test` case instead.
 *
 * @module
 */

import type { BoardSpec } from "../hw/board_spec.ts";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { Duration } from "../hw/time.ts";
import { formatDuration, toDuration } from "../hw/time.ts";
import type { GuestRecipe } from "../guests/recipe.ts";
import { type CostTable, costTables } from "../kernel/cost_model.ts";
import { FixedPriorityPolicy, type SchedulingPolicy } from "../kernel/scheduler.ts";
import type { KernelProfile } from "../kernel/profiles/profile.ts";
import { profileByName } from "../kernel/profiles/profile_names.ts";
import { Expectations, type Resolver } from "./expectations.ts";
import type { Assertion } from "./metric.ts";
import { emptyPlan, type Plan } from "./plan.ts";
import { displayPath, markRunStarted, runCli, underDenoTest } from "./scenario_cli.ts";
import { ScenarioError } from "./scenario_error.ts";
import { formatReport, type ScenarioResult, summarize } from "./scenario_result.ts";
import { ScriptVerbs } from "./script_verbs.ts";
import { type Scope, World } from "./world.ts";

/** Options of {@linkcode Scenario.run} and {@linkcode Scenario.execute}. */
export interface RunOptions {
  /** Simulated run length, e.g. `s(5)` or `"5s"`. */
  readonly for?: Duration | string;
  /** Seed; default the scenario's (1). */
  readonly seed?: number;
  /** Fail loudly after this many engine events. */
  readonly maxEvents?: number;
  /**
   * Called with the built world before it runs (exporters subscribe to its trace bus here).
   * Exporters never change the run: its fingerprint is the same with or without them.
   */
  readonly observe?: (world: World) => void;
  /**
   * A kernel profile, or its name (`--kernel NAME`), replacing the scenario's kernel choice
   * (profile and policy; a cost table it chose stays the base the profile derives from). A
   * name the scenario's own profile has keeps that profile's options (e.g. a PikeOS frame).
   */
  readonly kernel?: string | KernelProfile;
}

/** A scenario a module defined with its `run()` defaults (for soak workers and tools). */
export interface RegisteredScenario {
  /** The scenario. */
  readonly scenario: Scenario;
  /** Its `run()` options. */
  readonly options: RunOptions;
  /** The module URL of the file that called `run()`, when known. */
  readonly file?: string;
}

const registry: RegisteredScenario[] = [];

/**
 * The scenarios whose `run()` was called in this isolate, in order. A tool that imports a
 * scenario file (a soak worker, `rig list`) finds the scenario here.
 *
 * @returns The registered scenarios.
 *
 * @example Usage
 * ```ts
 * import { registeredScenarios } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Array.isArray(registeredScenarios()));
 * ```
 */
export function registeredScenarios(): readonly RegisteredScenario[] {
  return registry;
}

/** Options of {@linkcode Scenario.kernel}. */
export interface KernelOptions {
  /** Cost table: a name (`"handset"`, `"automotive"`, `"zero"`) or a table. */
  readonly costs?: "handset" | "automotive" | "zero" | CostTable;
  /** Round-robin slice among equal priorities. */
  readonly slice?: Duration | string;
  /** A scheduling policy factory (for other kernels' policies). */
  readonly policy?: () => SchedulingPolicy;
  /**
   * How this scenario configures other profiles when it runs on one of them by name
   * (`--kernel pikeos`, comparisons), e.g. `[profiles.pikeos({ frame })]`; the default kernel
   * stays as chosen.
   */
  readonly profiles?: readonly KernelProfile[];
}

/** The keys of {@linkcode RunOptions}, checked because `deno run` does not type-check. */
const RUN_KEYS = {
  for: true,
  seed: true,
  maxEvents: true,
  observe: true,
  kernel: true,
} as const satisfies OptionKeys<RunOptions>;

/** The keys of {@linkcode KernelOptions}. */
const KERNEL_KEYS = {
  costs: true,
  slice: true,
  policy: true,
  profiles: true,
} as const satisfies OptionKeys<KernelOptions>;

/** The keys of the options of {@linkcode Scenario.channel}. */
const CHANNEL_KEYS = {
  slots: true,
  maxBytes: true,
} as const satisfies OptionKeys<Parameters<Scenario["channel"]>[2]>;

/** The keys of the options of {@linkcode Scenario.section}. */
const SECTION_KEYS = {
  bytes: true,
  cells: true,
} as const satisfies OptionKeys<Parameters<Scenario["section"]>[1]>;

/** Timed runs of a scenario under `deno bench` (see {@linkcode Scenario.test}). */
export const BENCH_RUNS = 10;
/** Untimed runs before them, while V8 compiles the hot paths. */
export const BENCH_WARMUPS = 3;

/**
 * A scenario under construction.
 *
 * @example Usage
 * ```ts
 * import { scenario } from "./scenario.ts";
 * import { boards } from "../hw/boards.ts";
 * import { native } from "../guests/recipe.ts";
 * import { compute } from "../guests/program.ts";
 * import assert from "node:assert/strict";
 * const result = scenario("one busy cell")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }))
 *   .expect((r) => r.cpuShare("app").toBeAbove(0.9))
 *   .execute({ for: "10ms" });
 * assert.equal(result.passed, true);
 * ```
 */
export class Scenario {
  readonly #name: string;
  readonly #steps: ((plan: Plan) => void)[] = [];
  #defaultFor: Duration | string | undefined;
  #file: string | undefined;

  /**
   * Creates an empty scenario; prefer the `scenario()` function.
   *
   * @param name What the scenario shows.
   */
  constructor(name: string) {
    this.#name = name;
  }

  /** The scenario's name. */
  get name(): string {
    return this.#name;
  }

  /**
   * Sets the board.
   *
   * @param spec A board spec, e.g. `boards.handset()`.
   * @returns The scenario.
   */
  board(spec: BoardSpec): this {
    return this.#record((plan) => {
      plan.board = spec;
    });
  }

  /**
   * Chooses the kernel: a profile (`profiles.pikeos({ frame })`, `profiles.xen()`, …) or the
   * cost table and scheduling options of the default OKL4-style kernel.
   *
   * @param options A profile, or costs, slice, policy.
   * @returns The scenario.
   */
  kernel(options: KernelOptions | KernelProfile): this {
    return this.#record((plan) => {
      if ((options as KernelProfile).kind === "kernel-profile") {
        plan.profile = options as KernelProfile;
        plan.policy = undefined;
        return;
      }
      options = options as KernelOptions;
      checkOptionKeys(options, KERNEL_KEYS, { action: "Cannot choose the kernel" });
      if (options.profiles !== undefined) plan.variants.push(...options.profiles);
      const costs = options.costs;
      if (typeof costs === "string") {
        if (!(costs in costTables)) {
          throw new ScenarioError(
            `Unknown cost table "${costs}": valid tables are "handset", "automotive", "zero"`,
          );
        }
        plan.costs = costTables[costs];
      } else if (costs !== undefined) {
        plan.costs = costs;
      }
      if (options.policy !== undefined) plan.policy = options.policy;
      else if (options.slice !== undefined) {
        const sliceNs = toDuration(options.slice, "kernel slice");
        plan.policy = () => new FixedPriorityPolicy({ sliceNs });
      }
    });
  }

  /**
   * Loads a cell.
   *
   * @param name Unique cell name.
   * @param recipe What runs in it: `rtos(…)`, `richOs(…)`, `pinEntry(…)`, `manager(…)`,
   * `native(…)`.
   * @returns The scenario.
   */
  cell(name: string, recipe: GuestRecipe): this {
    return this.#record((plan) => {
      if (typeof name !== "string" || !/^[A-Za-z][\w.-]*$/.test(name)) {
        throw new ScenarioError(
          `Invalid cell name ${
            JSON.stringify(name)
          }: use letters, digits, "_", "-", "." and start with a letter`,
        );
      }
      if (plan.cells.some((c) => c.name === name)) {
        throw new ScenarioError(`Duplicate cell "${name}": cell names must be unique`);
      }
      if (recipe === null || typeof recipe !== "object" || !Array.isArray(recipe.vcpus)) {
        throw new ScenarioError(
          `Invalid recipe for cell "${name}": use rtos(), richOs(), pinEntry(), manager() or native()`,
        );
      }
      plan.cells.push({ name, recipe });
    });
  }

  /**
   * Adds an asynchronous channel from one cell to another.
   *
   * @param from Sender.
   * @param to Receiver.
   * @param options Queue slots and maximum message bytes (≤ 2048).
   * @returns The scenario.
   */
  channel(from: string, to: string, options: { slots: number; maxBytes: number }): this {
    return this.#record((plan) => {
      checkOptionKeys(options, CHANNEL_KEYS, { action: `Cannot add channel "${from}->${to}"` });
      if (plan.channels.some((c) => c.from === from && c.to === to)) {
        throw new ScenarioError(`Duplicate channel "${from}->${to}"`);
      }
      plan.channels.push({ from, to, slots: options.slots, maxBytes: options.maxBytes });
    });
  }

  /**
   * Lets a client cell call a server cell over a synchronous endpoint.
   *
   * @param client The caller.
   * @param server The server.
   * @returns The scenario.
   */
  endpoint(client: string, server: string): this {
    return this.#record((plan) => {
      plan.endpoints.push({ client, server });
    });
  }

  /**
   * Adds a shared memory section mapped into cells with rights.
   *
   * @param name Unique name.
   * @param options Size and rights per cell, e.g. `{ bytes: 8192, cells: { a: ["read", "write"] } }`.
   * @returns The scenario.
   */
  section(
    name: string,
    options: { bytes: number; cells: Readonly<Record<string, readonly string[]>> },
  ): this {
    return this.#record((plan) => {
      checkOptionKeys(options, SECTION_KEYS, { action: `Cannot add section "${name}"` });
      plan.sections.push({ name, bytes: options.bytes, cells: options.cells });
    });
  }

  /**
   * Gives a cell ownership of a device's IRQ line.
   *
   * @param cell The owner.
   * @param device The device.
   * @returns The scenario.
   */
  irq(cell: string, device: string): this {
    return this.#record((plan) => {
      plan.irqs.push({ cell, device });
    });
  }

  /**
   * Sets the default seed.
   *
   * @param seed A non-negative safe integer.
   * @returns The scenario.
   */
  seed(seed: number): this {
    return this.#record((plan) => {
      plan.seed = checkSeed(seed);
    });
  }

  /**
   * Scripts events.
   *
   * @param build Adds events with `at`, `after`, `every`, `poisson`, `step` and the verbs.
   * @returns The scenario.
   */
  script(build: (t: ScriptVerbs) => unknown): this {
    return this.#record((plan) => {
      build(new ScriptVerbs(plan));
    });
  }

  /**
   * Adds assertions, built before the run and evaluated after it.
   *
   * @param build Returns assertions over the metric handles `r`.
   * @returns The scenario.
   */
  expect(build: (r: Expectations) => Assertion[] | Assertion): this {
    return this.#record((plan) => {
      plan.expectations.push(build);
    });
  }

  /**
   * Runs the scenario in-process and returns its result (no printing, no exit).
   *
   * @param options Run length, seed, event limit.
   * @returns The result.
   * @throws {ScenarioError} For bad input, before any simulation runs.
   */
  execute(options: RunOptions = {}): ScenarioResult {
    return this.#execute(options, "deno run <scenario file>").result;
  }

  /**
   * Runs the scenario. Under `deno run FILE` it reads flags (`--seed`, `--for`, `--json`,
   * `--quiet`), prints a report and exits; imported elsewhere (e.g. by a test file), or under
   * `deno test FILE` or `deno bench FILE`, it registers a `Deno.test` and a `Deno.bench` case
   * (see {@linkcode Scenario.test}) and returns without running.
   *
   * @param options Default run length and seed (flags override them).
   * @returns The result under `deno run`; `undefined` when registered as a test.
   * @throws {ScenarioError} For an unknown option.
   */
  run(options: RunOptions = {}): Promise<ScenarioResult | undefined> {
    // Checked here as well as in the build: the CLI rebuilds the options from known flags.
    this.#checkRunOptions(options);
    const file = callerFile();
    this.#file = file;
    registry.push({ scenario: this, options, ...(file === undefined ? {} : { file }) });
    this.#defaultFor = options.for;
    markRunStarted();
    if (file !== undefined && file === Deno.mainModule) {
      if (file.includes("#")) return Promise.resolve(this.#runEmbedded(options));
      // `deno test FILE` on the scenario file itself registers the case below, as an import does.
      if (!underDenoTest()) return runCli(this, file, options);
    }
    try {
      this.test(options);
    } catch (error) {
      // Imported while a test is already running (a tool loading scenario files inside a
      // test): registering is not possible there, and the registry above still finds it.
      if (!(error instanceof TypeError && /Nested Deno\.test/.test(error.message))) throw error;
    }
    return Promise.resolve(undefined);
  }

  /** Runs inside a documentation test: prints the report, throws on failure, never exits. */
  #runEmbedded(options: RunOptions): ScenarioResult {
    const result = this.execute(options);
    console.log(formatReport(result, { color: false }));
    if (!result.passed) {
      throw new Error(`Scenario "${this.#name}" failed; replay: ${result.replay}`);
    }
    return result;
  }

  /**
   * Registers the scenario as a `Deno.test` case that fails with the report when an
   * assertion fails, and as a `Deno.bench` case that times whole runs (under `deno bench`,
   * {@linkcode BENCH_RUNS} timed runs after {@linkcode BENCH_WARMUPS} warm-ups; it fails the
   * same way). Each runner runs its own kind of case and ignores the other.
   *
   * @param options Run length and seed.
   */
  test(options: RunOptions = {}): void {
    const replayBase = this.#file === undefined
      ? "deno run <scenario file>"
      : `deno run ${displayPath(this.#file)}`;
    const check = () => {
      const result = this.#execute(options, replayBase).result;
      if (!result.passed) {
        const failed = result.assertions.filter((a) => !a.passed)
          .map((a) => `${a.name}: seen ${a.actual}`).join("\n  ");
        throw new Error(
          `Scenario "${this.#name}" failed (seed ${result.seed}):\n  ${failed}\nReplay: ${result.replay}`,
        );
      }
    };
    Deno.test(`scenario: ${this.#name}`, check);
    Deno.bench({
      name: `scenario: ${this.#name}`,
      n: BENCH_RUNS,
      warmup: BENCH_WARMUPS,
      fn: check,
    });
  }

  /**
   * Runs with a replay command for reports (used by the CLI).
   *
   * @param options Run options.
   * @param replayBase The command prefix that replays this file.
   * @returns The result and the world.
   */
  executeWithReplay(
    options: RunOptions,
    replayBase: string,
  ): { result: ScenarioResult; world: World } {
    return this.#execute(options, replayBase);
  }

  #execute(options: RunOptions, replayBase: string): { result: ScenarioResult; world: World } {
    const { world, assertions, seed, durationNs, plan } = asBadInput(() => this.#build(options));
    world.run();
    return this.#result(world, assertions, { seed, durationNs, plan, options, replayBase });
  }

  /** Rejects an unknown key in run options (a ScenarioError, as `run()` is outside a build). */
  #checkRunOptions(options: RunOptions): void {
    asBadInput(() =>
      checkOptionKeys(options, RUN_KEYS, { action: `Cannot run scenario "${this.#name}"` })
    );
  }

  /** Builds the plan and world; every error here is bad input (nothing has run yet). */
  #build(options: RunOptions) {
    this.#checkRunOptions(options);
    const plan = emptyPlan(this.#name);
    for (const step of this.#steps) step(plan);
    if (options.kernel !== undefined) applyKernel(plan, options.kernel);
    const seed = options.seed === undefined ? plan.seed : checkSeed(options.seed);
    if (options.for === undefined && plan.durationNs === undefined) {
      throw new ScenarioError(
        `Scenario "${this.#name}" has no run length: pass run({ for: s(5) }) or --for 5s`,
      );
    }
    const durationNs = options.for === undefined
      ? plan.durationNs!
      : toDuration(options.for, "run length");
    if (durationNs <= 0) {
      throw new ScenarioError(`Invalid run length ${options.for}: must be above 0`);
    }
    const built: { world?: World } = {};
    const scopes: Scope[] = [];
    const resolver: Resolver = {
      probes: (label) => built.world!.probes.get(label)!,
      world: () => built.world!,
    };
    const r = new Expectations(plan, { label: "run", from: 0, to: Infinity }, scopes, resolver);
    const assertions = plan.expectations.flatMap((build) => {
      const built = build(r);
      return Array.isArray(built) ? built : [built];
    });
    for (const assertion of assertions) {
      if (
        assertion === null || typeof assertion !== "object" ||
        typeof assertion.evaluate !== "function"
      ) {
        throw new ScenarioError(
          `Invalid expectation in "${this.#name}": expect() must return assertions such as r.deadlineMisses("x").toBe(0)`,
        );
      }
    }
    const world = new World(plan, { seed, durationNs, scopes, maxEvents: options.maxEvents });
    built.world = world;
    options.observe?.(world);
    return { world, assertions, seed, durationNs, plan };
  }

  #result(
    world: World,
    assertions: Assertion[],
    context: {
      seed: number;
      durationNs: number;
      plan: Plan;
      options: RunOptions;
      replayBase: string;
    },
  ): { result: ScenarioResult; world: World } {
    const { seed, durationNs, plan, replayBase } = context;
    const results = assertions.map((assertion) => assertion.evaluate());
    const spec = plan.board!;
    const defaultFor = this.#defaultFor === undefined
      ? undefined
      : toDuration(this.#defaultFor, "run length");
    const replay = `${replayBase} --seed ${seed}` +
      (defaultFor === durationNs ? "" : ` --for ${exactDuration(durationNs)}`) +
      (context.options.kernel === undefined ? "" : ` --kernel ${plan.profile!.name}`);
    const result: ScenarioResult = {
      scenario: this.#name,
      seed,
      passed: results.every((a) => a.passed),
      simulatedNs: world.engine.now,
      events: world.engine.events,
      fingerprint: world.fingerprint.hex(),
      assertions: results,
      metrics: summarize(world.probes.get("run")!, durationNs * world.board.cores.length),
      replay,
      board:
        `${spec.name} (${spec.cores.length} core${spec.cores.length > 1 ? "s" : ""} @ ${
          spec.cores[0].clockHz / 1e6
        } MHz), ` +
        `${(plan.costs ?? costTables[spec.costs ?? "handset"]).name} costs` +
        (plan.profile === undefined ? "" : `, ${plan.profile.name} kernel`),
    };
    return { result, world };
  }

  #record(step: (plan: Plan) => void): this {
    this.#steps.push(step);
    return this;
  }
}

/**
 * Starts a scenario.
 *
 * @param name What it shows.
 * @returns The builder.
 *
 * @example Usage
 * ```ts
 * import { scenario } from "./scenario.ts";
 * import assert from "node:assert/strict";
 * assert.equal(scenario("x").name, "x");
 * ```
 */
export function scenario(name: string): Scenario {
  return new Scenario(name);
}

/** Runs a build step, turning RangeError and TypeError (bad options, units) into ScenarioError. */
function asBadInput<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    if (
      error instanceof RangeError || error instanceof TypeError ||
      (error instanceof Error && (error.name === "BoardError" || error.name === "FootprintError"))
    ) {
      throw new ScenarioError((error as Error).message);
    }
    throw error;
  }
}

/** Replaces a plan's kernel choice with a profile or a profile's name. */
function applyKernel(plan: Plan, kernel: string | KernelProfile): void {
  if (typeof kernel !== "string") {
    plan.profile = kernel;
  } else if (plan.profile?.name !== kernel) {
    try {
      plan.profile = plan.variants.find((p) => p.name === kernel) ?? profileByName(kernel);
    } catch (error) {
      throw new ScenarioError((error as Error).message);
    }
  }
  plan.policy = undefined;
}

/** A duration as the shortest text that parses back to exactly the same nanoseconds. */
function exactDuration(ns: number): string {
  const text = formatDuration(ns);
  return toDuration(text, "duration") === ns ? text : `${ns}ns`;
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ScenarioError(`Invalid seed ${seed}: use a non-negative integer below 2^53`);
  }
  return seed;
}

/** The module URL of the first stack frame outside rigs/ (the scenario file). */
function callerFile(): string | undefined {
  const stack = new Error().stack ?? "";
  const here = new URL(".", import.meta.url).href;
  for (const line of stack.split("\n").slice(1)) {
    const match = /(file:\/\/[^\s)]+?):\d+:\d+/.exec(line);
    if (match !== null && !match[1].startsWith(here)) return match[1];
  }
  return undefined;
}
