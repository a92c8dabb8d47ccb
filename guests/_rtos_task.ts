// The RTOS's task bookkeeping: spec checks, per-boot task state, jobs and their releases.

import { stringDigest } from "../hw/fingerprint.ts";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { cyclesFor } from "./program.ts";
import type {
  CriticalSection,
  RtosObservation,
  RtosTaskStats,
  TaskExecution,
  TaskSpec,
} from "./rtos.ts";

/** One job of a task. */
export interface Job {
  readonly task: TaskState;
  readonly index: number;
  readonly arrival: number;
  readonly release: number;
  readonly deadline: number;
  remaining: number;
  executed: number;
  started: boolean;
  flagged: boolean;
  finished: boolean;
}

/** A pending sporadic arrival. */
interface Arrival {
  readonly arrival: number;
  readonly release: number;
}

/** A task during one boot of the RTOS. */
export interface TaskState {
  readonly spec: TaskSpec;
  readonly order: number;
  /** The spec's fields the scheduler reads at every point, copied so every task has one shape. */
  readonly priority: number;
  /** The period, ns; 0 for a sporadic task. */
  readonly periodNs: number;
  /** The minimum interarrival of a sporadic task, ns; 0 when not given. */
  readonly minInterarrivalNs: number;
  readonly deadlineNs: number;
  /** The digest of the task's name, which every task record starts with (for its hash). */
  readonly nameDigest: number;
  readonly stats: RtosTaskStats;
  readonly drawExecutionNs: () => number;
  readonly drawJitterNs: () => number;
  /** Periodic: the next arrival and its release; -1 for a sporadic task. */
  nextArrival: number;
  nextRelease: number;
  /** Sporadic: arrivals not yet released, in order: the first `arrivalCount` entries. */
  readonly arrivals: Arrival[];
  arrivalCount: number;
  lastArrival: number;
  jobs: number;
  /**
   * Released, unfinished jobs in release order (the head runs first): the first `queued`
   * entries. This list and `arrivals` keep their storage (entries past the count are stale):
   * taking an array's last entry out (`shift`, `pop`) gives its storage up, and a task's lists
   * empty at most points, so the next `push` would allocate it again.
   */
  readonly queue: Job[];
  queued: number;
  readonly sectionCycles: number;
  readonly everyCycles: number;
}

