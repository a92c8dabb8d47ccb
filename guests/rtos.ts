/**
 * A small RTOS kernel as a guest: periodic and sporadic (IRQ-released) tasks under its own
 * fixed-priority preemptive scheduler, running on one vCPU of a cell. Tasks progress only while
 * that vCPU runs, so a higher-priority cell on the same core delays them: hierarchical
 * scheduling is real, not modelled.
 *
 * How it works. The RTOS enables virtual interrupts and runs the highest-priority released job
 * with `compute(remainingCycles)`. A vIRQ cuts the compute short; the RTOS saves the remaining
 * cycles, handles the vIRQs (the timer: releases due jobs; a device IRQ: releases the bound
 * sporadic task and acknowledges the line), charges its own costs with `compute()`, and picks
 * again. With nothing released it blocks in `wait()`. It reads the time with `now()`.
 *
 * Two timer modes:
 *
 * - **Tickless** (`tickNs: 0`): at every scheduling point the RTOS programs its virtual timer to
 *   fire at the next event: the next release of any task, or the earliest deadline of an
 *   unfinished job not yet flagged as missed. Releases then happen exactly at
 *   `epoch + offset + k × period (+ jitter)`, and misses are recorded exactly at the deadline.
 *   With the zero cost model this reproduces response-time analysis to the nanosecond. With a
 *   non-zero cost model each expiry comes late by the cost of the `timer` hypercall that armed
 *   it (the guest cannot know it).
 * - **Tick** (`tickNs` > 0, default 1 ms): a periodic tick; releases and deadline checks happen
 *   at the first scheduling point (tick, IRQ or job end) at or after their time. Periods and
 *   offsets that are multiples of the tick keep releases exact.
 *
 * The epoch is the RTOS's first `now()` after it boots (0 when it boots at time 0 with the zero
 * cost model). A job's arrival is `epoch + offset + k × period` (periodic) or the RTOS's
 * `now()` when it handled the IRQ (sporadic); its release adds the drawn jitter; its absolute
 * deadline is arrival + deadline. Response time = finish − arrival. A job that has not finished
 * at its deadline has missed it: `task.miss` is recorded at the first scheduling point at or
 * after the deadline (exactly at it in tickless mode), or at its finish if that comes first
 * (tick mode). A job finishing exactly at its deadline has not missed. Late jobs are not
 * aborted; they finish, and later jobs of the task wait for them.
 *
 * Trace records (instrumentation, no virtual time), source = the cell:
 * `task.release` {task, job, arrival, release, deadline},
 * `task.start` {task, job, release},
 * `task.preempt` {task, job, by, byJob},
 * `task.finish` {task, job, responseNs, deadlineNs (relative), missed},
 * `task.miss` {task, job, release, deadline (absolute)}.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { CellImage } from "../kernel/objects/cell.ts";
import { rtosProgram } from "./_rtos_kernel.ts";
import { checkTask, TASK_KEYS } from "./_rtos_task.ts";
import type { GuestRecipe } from "./recipe.ts";

/** How long one job of a task executes. */
export type TaskExecution =
  | {
    /** Drawn uniformly, per job, in whole ns from [minNs, maxNs]. */
    readonly kind: "uniform";
    /** Shortest execution, ns. */
    readonly minNs: number;
    /** Longest execution, ns. */
    readonly maxNs: number;
  }
  | {
    /** Always the same. */
    readonly kind: "fixed";
    /** Execution, ns. */
    readonly ns: number;
  };

/** A section of a job run with virtual interrupts disabled (it cannot be preempted in the RTOS). */
export interface CriticalSection {
  /**
   * A section starts every `everyNs` of the job's execution (at 0, everyNs, 2 × everyNs, …);
   * omitted: one section at the start of each job.
   */
  readonly everyNs?: number;
  /** Cycles per section; they are part of the job's execution, capped at what remains. */
  readonly cycles: number;
}

/** One task of an RTOS, made by {@linkcode task}. */
export interface TaskSpec {
  /** Unique name within the RTOS. */
  readonly name: string;
  /** Period in ns, for a periodic task. */
  readonly period?: number;
  /** Device whose vIRQ releases one job per delivered edge, for a sporadic task. */
  readonly irq?: string;
  /**
   * Channel (e.g. `"android->baseband"`) whose messages release this sporadic task: the
   * RTOS's interrupt handler receives every queued message (each a charged receive) and
   * releases one job per message.
   */
  readonly channel?: string;
  /** Worst-case (and actual) execution time in ns; or give `execution`. */
  readonly wcet?: number;
  /** Execution time distribution, drawn from `ctx.random("task.NAME")`. */
  readonly execution?: TaskExecution;
  /** Relative deadline in ns; default the period (or `minInterarrival`); may be shorter. */
  readonly deadline?: number;
  /** Priority within the RTOS; higher wins. Ties go to the earlier release. */
  readonly priority: number;
  /** First arrival after the epoch, ns (periodic); default 0. */
  readonly offset?: number;
  /** Release jitter: each release comes a whole number of ns in [0, jitter] after arrival. */
  readonly jitter?: number;
  /** Optional non-preemptible sections. */
  readonly criticalSection?: CriticalSection;
  /**
   * Minimum interarrival of a sporadic task, ns: its default deadline. Arrivals sooner than
   * this after the previous one are released all the same and counted as `early`.
   */
  readonly minInterarrival?: number;
}

