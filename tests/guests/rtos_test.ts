import assert from "node:assert/strict";
import { boards } from "../../hw/boards.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import { HANDSET_COSTS, ZERO_COSTS } from "../../kernel/cost_model.ts";
import { richOs } from "../../guests/rich_os.ts";
import { compute, timer, wait } from "../../guests/program.ts";
import {
  rtos,
  type RtosObservation,
  rtosObservation,
  type RtosOptions,
  task,
  type TaskSpec,
} from "../../guests/rtos.ts";
import { handContext, load, makeRig, type Rig } from "./_setup.ts";

const MS = 1_000_000;
const NO_RTOS_COSTS = { contextSwitchCycles: 0, tickCycles: 0, irqEntryCycles: 0 };

/** A periodic task in the analysis: execution C, period T, deadline D (default T), priority P. */
interface Model {
  readonly name: string;
  readonly C: number;
  readonly T: number;
  readonly D?: number;
  readonly P: number;
}

/**
 * Fixed-priority response-time analysis (Joseph & Pandya 1986; Audsley et al. 1993):
 * R = C + Σ_{j ∈ hp(i)} ⌈R / Tj⌉ Cj, iterated from R = C + Σ Cj to the fixed point.
 * Independent of the RTOS code on purpose.
 */
function rta(set: readonly Model[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of set) {
    const higher = set.filter((other) => other.P > task.P);
    let r = task.C + higher.reduce((sum, other) => sum + other.C, 0);
    for (let i = 0; i < 10_000; i++) {
      const next = task.C +
        higher.reduce((sum, other) => sum + Math.ceil(r / other.T) * other.C, 0);
      if (next === r) break;
      r = next;
    }
    out[task.name] = r;
  }
  return out;
}

/** A tiny preemptive fixed-priority timeline, synchronous release, late jobs run on. */
function timeline(set: readonly Model[], horizon: number) {
  interface J {
    task: Model;
    index: number;
    release: number;
    left: number;
    finish: number;
  }
  const jobs: J[] = [];
  const next = set.map(() => 0);
  const counts = set.map(() => 0);
  let t = 0;
  for (;;) {
    set.forEach((task, i) => {
      while (next[i] <= t) {
        jobs.push({ task, index: counts[i]++, release: next[i], left: task.C, finish: -1 });
        next[i] += task.T;
      }
    });
    if (t >= horizon) break;
    const ready = jobs.filter((job) => job.left > 0).sort((a, b) =>
      b.task.P - a.task.P || a.release - b.release
    );
    const releaseAt = Math.min(...next);
    if (ready.length === 0) {
      t = releaseAt;
      continue;
    }
    const job = ready[0];
    const run = Math.min(job.left, releaseAt - t);
    t += run;
    job.left -= run;
    if (job.left === 0) job.finish = t;
  }
  const misses = jobs
    .map((job) => ({ job, deadline: job.release + (job.task.D ?? job.task.T) }))
    .filter(({ job, deadline }) => deadline <= horizon && (job.finish < 0 || job.finish > deadline))
    .map(({ job, deadline }) => ({ task: job.task.name, job: job.index, time: deadline }))
    .sort((a, b) => a.time - b.time || a.task.localeCompare(b.task));
  return { misses };
}

function specs(set: readonly Model[]): TaskSpec[] {
  return set.map((m) =>
    task(m.name, {
      period: m.T,
      wcet: m.C,
      priority: m.P,
      ...(m.D === undefined ? {} : { deadline: m.D }),
    })
  );
}

function runRtos(
  tasks: readonly TaskSpec[],
  untilNs: number,
  options: Partial<RtosOptions> & { before?: (rig: Rig) => void } = {},
): { rig: Rig; observe: RtosObservation } {
  const rig = makeRig({ spec: boards.handset({ clockHz: 1_000_000_000 }), costs: ZERO_COSTS });
  const observe = rtosObservation();
  const { before, ...rtosOptions } = options;
  const cell = load(
    rig,
    "rtos",
    rtos({ priority: 100, tickNs: 0, costs: NO_RTOS_COSTS, ...rtosOptions, tasks, observe }),
  );
  before?.(rig);
  rig.kernel.start(cell);
  rig.engine.run({ until: untilNs });
  return { rig, observe };
}

