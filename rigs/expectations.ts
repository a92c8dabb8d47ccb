/**
 * The `r` of `.expect((r) => [...])`: metric handles over probes, scoped to the whole run, a
 * step (`r.step("burst")`) or a time window (`r.window("1s", "2s")`). Handles are built before
 * the run (so names are checked and scopes probed) and read after it.
 *
 * @module
 */

import { type Duration, formatDuration, toDuration } from "../hw/time.ts";
import { rtosTasks } from "../guests/rtos.ts";
import { type Assertion, type DurationMetric, HistogramMetric, Metric } from "./metric.ts";
import type { Plan } from "./plan.ts";
import type { ProbeSet } from "./probe_set.ts";
import { didYouMean, quoteList, ScenarioError } from "./scenario_error.ts";
import type { Scope, World } from "./world.ts";

/** Resolves probes and the world once the run is over. */
export interface Resolver {
  /** The probe set of a scope. */
  probes(scope: string): ProbeSet;
  /** The finished world. */
  world(): World;
}

/**
 * Guest kinds whose RTOS tasks `rtosTasks()` lists in full (none for all but an RTOS), so any
 * other task name given for such a cell is a typo. A native cell runs the user's own program,
 * which may trace task records of its own, so its task names are not checked.
 */
const KNOWN_TASK_KINDS = ["rtos", "rich-os", "pin-entry", "manager", "attacker"];

/** IPC metrics of one channel. */
export interface ChannelMetrics {
  /** Messages accepted. */
  readonly sent: Metric;
  /** Messages received. */
  readonly received: Metric;
  /** Deepest queue. */
  readonly maxDepth: Metric;
  /** Send-to-receive latency. */
  readonly latency: HistogramMetric;
}

/**
 * Metric handles for one scope.
 *
 * @example Usage
 * ```ts
 * import { Expectations } from "./expectations.ts";
 * import { emptyPlan } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const scopes: unknown[] = [];
 * const r = new Expectations(emptyPlan("x"), { label: "run", from: 0, to: Infinity }, scopes as never, {
 *   probes: () => { throw new Error("not run"); },
 *   world: () => { throw new Error("not run"); },
 * });
 * assert.equal(r.window("1s", "2s").scope.label, "window 1s..2s");
 * ```
 */
export class Expectations {
  /** The scope. */
  readonly scope: Scope;
  readonly #plan: Plan;
  readonly #scopes: Scope[];
  readonly #resolver: Resolver;

  /**
   * Creates the expectations of one scope.
   *
   * @param plan The plan (for name checks).
   * @param scope This handle's scope.
   * @param scopes Collects the scopes to probe.
   * @param resolver Reads probes after the run.
   */
  constructor(plan: Plan, scope: Scope, scopes: Scope[], resolver: Resolver) {
    this.#plan = plan;
    this.scope = scope;
    this.#scopes = scopes;
    this.#resolver = resolver;
  }