/** RTOS-level costs in cycles, charged with `compute()` on the RTOS's vCPU. */
export interface RtosCosts {
  /** Switching from one job to another (save and restore a task context). */
  readonly contextSwitchCycles: number;
  /** Handling one timer vIRQ delivery (tick handler or tickless timer handler). */
  readonly tickCycles: number;
  /** Entering and leaving the handler of one device vIRQ delivery. */
  readonly irqEntryCycles: number;
}

/**
 * Default RTOS costs: estimates for a small RTOS on an ARM11/Cortex-class core (a task switch
 * of about 200 cycles, a tick or IRQ handler of about 100), not measurements.
 */
export const DEFAULT_RTOS_COSTS: RtosCosts = Object.freeze({
  contextSwitchCycles: 200,
  tickCycles: 100,
  irqEntryCycles: 100,
});

const COST_KEYS = {
  contextSwitchCycles: true,
  tickCycles: true,
  irqEntryCycles: true,
} as const satisfies OptionKeys<RtosCosts>;

/** Per-task counters an {@linkcode RtosObservation} keeps. */
export interface RtosTaskStats {
  /** Jobs released. */
  releases: number;
  /** Jobs finished. */
  completions: number;
  /** Jobs that missed their deadline. */
  misses: number;
  /** Times a started job of this task was displaced by another job. */
  preemptions: number;
  /** Worst response time seen, ns; -1 before the first completion. */
  responseNsMax: number;
  /** Sum of response times, ns (mean = total / completions). */
  responseNsTotal: number;
  /** Sporadic arrivals sooner than `minInterarrival` after the previous one (not deferred). */
  early: number;
}

/** World-side observation of an RTOS (filled by the guest; not kernel state, no virtual time). */
export interface RtosObservation {
  /** How many times the RTOS booted. */
  boots: number;
  /** The epoch of the last boot, ns. */
  epochNs: number;
  /** Timer vIRQ deliveries handled. */
  ticks: number;
  /** Device vIRQ deliveries handled. */
  irqs: number;
  /** Per task, by name (accumulated across boots). */
  readonly tasks: Record<string, RtosTaskStats>;
}

/** Options of {@linkcode rtos}. */
export interface RtosOptions {
  /** The vCPU's priority 0-255. */
  readonly priority: number;
  /** The core; default 0. */
  readonly affinity?: number;
  /** The vCPU's budget per period, ns. */
  readonly budgetNs?: number;
  /** The budget's period, ns. */
  readonly periodNs?: number;
  /** RAM in bytes; default 1 MiB. */
  readonly ramBytes?: number;
  /** Tick period in ns; default 1 ms; 0 for tickless. */
  readonly tickNs?: number;
  /** RTOS costs; default {@linkcode DEFAULT_RTOS_COSTS}; missing fields take the default. */
  readonly costs?: Partial<RtosCosts>;
  /** The tasks. */
  readonly tasks: readonly TaskSpec[];
  /** The image; default `{ name: "rtos", version: "1.0" }`. */
  readonly image?: CellImage;
  /** Where to keep per-task statistics (see {@linkcode rtosObservation}). */
  readonly observe?: RtosObservation;
}

/** The keys of {@linkcode RtosOptions}, checked because `deno run` does not type-check. */
const RTOS_KEYS = {
  priority: true,
  affinity: true,
  budgetNs: true,
  periodNs: true,
  ramBytes: true,
  tickNs: true,
  costs: true,
  tasks: true,
  image: true,
  observe: true,
} as const satisfies OptionKeys<RtosOptions>;

/** The keys of a task's spec: a {@linkcode TaskSpec} without its name. */
const { name: _, ...SPEC_KEYS } = TASK_KEYS;

/**
 * Describes one RTOS task.
 *
 * @param name Unique name within the RTOS.
 * @param spec Period or IRQ, execution, priority and the optional rest.
 * @returns The task.
 * @throws {TypeError} For an unknown option, if it has neither or both of period and irq, or
 * neither or both of wcet and execution.
 * @throws {RangeError} If a time is not a whole number of ns in range, or the deadline exceeds
 * the period.
 *
 * @example Usage
 * ```ts
 * import { task } from "./rtos.ts";
 * import assert from "node:assert/strict";
 * const audio = task("audio", { period: 20_000_000, wcet: 2_000_000, priority: 8 });
 * assert.equal(audio.name, "audio");
 * assert.throws(() => task("x", { wcet: 1, priority: 1 }), TypeError);
 * ```
 */