function worst(observe: RtosObservation): Record<string, number> {
  return Object.fromEntries(
    Object.entries(observe.tasks).map(([name, stats]) => [name, stats.responseNsMax]),
  );
}

function misses(records: readonly TraceRecord[]) {
  return records.map((r) => ({ task: r.task, job: r.job, time: r.time }));
}

const scale = (set: readonly Model[]): Model[] =>
  set.map((m) => ({
    ...m,
    C: m.C * MS,
    T: m.T * MS,
    ...(m.D === undefined ? {} : { D: m.D * MS }),
  }));

// After Buttazzo, "Hard Real-Time Computing Systems", 3rd ed., Exercise 4.3 (solved in ch. 13,
// Fig. 13.6): C = 1, 2, 3 and T1 = 4, T2 = 6 as in the book; we take T3 = 10 (D = T), rate
// monotonic priorities. The book's RTA gives R3 = 10: the last task finishes exactly at its
// deadline, which is not a miss. Units: ms.
const BUTTAZZO = scale([
  { name: "t1", C: 1, T: 4, P: 3 },
  { name: "t2", C: 2, T: 6, P: 2 },
  { name: "t3", C: 3, T: 10, P: 1 },
]);

// After Burns & Wellings, "Real-Time Systems and Programming Languages", 4th ed., §11 (the
// response-time analysis example that fails the utilisation test, U = 0.929): a (T 7, C 3),
// b (T 12, C 3), c (T 20, C 5), rate monotonic; R = 3, 6, 20. Units: ms.
const BURNS_WELLINGS = scale([
  { name: "a", C: 3, T: 7, P: 3 },
  { name: "b", C: 3, T: 12, P: 2 },
  { name: "c", C: 5, T: 20, P: 1 },
]);

// After Liu, "Real-Time Systems" (2000), the time-demand analysis example of §6.5:
// T1 = (3, 1), T2 = (5, 1.5), T3 = (7, 1.25), T4 = (9, 0.5) as (period, execution), rate
// monotonic; R = 1, 2.5, 4.75, 9. Units: ms.
const LIU = scale([
  { name: "T1", C: 1, T: 3, P: 4 },
  { name: "T2", C: 1.5, T: 5, P: 3 },
  { name: "T3", C: 1.25, T: 7, P: 2 },
  { name: "T4", C: 0.5, T: 9, P: 1 },
]);

// Constrained deadlines, after Buttazzo, 3rd ed., §4.5 (deadline monotonic): (C, T, D) =
// (1, 4, 3), (1, 5, 4), (2, 6, 5), (1, 11, 10), DM priorities; R = 1, 2, 4, 10. Units: ms.
const DEADLINE_MONOTONIC = scale([
  { name: "d1", C: 1, T: 4, D: 3, P: 4 },
  { name: "d2", C: 1, T: 5, D: 4, P: 3 },
  { name: "d3", C: 2, T: 6, D: 5, P: 2 },
  { name: "d4", C: 1, T: 11, D: 10, P: 1 },
]);

// Not schedulable, after Burns & Wellings, 4th ed., §11 (task set A, U = 0.82): a (T 50, C 12,
// lowest), b (T 40, C 10), c (T 30, C 10); the book's time-line shows a missing its deadline at
// 50; RTA gives R_a = 52 > 50. Units: ms.
const BURNS_WELLINGS_A = scale([
  { name: "a", C: 12, T: 50, P: 1 },
  { name: "b", C: 10, T: 40, P: 2 },
  { name: "c", C: 10, T: 30, P: 3 },
]);

Deno.test("rtos() meets response-time analysis on Buttazzo's exercise 4.3 task set", () => {
  const expected = rta(BUTTAZZO);
  assert.deepEqual(expected, { t1: 1 * MS, t2: 3 * MS, t3: 10 * MS });
  const { observe } = runRtos(specs(BUTTAZZO), 60 * MS);
  assert.deepEqual(worst(observe), expected);
  assert.deepEqual(Object.values(observe.tasks).map((s) => s.misses), [0, 0, 0]);
  assert.deepEqual(Object.values(observe.tasks).map((s) => s.releases), [16, 11, 7]); // [0, 60] ms
});