function whole(value: unknown, what: string, name: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create task "${name}": ${what} ${value} must be a whole number >= ${min}`,
    );
  }
}

/** The keys of a {@linkcode TaskSpec}, checked because `deno run` does not type-check. */
export const TASK_KEYS = {
  name: true,
  period: true,
  irq: true,
  channel: true,
  wcet: true,
  execution: true,
  deadline: true,
  priority: true,
  offset: true,
  jitter: true,
  criticalSection: true,
  minInterarrival: true,
} as const satisfies OptionKeys<TaskSpec>;

const CRITICAL_SECTION_KEYS = {
  everyNs: true,
  cycles: true,
} as const satisfies OptionKeys<CriticalSection>;

/** The keys of each kind of execution. */
const EXECUTION_KEYS: Readonly<Record<TaskExecution["kind"], Readonly<Record<string, true>>>> = {
  fixed: { kind: true, ns: true } satisfies OptionKeys<Extract<TaskExecution, { kind: "fixed" }>>,
  uniform: { kind: true, minNs: true, maxNs: true } satisfies OptionKeys<
    Extract<TaskExecution, { kind: "uniform" }>
  >,
};

/** Checks a task spec; throws TypeError for a wrong shape and RangeError for a bad value. */
export function checkTask(spec: TaskSpec): void {
  const name = spec.name;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot create task: name ${JSON.stringify(name)} must be a non-empty string`,
    );
  }
  const action = `Cannot create task "${name}"`;
  checkOptionKeys(spec, TASK_KEYS, { action });
  checkOptionKeys(spec.criticalSection, CRITICAL_SECTION_KEYS, {
    action,
    prefix: "criticalSection.",
  });
  const triggers = [spec.period, spec.irq, spec.channel].filter((t) => t !== undefined).length;
  if (triggers !== 1) {
    throw new TypeError(
      `Cannot create task "${name}": give exactly one of period (periodic), irq or channel (sporadic)`,
    );
  }
  if ((spec.wcet === undefined) === (spec.execution === undefined)) {
    throw new TypeError(`Cannot create task "${name}": give exactly one of wcet or execution`);
  }
  whole(spec.period, "period", name, 1);
  whole(spec.wcet, "wcet", name, 0);
  whole(spec.deadline, "deadline", name, 1);
  whole(spec.offset, "offset", name, 0);
  whole(spec.jitter, "jitter", name, 0);
  whole(spec.minInterarrival, "minInterarrival", name, 1);
  if (!Number.isSafeInteger(spec.priority)) {
    throw new RangeError(
      `Cannot create task "${name}": priority ${spec.priority} must be an integer`,
    );
  }
  const execution = spec.execution;
  if (execution !== undefined) {
    if (Object.hasOwn(EXECUTION_KEYS, execution.kind)) {
      const keys = EXECUTION_KEYS[execution.kind];
      checkOptionKeys(execution, keys, { action, prefix: "execution." });
    }
    if (execution.kind === "fixed") whole(execution.ns, "execution.ns", name, 0);
    else if (execution.kind === "uniform") {
      whole(execution.minNs, "execution.minNs", name, 0);
      whole(execution.maxNs, "execution.maxNs", name, execution.minNs);
    } else {
      throw new TypeError(
        `Cannot create task "${name}": execution.kind ${
          JSON.stringify((execution as { kind: unknown }).kind)
        } must be "fixed" or "uniform"`,
      );
    }
  }
  const limit = spec.period ?? spec.minInterarrival;
  if (spec.period === undefined && spec.deadline === undefined && limit === undefined) {
    throw new TypeError(
      `Cannot create task "${name}": a sporadic task needs a deadline or a minInterarrival`,
    );
  }
  if (spec.deadline !== undefined && limit !== undefined && spec.deadline > limit) {
    throw new RangeError(
      `Cannot create task "${name}": deadline ${spec.deadline} ns exceeds its ${
        spec.period !== undefined ? "period" : "minInterarrival"
      } ${limit} ns (deadlines are constrained)`,
    );
  }
  if (spec.criticalSection !== undefined) {
    whole(spec.criticalSection.cycles, "criticalSection.cycles", name, 0);
    whole(spec.criticalSection.everyNs, "criticalSection.everyNs", name, 1);
  }
}

function emptyStats(): RtosTaskStats {
  return {
    releases: 0,
    completions: 0,
    misses: 0,
    preemptions: 0,
    responseNsMax: -1,
    responseNsTotal: 0,
    early: 0,
  };
}

/** Makes a task's state at boot. */
export function bootTask(
  ctx: GuestContext,
  spec: TaskSpec,
  order: number,
  epoch: number,
  observe: RtosObservation | undefined,
): TaskState {
  let stats = observe?.tasks[spec.name];
  if (stats === undefined) {
    stats = emptyStats();
    if (observe !== undefined) observe.tasks[spec.name] = stats;
  }
  const execution = spec.execution ?? { kind: "fixed", ns: spec.wcet ?? 0 };
  const executionStream = ctx.random(`task.${spec.name}`);
  const jitterStream = ctx.random(`task.${spec.name}.jitter`);
  const jitter = spec.jitter ?? 0;
  const drawJitterNs = () => jitter > 0 ? jitterStream.int(0, jitter) : 0;
  const everyCycles = spec.criticalSection?.everyNs === undefined
    ? Infinity
    : cyclesFor(spec.criticalSection.everyNs, ctx.clockHz);
  const state: TaskState = {
    spec,
    order,
    priority: spec.priority,
    periodNs: spec.period ?? 0,
    minInterarrivalNs: spec.minInterarrival ?? 0,
    deadlineNs: spec.deadline ?? spec.period ?? spec.minInterarrival!,
    nameDigest: stringDigest(spec.name),
    stats,
    drawExecutionNs: () =>
      execution.kind === "fixed"
        ? execution.ns
        : executionStream.int(execution.minNs, execution.maxNs),
    drawJitterNs,
    nextArrival: -1,
    nextRelease: -1,
    arrivals: [],
    arrivalCount: 0,
    lastArrival: -Infinity,
    jobs: 0,
    queue: [],
    queued: 0,
    sectionCycles: Math.min(spec.criticalSection?.cycles ?? 0, everyCycles),
    everyCycles,
  };
  if (spec.period !== undefined) {
    state.nextArrival = epoch + (spec.offset ?? 0);
    state.nextRelease = state.nextArrival + drawJitterNs();
  }
  return state;
}