export function task(name: string, spec: Omit<TaskSpec, "name">): TaskSpec {
  checkOptionKeys(spec, SPEC_KEYS, { action: `Cannot create task "${name}"` });
  const made = { name, ...spec };
  checkTask(made);
  return made;
}

/**
 * Makes an empty observation to pass as `rtos({ observe })`.
 *
 * @returns An observation with no boots and no tasks.
 *
 * @example Usage
 * ```ts
 * import { rtosObservation } from "./rtos.ts";
 * import assert from "node:assert/strict";
 * assert.equal(rtosObservation().boots, 0);
 * ```
 */
export function rtosObservation(): RtosObservation {
  return { boots: 0, epochNs: -1, ticks: 0, irqs: 0, tasks: {} };
}

/** Where an RTOS recipe keeps its tasks (a symbol, so a spread such as `updatable()` keeps it). */
const TASKS = Symbol("rtos tasks");

/**
 * A recipe for an RTOS cell: one vCPU running the RTOS kernel over the given tasks. Device IRQs
 * of sporadic tasks are listed in `irqs`, so the cell owns those lines.
 *
 * @param options Priority, tasks, timer mode, costs and the rest.
 * @returns The recipe.
 * @throws {TypeError} For an unknown option or cost.
 * @throws {RangeError} For duplicate task names or a bad tick or cost.
 *
 * @example Usage
 * ```ts
 * import { rtos, task } from "./rtos.ts";
 * import assert from "node:assert/strict";
 * const recipe = rtos({
 *   priority: 200,
 *   tasks: [
 *     task("frame", { irq: "radio", wcet: 900_000, priority: 10, minInterarrival: 4_615_000 }),
 *     task("audio", { period: 20_000_000, wcet: 2_000_000, priority: 8 }),
 *   ],
 * });
 * assert.equal(recipe.kind, "rtos");
 * assert.deepEqual(recipe.irqs, ["radio"]);
 * assert.equal(recipe.ramBytes, 1024 * 1024);
 * ```
 */
export function rtos(options: RtosOptions): GuestRecipe {
  checkOptionKeys(options, RTOS_KEYS, { action: "Cannot create rtos" });
  checkOptionKeys(options.costs, COST_KEYS, { action: "Cannot create rtos", prefix: "costs." });
  const names = new Set<string>();
  for (const spec of options.tasks) {
    checkTask(spec);
    if (names.has(spec.name)) {
      throw new RangeError(`Cannot create rtos: task name "${spec.name}" is used twice`);
    }
    names.add(spec.name);
  }
  const tickNs = options.tickNs ?? 1_000_000;
  if (!Number.isSafeInteger(tickNs) || tickNs < 0) {
    throw new RangeError(
      `Cannot create rtos: tickNs ${tickNs} must be a whole number of ns, 0 for tickless`,
    );
  }
  const costs = { ...DEFAULT_RTOS_COSTS, ...options.costs };
  for (const [key, value] of Object.entries(costs)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot create rtos: costs.${key} ${value} must be a whole number >= 0`);
    }
  }
  const irqs = [...new Set(options.tasks.flatMap((t) => t.irq === undefined ? [] : [t.irq]))];
  const config = { tasks: options.tasks, tickNs, costs, observe: options.observe };
  const vcpu = {
    priority: options.priority,
    program: (ctx: Parameters<typeof rtosProgram>[0]) => rtosProgram(ctx, config),
    ...(options.affinity === undefined ? {} : { affinity: options.affinity }),
    ...(options.budgetNs === undefined ? {} : { budgetNs: options.budgetNs }),
    ...(options.periodNs === undefined ? {} : { periodNs: options.periodNs }),
  };
  const recipe: GuestRecipe & { readonly [TASKS]: readonly TaskSpec[] } = {
    kind: "rtos",
    ramBytes: options.ramBytes ?? 1024 * 1024,
    vcpus: [vcpu],
    irqs,
    image: options.image ?? { name: "rtos", version: "1.0" },
    [TASKS]: options.tasks,
  };
  return recipe;
}

/**
 * The tasks of a recipe made by {@linkcode rtos} (also after `updatable()`), so the scenario
 * builder can check the channels they wait on before anything runs.
 *
 * @param recipe Any guest recipe.
 * @returns Its RTOS tasks; none for a recipe that is not an RTOS.
 *
 * @example Usage
 * ```ts
 * import { rtos, rtosTasks, task } from "./rtos.ts";
 * import { native } from "./recipe.ts";
 * import assert from "node:assert/strict";
 * const ril = task("ril", { channel: "android->modem", wcet: 10_000, priority: 5, minInterarrival: 1_000_000 });
 * assert.deepEqual(rtosTasks(rtos({ priority: 200, tasks: [ril] })).map((t) => t.channel), ["android->modem"]);
 * assert.deepEqual(rtosTasks(native({ priority: 1, *program() {} })), []);
 * ```
 */
export function rtosTasks(recipe: GuestRecipe): readonly TaskSpec[] {
  return (recipe as { readonly [TASKS]?: readonly TaskSpec[] })[TASKS] ?? [];
}