Deno.test("rtos() meets response-time analysis on Burns & Wellings' task set", () => {
  const expected = rta(BURNS_WELLINGS);
  assert.deepEqual(expected, { a: 3 * MS, b: 6 * MS, c: 20 * MS });
  const { observe } = runRtos(specs(BURNS_WELLINGS), 420 * MS);
  assert.deepEqual(worst(observe), expected);
  assert.deepEqual(Object.values(observe.tasks).map((s) => s.misses), [0, 0, 0]);
});

Deno.test("rtos() meets response-time analysis on Liu's time-demand example", () => {
  const expected = rta(LIU);
  assert.deepEqual(expected, { T1: 1 * MS, T2: 2.5 * MS, T3: 4.75 * MS, T4: 9 * MS });
  const { observe } = runRtos(specs(LIU), 315 * MS);
  assert.deepEqual(worst(observe), expected);
  assert.deepEqual(Object.values(observe.tasks).map((s) => s.misses), [0, 0, 0, 0]);
});

Deno.test("rtos() meets response-time analysis with constrained deadlines (D < T)", () => {
  const expected = rta(DEADLINE_MONOTONIC);
  assert.deepEqual(expected, { d1: 1 * MS, d2: 2 * MS, d3: 4 * MS, d4: 10 * MS });
  const { observe, rig } = runRtos(specs(DEADLINE_MONOTONIC), 660 * MS);
  assert.deepEqual(worst(observe), expected);
  assert.equal(rig.of("task.miss").length, 0);
  const finishes = rig.of("task.finish");
  assert.ok(finishes.every((r) => r.missed === false));
  assert.equal(finishes.find((r) => r.task === "d4")?.deadlineNs, 10 * MS);
});

Deno.test("rtos() records misses of an unschedulable set at the jobs and times analysis predicts", () => {
  const horizon = 600 * MS; // the hyperperiod
  const expected = rta(BURNS_WELLINGS_A);
  assert.equal(expected.a, 52 * MS);
  const predicted = timeline(BURNS_WELLINGS_A, horizon).misses;
  assert.deepEqual(predicted, [{ task: "a", job: 0, time: 50 * MS }]);
  const { observe, rig } = runRtos(specs(BURNS_WELLINGS_A), horizon);
  assert.deepEqual(misses(rig.of("task.miss")), predicted);
  assert.equal(observe.tasks.a.misses, predicted.length);
  const first = rig.of("task.finish").find((r) => r.task === "a" && r.job === 0);
  assert.equal(first?.responseNs, expected.a);
  assert.equal(first?.missed, true);
});

Deno.test("rtos() in tick mode is exact when the tick divides every period", () => {
  const { observe, rig } = runRtos(specs(BUTTAZZO), 60 * MS, { tickNs: 1 * MS });
  assert.deepEqual(worst(observe), rta(BUTTAZZO));
  assert.equal(observe.ticks, 60);
  const releases = rig.of("task.release").filter((r) => r.task === "t3");
  assert.deepEqual(releases.map((r) => r.time), [0, 10, 20, 30, 40, 50, 60].map((t) => t * MS));
});

Deno.test("rtos() releases a sporadic task on each radio IRQ and acknowledges the line", () => {
  // Radio frames at k × 4.615 ms from 0. The frame task is the highest priority, so each job's
  // response is its WCET; the audio task sees it as a periodic interferer with T = 4.615 ms:
  // R = 8 + ⌈R / 4.615⌉ × 0.9 = 10.7 ms.
  const frame = 4_615_000;
  const set = [
    task("frame", { irq: "radio", wcet: 900_000, priority: 10, minInterarrival: frame }),
    task("audio", { period: 20 * MS, wcet: 8 * MS, priority: 8 }),
  ];
  const { observe, rig } = runRtos(set, 100 * MS);
  const model = rta([
    { name: "frame", C: 900_000, T: frame, P: 10 },
    { name: "audio", C: 8 * MS, T: 20 * MS, P: 8 },
  ]);
  assert.equal(model.audio, 10_700_000);
  assert.equal(observe.tasks.frame.releases, 22); // frames at 0 .. 96.915 ms
  assert.equal(observe.tasks.frame.completions, 22);
  assert.equal(observe.tasks.frame.responseNsMax, 900_000);
  assert.equal(observe.tasks.frame.responseNsTotal, 22 * 900_000);
  assert.equal(observe.tasks.audio.responseNsMax, model.audio);
  assert.equal(observe.irqs, 22);
  assert.equal(observe.tasks.frame.early, 0);
  const arrivals = rig.of("task.release").filter((r) => r.task === "frame").map((r) => r.arrival);
  assert.deepEqual(arrivals, Array.from({ length: 22 }, (_, k) => k * frame));
});