  /**
   * The same metrics scoped to a time window.
   *
   * @param from Start.
   * @param to End (exclusive).
   * @returns Scoped handles.
   */
  window(from: Duration | string, to: Duration | string): Expectations {
    const a = toDuration(from, "window start");
    const b = toDuration(to, "window end");
    if (b <= a) {
      throw new ScenarioError(`Invalid window ${from}..${to}: the end must be after the start`);
    }
    return this.#scoped({
      label: `window ${formatDuration(a)}..${formatDuration(b)}`,
      from: a,
      to: b,
    });
  }

  /**
   * The same metrics scoped to a named step of the script.
   *
   * @param name The step.
   * @returns Scoped handles.
   */
  step(name: string): Expectations {
    const step = this.#plan.steps.find((s) => s.name === name);
    if (step === undefined) {
      const names = this.#plan.steps.map((s) => s.name);
      throw new ScenarioError(
        `Unknown step "${name}": steps are ${quoteList(names)}${didYouMean(name, names)}`,
      );
    }
    return this.#scoped({ label: `step ${name}`, from: step.from, to: step.to });
  }

  /**
   * Deadline misses of a cell's RTOS tasks (or one task).
   *
   * @param cell The cell.
   * @param task Optionally one task.
   * @returns A count; `at` is the first miss.
   * @throws {ScenarioError} For an unknown cell, or a task the cell does not declare.
   */
  deadlineMisses(cell: string, task?: string): Metric {
    this.#checkCell(cell);
    if (task !== undefined) this.#checkTask(cell, task);
    const name = task === undefined
      ? `deadlineMisses("${cell}")`
      : `deadlineMisses("${cell}", "${task}")`;
    return this.#metric(name, "count", (p) => ({
      value: task === undefined
        ? p.misses.get(cell) ?? 0
        : p.taskMisses.get(`${cell}/${task}`) ?? 0,
      at: p.firstMissAt.get(task === undefined ? cell : `${cell}/${task}`) ?? -1,
    }));
  }

  /**
   * Completed jobs of a task.
   *
   * @param cell The cell.
   * @param task The task.
   * @returns A count.
   * @throws {ScenarioError} For an unknown cell, or a task the cell does not declare.
   */
  completions(cell: string, task: string): Metric {
    this.#checkCell(cell);
    this.#checkTask(cell, task);
    return this.#metric(`completions("${cell}", "${task}")`, "count", (p) => ({
      value: p.completions.get(`${cell}/${task}`) ?? 0,
      at: -1,
    }));
  }

  /**
   * Response times of a task.
   *
   * @param cell The cell.
   * @param task The task.
   * @returns A distribution (`NaN` with no samples).
   * @throws {ScenarioError} For an unknown cell, or a task the cell does not declare.
   */
  responseTime(cell: string, task: string): HistogramMetric {
    this.#checkCell(cell);
    this.#checkTask(cell, task);
    return this.#histogram(
      `responseTime("${cell}", "${task}")`,
      (p) => p.response.get(`${cell}/${task}`),
    );
  }

  /**
   * Latency from a device's IRQ line being asserted to its owner's handler starting.
   *
   * @param device The device (line) name, one of the board's devices.
   * @returns A distribution (`NaN` with no samples).
   * @throws {ScenarioError} If the board has no such device.
   */
  irqLatency(device: string): HistogramMetric {
    this.#checkDevice(device);
    return this.#histogram(`irqLatency("${device}")`, (p) => p.irqLatency.get(device));
  }

  /**
   * Share of all cores' time a cell's vCPUs ran.
   *
   * @param cell The cell.
   * @returns A ratio.
   */
  cpuShare(cell: string): Metric {
    this.#checkCell(cell);
    return this.#metric(`cpuShare("${cell}")`, "ratio", (p) => ({
      value: (p.cpuNs.get(cell) ?? 0) / this.#capacity(p),
      at: -1,
    }));
  }

  /** Share of all cores' time spent in kernel paths. */
  kernelShare(): Metric {
    return this.#metric(
      "kernelShare()",
      "ratio",
      (p) => ({ value: p.kernelNs / this.#capacity(p), at: -1 }),
    );
  }

  /**
   * IPC metrics of the channel from one cell to another.
   *
   * @param from Sender.
   * @param to Receiver.
   * @returns Counts and latency.
   */
  ipc(from: string, to: string): ChannelMetrics {
    this.#checkCell(from);
    this.#checkCell(to);
    if (!this.#plan.channels.some((c) => c.from === from && c.to === to)) {
      throw new ScenarioError(
        `Unknown channel "${from}->${to}": channels are ${
          quoteList(this.#plan.channels.map((c) => `${c.from}->${c.to}`))
        }`,
      );
    }
    const key = `${from}->${to}`;
    const stats = (p: ProbeSet) => p.channels.get(key);
    return {
      sent: this.#metric(
        `ipc("${key}").sent`,
        "count",
        (p) => ({ value: stats(p)?.sent ?? 0, at: -1 }),
      ),
      received: this.#metric(
        `ipc("${key}").received`,
        "count",
        (p) => ({ value: stats(p)?.received ?? 0, at: -1 }),
      ),
      maxDepth: this.#metric(
        `ipc("${key}").maxDepth`,
        "count",
        (p) => ({ value: stats(p)?.maxDepth ?? 0, at: -1 }),
      ),
      latency: this.#histogram(`ipc("${key}").latency`, (p) => stats(p)?.latency),
    };
  }

  /** Call/reply round trips on endpoints. */
  roundTrip(): HistogramMetric {
    return this.#histogram("roundTrip()", (p) => p.roundTrip);
  }

  /**
   * Memory faults a cell took.
   *
   * @param cell The cell.
   * @returns A count.
   */
  faults(cell: string): Metric {
    this.#checkCell(cell);
    return this.#metric(
      `faults("${cell}")`,
      "count",
      (p) => ({ value: p.faults.get(cell) ?? 0, at: -1 }),
    );
  }

  /**
   * Hypercalls of a cell refused by the kernel (bad capability, full queue, …).
   *
   * @param cell The cell.
   * @returns A count.
   */
  refusedHypercalls(cell: string): Metric {
    this.#checkCell(cell);
    return this.#metric(`refusedHypercalls("${cell}")`, "count", (p) => ({
      value: p.hypercallErrors.get(cell) ?? 0,
      at: -1,
    }));
  }

  /** Attacks run, blocked, not blocked, and bytes leaked. */
  attacks(): { run: Metric; blocked: Metric; unblocked: Metric; leakedBytes: Metric } {
    return {
      run: this.#metric("attacks().run", "count", (p) => ({ value: p.attacks.run, at: -1 })),
      blocked: this.#metric(
        "attacks().blocked",
        "count",
        (p) => ({ value: p.attacks.blocked, at: -1 }),
      ),
      unblocked: this.#metric("attacks().unblocked", "count", (p) => ({
        value: p.attacks.run - p.attacks.blocked,
        at: -1,
      })),
      leakedBytes: this.#metric(
        "attacks().leakedBytes",
        "bytes",
        (p) => ({ value: p.attacks.leakedBytes, at: -1 }),
      ),
    };
  }

  /** Device-manager commands accepted and rejected. */
  commands(): { accepted: Metric; rejected: Metric } {
    return {
      accepted: this.#metric(
        "commands().accepted",
        "count",
        (p) => ({ value: p.commands.accepted, at: -1 }),
      ),
      rejected: this.#metric(
        "commands().rejected",
        "count",
        (p) => ({ value: p.commands.rejected, at: -1 }),
      ),
    };
  }

  /**
   * The last FOTA of a cell: outcome and service gap.
   *
   * @param cell The updated cell.
   * @returns Outcome text ("switched", "rejected", "rolled-back", "none") and downtime (NaN
   * unless the update switched, so no bound holds for an update that did not).
   */
  fota(cell: string): { outcome: Metric; downtime: DurationMetric } {
    this.#checkCell(cell);
    return {
      outcome: this.#metric(`fota("${cell}").outcome`, "text", (p) => {
        const f = p.fota.get(cell);
        return { value: NaN, text: f?.outcome ?? "none", at: f?.at ?? -1 };
      }),
      downtime: this.#metric<Duration | string>(`fota("${cell}").downtime`, "ns", (p) => {
        const f = p.fota.get(cell);
        // Only a switch has a service gap; the manager reports -1 otherwise, which must not
        // pass a bound such as toBeBelow(ms(5)).
        const value = f?.outcome === "switched" ? f.downtimeNs : NaN;
        return { value, at: f?.at ?? -1 };
      }),
    };
  }

  /**
   * The last remote wipe of a cell: duration, and residue (non-zero bytes left in the frames
   * the cell held before the wipe that no cell owns now).
   *
   * @param cell The wiped cell.
   * @returns Duration and residue.
   */
  wipe(cell: string): { duration: DurationMetric; residue: Metric } {
    this.#checkCell(cell);
    return {
      duration: this.#metric<Duration | string>(`wipe("${cell}").duration`, "ns", (p) => {
        const w = p.wipes.get(cell);
        return { value: w?.durationNs ?? NaN, at: w?.at ?? -1 };
      }),
      residue: this.#metric(`wipe("${cell}").residue`, "bytes", () => {
        const world = this.#resolver.world();
        const frames = world.wipedFrames.get(cell);
        if (frames === undefined) return { value: NaN, at: -1 };
        let residue = 0;
        for (const frame of frames) {
          if (world.board.memory.isZero(frame, 4096)) continue;
          if (world.kernel.frames.isAllocated(frame)) continue;
          residue += world.board.memory.read(frame, 4096).reduce(
            (n, b) => n + (b !== 0 ? 1 : 0),
            0,
          );
        }
        return { value: residue, at: -1 };
      }),
    };
  }

  /**
   * A secret's bytes (registered by this call) and which cells could read a frame holding
   * them. Every written RAM page is scanned at least every millisecond of virtual time while
   * the system runs, 1 ms after each key press and at the end of the run; a copy made and erased
   * within one scan interval is not seen.
   *
   * @param text The secret, e.g. a PIN.
   * @returns Assertions on who could read it.
   */
  secret(
    text: string,
  ): { notReadableBy(cell: string): Assertion; readableBy(cell: string): Assertion } {
    if (typeof text !== "string" || text.length === 0) {
      throw new ScenarioError(
        `Invalid secret ${JSON.stringify(text)}: give the secret's text, e.g. "4711"`,
      );
    }
    if (!this.#plan.secrets.includes(text)) this.#plan.secrets.push(text);
    const sighting = () => this.#resolver.world().secrets.get(text)!;
    const check = (cell: string, readable: boolean): Assertion => {
      this.#checkCell(cell);
      return new Metric(`secret("${text}")`, "flag", "run", () => {
        const s = sighting();
        return {
          value: s.readableBy.has(cell) ? 1 : 0,
          at: s.firstAt.get(cell) ?? -1,
          text: s.readableBy.has(cell)
            ? `readable (cells: ${[...s.readableBy].join(", ")})`
            : `not readable (${s.scans} scans)`,
        };
      }).satisfies(
        (v) => (v === 1) === readable,
        readable ? `readable by "${cell}"` : `not readable by "${cell}"`,
      );
    };
    return {
      notReadableBy: (cell) => check(cell, false),
      readableBy: (cell) => check(cell, true),
    };
  }

  /**
   * The replies a rich OS got to its requests (`t.request(cell, server)`), in order, as hex
   * bytes joined by commas, e.g. `"00,01"` (PIN fail, then ok).
   *
   * @param cell The rich OS cell.
   * @returns A text metric.
   */
  replies(cell: string): Metric {
    this.#checkCell(cell);
    return this.#metric(`replies("${cell}")`, "text", (p) => ({
      value: NaN,
      text: (p.replies.get(cell) ?? []).join(","),
      at: -1,
    }));
  }

  /**
   * A custom metric computed from the finished world.
   *
   * @param name Display name.
   * @param read Computes the value.
   * @param unit Unit for formatting; default count.
   * @returns The metric.
   */
  custom(name: string, read: (world: World) => number, unit: Metric["unit"] = "count"): Metric {
    return new Metric(
      name,
      unit,
      this.scope.label,
      () => ({ value: read(this.#resolver.world()), at: -1 }),
    );
  }

  #capacity(p: ProbeSet): number {
    const world = this.#resolver.world();
    const to = Math.min(p.to, world.durationNs);
    return Math.max(1, (to - p.from) * world.board.cores.length);
  }

  #scoped(scope: Scope): Expectations {
    if (!this.#scopes.some((s) => s.label === scope.label)) this.#scopes.push(scope);
    return new Expectations(this.#plan, scope, this.#scopes, this.#resolver);
  }

  #checkCell(cell: string): void {
    const names = this.#plan.cells.map((c) => c.name);
    if (!names.includes(cell)) {
      throw new ScenarioError(
        `Unknown cell "${cell}" in expect(): cells are ${quoteList(names)}${
          didYouMean(cell, names)
        }`,
      );
    }
  }

  /**
   * A task name must be one of the cell's RTOS tasks (also after `updatable()`); a cell of a
   * kind with no RTOS tasks has none. A guest of another kind (the user's own, or a FOTA service
   * booting a variant) is not checked: it may trace task records of its own.
   */
  #checkTask(cell: string, task: string): void {
    const recipe = this.#plan.cells.find((c) => c.name === cell)!.recipe;
    const names = rtosTasks(recipe).map((t) => t.name);
    if (names.includes(task)) return;
    if (names.length === 0 && !KNOWN_TASK_KINDS.includes(recipe.kind)) return;
    const valid = names.length === 0
      ? `tasks are none (a ${recipe.kind} cell runs no RTOS tasks)`
      : `tasks are ${quoteList(names)}${didYouMean(task, names)}`;
    throw new ScenarioError(`Unknown task "${task}" of cell "${cell}" in expect(): ${valid}`);
  }

  /** A device name must be one of the board's devices (each raises its own IRQ line). */
  #checkDevice(device: string): void {
    const board = this.#plan.board;
    // Without a board the world reports that; there is nothing to check against.
    if (board === undefined) return;
    const names = board.devices.map((d) => d.name);
    if (!names.includes(device)) {
      throw new ScenarioError(
        `Unknown device "${device}" in expect(): devices of board "${board.name}" are ${
          quoteList(names)
        }${didYouMean(device, names)}`,
      );
    }
  }

  #metric<Bound extends number | string = number>(
    name: string,
    unit: Metric["unit"],
    read: (p: ProbeSet) => { value: number; at: number; text?: string },
  ): Metric<Bound> {
    const label = this.scope.label;
    return new Metric<Bound>(name, unit, label, () => read(this.#resolver.probes(label)));
  }

  #histogram(
    name: string,
    pick: (p: ProbeSet) => import("./histogram.ts").Histogram | undefined,
  ): HistogramMetric {
    const label = this.scope.label;
    // Nothing measured: no value (NaN), so no bound holds on it.
    const empty = { count: 0, min: NaN, max: NaN, maxAt: -1, mean: NaN, percentile: () => NaN };
    return new HistogramMetric(name, label, () => pick(this.#resolver.probes(label)) ?? empty);
  }
}