/**
 * Records sporadic arrivals seen at `now` (one per edge). An arrival sooner than
 * `minInterarrival` after the previous one is counted as early; it is not deferred (the
 * arrival is measured when the RTOS handles the IRQ, so its latency jitter alone can make
 * arrivals look a little early).
 */
export function arriveSporadic(task: TaskState, now: number, edges: number): void {
  const gap = task.minInterarrivalNs;
  for (let i = 0; i < edges; i++) {
    if (now < task.lastArrival + gap) task.stats.early++;
    task.lastArrival = now;
    task.arrivals[task.arrivalCount++] = { arrival: now, release: now + task.drawJitterNs() };
  }
}

/**
 * Releases every job of a task due at or before `now`, appending them to its queue; returns
 * how many (the last that many queued jobs).
 */
export function releaseDue(task: TaskState, now: number, clockHz: number): number {
  let released = 0;
  if (task.periodNs > 0) {
    while (task.nextRelease <= now) {
      release(task, task.nextArrival, task.nextRelease, clockHz);
      released++;
      task.nextArrival += task.periodNs;
      task.nextRelease = task.nextArrival + task.drawJitterNs();
    }
  } else {
    const arrivals = task.arrivals;
    while (task.arrivalCount > 0 && arrivals[0].release <= now) {
      const next = arrivals[0];
      removeFirst(arrivals, task.arrivalCount--);
      release(task, next.arrival, next.release, clockHz);
      released++;
    }
  }
  return released;
}

/** Releases one job of a task (drawing its execution time) at the end of its queue. */
function release(task: TaskState, arrival: number, releasedAt: number, clockHz: number): void {
  const cycles = cyclesFor(task.drawExecutionNs(), clockHz);
  task.queue[task.queued++] = {
    task,
    index: task.jobs++,
    arrival,
    release: releasedAt,
    deadline: arrival + task.deadlineNs,
    remaining: cycles,
    executed: 0,
    started: false,
    flagged: false,
    finished: false,
  };
  task.stats.releases++;
}

/** Takes the head job out of a task's queue. */
export function dequeueHead(task: TaskState): void {
  removeFirst(task.queue, task.queued--);
}

/** Moves the entries after the first of `count` down by one, in place (the last goes stale). */
function removeFirst<T>(list: T[], count: number): void {
  for (let i = 1; i < count; i++) list[i - 1] = list[i];
}

/** The next release time of a task, or Infinity. */
export function nextReleaseOf(task: TaskState): number {
  if (task.periodNs > 0) return task.nextRelease;
  return task.arrivalCount > 0 ? task.arrivals[0].release : Infinity;
}

/** Where a job with critical sections is within its current section period, in cycles. */
function positionOf(job: Job): number {
  const every = job.task.everyCycles;
  return every === Infinity ? job.executed : job.executed % every;
}

/** Whether the next piece of a job runs with interrupts masked (inside a critical section). */
export function pieceMasked(job: Job): boolean {
  const task = job.task;
  return task.sectionCycles !== 0 && positionOf(job) < task.sectionCycles;
}

/**
 * How many cycles the next piece of a job runs: to the end of the job, or of the critical
 * section it is in, or to the start of the next section.
 */
export function pieceCycles(job: Job): number {
  const task = job.task;
  if (task.sectionCycles === 0) return job.remaining;
  const position = positionOf(job);
  if (position < task.sectionCycles) {
    return Math.min(task.sectionCycles - position, job.remaining);
  }
  return Math.min(task.everyCycles - position, job.remaining);
}

/** The highest-priority released job: by task priority, then release, then task order. */
export function pickJob(tasks: readonly TaskState[]): Job | undefined {
  let best: Job | undefined;
  for (const task of tasks) {
    if (task.queued === 0) continue;
    const head = task.queue[0];
    if (
      best === undefined || task.priority > best.task.priority ||
      (task.priority === best.task.priority &&
        (head.release < best.release ||
          (head.release === best.release && task.order < best.task.order)))
    ) {
      best = head;
    }
  }
  return best;
}