Deno.test("rtos() task response times grow by exactly a higher-priority cell's interference", () => {
  // A cell at priority 250 on the same core runs 2 ms every 8 ms from time 0: to the RTOS's
  // tasks it is one more, highest-priority periodic task (hierarchical scheduling). The RTOS's
  // own set is a light one (U = 0.55) so that it stays schedulable with the intruder (U = 0.8).
  const light = scale([
    { name: "fast", C: 1, T: 5, P: 3 },
    { name: "mid", C: 2, T: 10, P: 2 },
    { name: "slow", C: 3, T: 20, P: 1 },
  ]);
  const intruder = { name: "intruder", C: 2 * MS, T: 8 * MS, P: 99 };
  const alone = rta(light);
  const shared = rta([...light, intruder]);
  const { observe } = runRtos(specs(light), 80 * MS, {
    before(rig) {
      const cell = rig.kernel.createCell({
        name: "intruder",
        ramBytes: 65536,
        vcpus: [{
          priority: 250,
          *program() {
            yield* timer(intruder.T, 0);
            for (;;) {
              yield* wait();
              yield* compute(intruder.C);
            }
          },
        }],
      });
      rig.kernel.start(cell);
    },
  });
  assert.equal(observe.epochNs, 0);
  const { intruder: _, ...expected } = shared;
  assert.deepEqual(worst(observe), expected);
  assert.deepEqual(alone, { fast: 1 * MS, mid: 3 * MS, slow: 7 * MS });
  assert.deepEqual(expected, { fast: 3 * MS, mid: 5 * MS, slow: 14 * MS });
  const { observe: baseline } = runRtos(specs(light), 80 * MS);
  assert.deepEqual(worst(baseline), alone);
});

Deno.test("rtos() blocks a higher-priority task for the rest of a critical section", () => {
  // "low" starts at 0 with a 2 ms section (interrupts off); "high" arrives at 1 ms and can only
  // run at 2 ms: R = C + B = 1 + 1 ms.
  const set = [
    task("low", {
      period: 10 * MS,
      wcet: 3 * MS,
      priority: 1,
      criticalSection: { cycles: 2 * MS },
    }),
    task("high", { period: 10 * MS, wcet: 1 * MS, priority: 2, offset: 1 * MS }),
  ];
  const { observe, rig } = runRtos(set, 10 * MS);
  assert.equal(observe.tasks.high.responseNsMax, 2 * MS);
  assert.equal(observe.tasks.low.responseNsMax, 4 * MS);
  const preempt = rig.of("task.preempt");
  assert.deepEqual(preempt.map((r) => [r.time, r.task, r.by]), [[2 * MS, "low", "high"]]);
});

Deno.test("rtos() charges its own timer and context-switch costs on its vCPU", () => {
  const set = [task("only", { period: 10 * MS, wcet: 1 * MS, priority: 1, offset: 1 * MS })];
  const costs = { contextSwitchCycles: 1_000, tickCycles: 700, irqEntryCycles: 0 };
  const { observe } = runRtos(set, 20 * MS, { costs });
  // Woken by the timer at the release: timer handler, then a switch, then the job.
  assert.equal(observe.tasks.only.responseNsMax, 1 * MS + 1_700);
  assert.equal(observe.tasks.only.completions, 2);
});

Deno.test("rtos() draws execution times and release jitter from seeded streams", () => {
  const set = [
    task("varied", {
      period: 10 * MS,
      execution: { kind: "uniform", minNs: 1 * MS, maxNs: 3 * MS },
      jitter: 500_000,
      priority: 1,
    }),
  ];
  const runs = [1, 2].map(() => runRtos(set, 200 * MS).rig.of("task.finish"));
  assert.deepEqual(runs[0].map((r) => r.responseNs), runs[1].map((r) => r.responseNs));
  assert.equal(runs[0].length, 20);
  const responses = runs[0].map((r) => r.responseNs as number);
  assert.ok(responses.every((r) => r >= 1 * MS && r <= 3.5 * MS));
  assert.ok(new Set(responses).size > 10);
});

Deno.test("task() rejects a wrong shape or value with the valid alternative", () => {
  assert.throws(
    () => task("x", { wcet: 1, priority: 1 }),
    /exactly one of period \(periodic\), irq or channel \(sporadic\)/,
  );
  assert.throws(() => task("x", { period: 10, priority: 1 }), /exactly one of wcet or execution/);
  assert.throws(
    () => task("x", { period: 10, wcet: 1, deadline: 11, priority: 1 }),
    /deadline 11 ns exceeds its period 10 ns/,
  );
  assert.throws(
    () => task("x", { irq: "radio", wcet: 1, priority: 1 }),
    /needs a deadline or a minInterarrival/,
  );
  assert.throws(() => task("x", { period: 0.5, wcet: 1, priority: 1 }), RangeError);
  const t = task("x", { period: 10, wcet: 1, priority: 1 });
  assert.throws(() => rtos({ priority: 1, tasks: [t, t] }), /"x" is used twice/);
});

Deno.test("task() and rtos() reject an unknown option, also in nested objects and plain task specs", () => {
  const taskKeys = '"period", "irq", "channel", "wcet", "execution", "deadline", "priority", ' +
    '"offset", "jitter", "criticalSection", "minInterarrival"';
  assert.throws(
    () => task("x", { period: 10, wcet: 1, priority: 1, dealine: 5 } as never),
    new TypeError(
      `Cannot create task "x": unknown option "dealine" (did you mean "deadline"?); valid options are ${taskKeys}`,
    ),
  );
  // The name is task()'s first argument, not an option.
  assert.throws(
    () => task("x", { name: "y", period: 10, wcet: 1, priority: 1 } as never),
    new TypeError(`Cannot create task "x": unknown option "name"; valid options are ${taskKeys}`),
  );
  assert.throws(
    () =>
      task(
        "x",
        { period: 10, wcet: 1, priority: 1, criticalSection: { every: 2, cycles: 1 } } as never,
      ),
    new TypeError(
      'Cannot create task "x": unknown option "criticalSection.every" (did you mean "criticalSection.everyNs"?); valid options are "criticalSection.everyNs", "criticalSection.cycles"',
    ),
  );
  assert.throws(
    () =>
      task(
        "x",
        { period: 10, priority: 1, execution: { kind: "uniform", minNs: 1, max: 2 } } as never,
      ),
    new TypeError(
      'Cannot create task "x": unknown option "execution.max" (did you mean "execution.maxNs"?); valid options are "execution.kind", "execution.minNs", "execution.maxNs"',
    ),
  );
  // A task written as a plain object (not through task()) is checked by rtos().
  const plain = { name: "p", period: 10, wcet: 1, priority: 1, jiter: 1 } as TaskSpec;
  assert.throws(
    () => rtos({ priority: 1, tasks: [plain] }),
    new TypeError(
      `Cannot create task "p": unknown option "jiter" (did you mean "jitter"?); valid options are "name", ${taskKeys}`,
    ),
  );
  const t = task("x", { period: 10, wcet: 1, priority: 1 });
  assert.throws(
    () => rtos({ priority: 200, tickMs: 1, tasks: [t] } as never),
    new TypeError(
      'Cannot create rtos: unknown option "tickMs" (did you mean "tickNs"?); valid options are "priority", "affinity", "budgetNs", "periodNs", "ramBytes", "tickNs", "costs", "tasks", "image", "observe"',
    ),
  );
  assert.throws(
    () => rtos({ priority: 200, tasks: [t], costs: { tickCycle: 50 } } as never),
    new TypeError(
      'Cannot create rtos: unknown option "costs.tickCycle" (did you mean "costs.tickCycles"?); valid options are "costs.contextSwitchCycles", "costs.tickCycles", "costs.irqEntryCycles"',
    ),
  );
});

Deno.test("rtos() records every miss of an overloaded constrained-deadline set when it happens", () => {
  // The deadline-monotonic set above with d4's execution doubled to 2 ms (U = 0.965): RTA gives
  // R4 = 12 ms > D4 = 10 ms, and the backlog makes later d4 jobs miss too.
  const overloaded = DEADLINE_MONOTONIC.map((m) => m.name === "d4" ? { ...m, C: 2 * MS } : m);
  assert.equal(rta(overloaded).d4, 12 * MS);
  const horizon = 660 * MS;
  const predicted = timeline(overloaded, horizon).misses;
  assert.deepEqual(
    predicted.map((m) => [m.job, m.time / MS]),
    [[0, 10], [1, 21], [11, 131], [12, 142], [24, 274], [25, 285], [36, 406], [48, 538], [
      49,
      549,
    ]],
  );
  const { observe, rig } = runRtos(specs(overloaded), horizon);
  assert.deepEqual(misses(rig.of("task.miss")), predicted);
  assert.deepEqual(rig.of("task.miss").map((r) => r.deadline), predicted.map((m) => m.time));
  assert.equal(observe.tasks.d4.misses, 9);
  assert.equal(observe.tasks.d4.responseNsMax, 12 * MS);
});

Deno.test("rtos() keeps the baseband's deadlines next to a rich OS with the handset costs", () => {
  // The DESIGN.md scenario's shape at 532 MHz with the handset cost table, the default 1 ms
  // tick and the default RTOS costs: every radio frame is served and no deadline is missed.
  const rig = makeRig({ costs: HANDSET_COSTS });
  const observe = rtosObservation();
  const baseband = load(
    rig,
    "baseband",
    rtos({
      priority: 200,
      observe,
      tasks: [
        task("frame", { irq: "radio", wcet: 900_000, priority: 10, minInterarrival: 4_615_000 }),
        task("audio", { period: 20 * MS, wcet: 2 * MS, priority: 8 }),
      ],
    }),
  );
  const android = load(rig, "android", richOs({ priority: 50, processes: 12 }));
  rig.kernel.start(baseband);
  rig.kernel.start(android);
  rig.engine.run({ until: 1_000 * MS });
  assert.equal(observe.tasks.frame.releases, 217); // frames at 0 .. 996.84 ms
  assert.equal(observe.tasks.frame.misses + observe.tasks.audio.misses, 0);
  assert.equal(observe.tasks.audio.releases, 50); // the epoch is after 0: the boot costs time
  // The frame job's response is measured from when the RTOS handled the IRQ: its WCET plus the
  // RTOS's own handler, switch and tick costs.
  assert.ok(observe.tasks.frame.responseNsMax > 900_000);
  assert.ok(observe.tasks.frame.responseNsMax < 910_000);
  assert.ok(observe.tasks.audio.responseNsMax < 3 * MS);
  assert.ok(observe.ticks >= 999);
});

Deno.test("rtos() program follows the generator protocol: next, return, throw, iterator", () => {
  const recipe = rtos({
    priority: 1,
    tickNs: MS,
    tasks: [task("t", { period: 10 * MS, wcet: MS, priority: 1 })],
  });
  const ctx = handContext("rtos", "rtos");
  const ok = { ok: true as const, value: undefined };
  const program = recipe.vcpus[0].program(ctx);
  assert.equal(program[Symbol.iterator](), program);
  assert.deepEqual(program.next(ok).value, { op: "interrupts", enabled: true });
  assert.deepEqual(program.next(ok).value, { op: "timer", periodNs: MS, firstNs: MS });
  assert.deepEqual(program.next(ok).value, { op: "clock" });
  assert.deepEqual(program.next({ ok: true, value: 0 }).value, { op: "clock" });
  assert.deepEqual(program.next({ ok: true, value: 0 }), {
    done: false,
    value: { op: "compute", cycles: 200 },
  });
  assert.deepEqual(program.return(undefined), { done: true, value: undefined });
  assert.deepEqual(program.next(ok), { done: true, value: undefined });
  const thrown = recipe.vcpus[0].program(ctx);
  thrown.next(ok);
  assert.throws(() => thrown.throw(new Error("stop")), /stop/);
  assert.deepEqual(thrown.next(ok), { done: true, value: undefined });
});
