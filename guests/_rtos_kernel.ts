// The RTOS kernel's main loop: a fixed-priority preemptive scheduler over vIRQ-interrupted
// computes. See the module documentation of rtos.ts for the semantics it implements.

import type { DeliveredVirq } from "../kernel/abi.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import {
  arriveSporadic,
  bootTask,
  type Job,
  nextPiece,
  nextReleaseOf,
  pickJob,
  releaseDue,
  type TaskState,
} from "./_rtos_task.ts";
import { CLOCK, computeOperation, outcomeOf, timeOf, virqsOf, WAIT } from "./_operations.ts";
import { compute, type Guest, interrupts, irqAck, now, receive, timer } from "./program.ts";
import type { RtosCosts, RtosObservation, TaskSpec } from "./rtos.ts";

/** A timer period long enough (about 13 days) that a programmed expiry acts as a one-shot. */
const ONE_SHOT_PERIOD_NS = 2 ** 50;

/** What the RTOS program needs from its options. */
export interface RtosConfig {
  readonly tasks: readonly TaskSpec[];
  readonly tickNs: number;
  readonly costs: RtosCosts;
  readonly observe?: RtosObservation;
}

/** Runs RTOS-internal work of `cycles`, collecting any vIRQs that cut it short. */
function* overhead(cycles: number, pending: DeliveredVirq[]): Guest<void> {
  let left = cycles;
  while (left > 0) {
    // The scheduler's hot loop yields operations directly (see _operations.ts).
    const outcome = outcomeOf(yield computeOperation(left), left);
    left = outcome.remainingCycles;
    pending.push(...outcome.virqs);
  }
}

/** The earliest future event a tickless RTOS must wake for: a release or an unflagged deadline. */
function nextEvent(tasks: readonly TaskState[]): number {
  let at = Infinity;
  for (const task of tasks) {
    at = Math.min(at, nextReleaseOf(task));
    for (const job of task.queue) if (!job.flagged) at = Math.min(at, job.deadline);
  }
  return at;
}

/**
 * The RTOS program for one boot.
 *
 * @param ctx The guest context.
 * @param config Tasks, timer mode, costs and the observation.
 * @returns The program (it never returns).
 */
export function* rtosProgram(ctx: GuestContext, config: RtosConfig): Guest<void> {
  const { costs, observe, tickNs } = config;
  const trace = ctx.trace;
  yield* interrupts(true);
  if (tickNs > 0) yield* timer(tickNs, tickNs);
  const epoch = yield* now();
  if (observe !== undefined) {
    observe.boots++;
    observe.epochNs = epoch;
  }
  const tasks = config.tasks.map((spec, order) => bootTask(ctx, spec, order, epoch, observe));
  const miss = (job: Job) => {
    job.flagged = true;
    job.task.stats.misses++;
    trace("task.miss", () => ({
      task: job.task.spec.name,
      job: job.index,
      release: job.release,
      deadline: job.deadline,
    }));
  };
  let pending: DeliveredVirq[] = [];
  let last: Job | undefined;
  let armedAt = -1;
  for (;;) {
    const t = timeOf(yield CLOCK);
    if (pending.length > 0) {
      const delivered = pending;
      pending = [];
      let cycles = 0;
      let acted = false;
      for (const virq of delivered) {
        if (virq.name === "timer") {
          if (observe !== undefined) observe.ticks++;
          cycles += costs.tickCycles;
          continue;
        }
        if (virq.name.startsWith("channel:")) {
          const channel = virq.name.slice("channel:".length);
          const drivers = tasks.filter((task) => task.spec.channel === channel);
          const cap = ctx.caps[`receive:${channel}`];
          if (drivers.length === 0 || cap === undefined) continue;
          if (observe !== undefined) observe.irqs++;
          cycles += costs.irqEntryCycles;
          let messages = 0;
          for (;;) {
            const received = yield* receive(cap);
            if (!received.ok || received.value === undefined) break;
            messages++;
          }
          for (const task of drivers) if (messages > 0) arriveSporadic(task, t, messages);
          acted = true;
          continue;
        }
        const bound = tasks.filter((task) => task.spec.irq === virq.name);
        if (bound.length === 0) continue;
        if (observe !== undefined) observe.irqs++;
        cycles += costs.irqEntryCycles;
        for (const task of bound) arriveSporadic(task, t, virq.count);
        const cap = ctx.caps[`irq:${virq.name}`];
        if (cap !== undefined) {
          yield* irqAck(cap);
          acted = true;
        }
      }
      yield* overhead(cycles, pending);
      if (cycles > 0 || acted) continue;
    }
    for (const task of tasks) {
      for (const job of releaseDue(task, t, ctx.clockHz)) {
        trace("task.release", () => ({
          task: task.spec.name,
          job: job.index,
          arrival: job.arrival,
          release: job.release,
          deadline: job.deadline,
        }));
      }
      for (const job of task.queue) if (!job.flagged && job.deadline <= t) miss(job);
    }
    const job = pickJob(tasks);
    if (tickNs === 0) {
      const target = nextEvent(tasks);
      const wanted = target === Infinity ? -1 : target;
      if (wanted !== armedAt) {
        armedAt = wanted;
        yield* (wanted < 0 ? timer(0) : timer(ONE_SHOT_PERIOD_NS, wanted - t));
      }
    }
    if (job === undefined) {
      pending.push(...virqsOf(yield WAIT));
      continue;
    }
    if (job !== last) {
      const previous = last;
      if (previous !== undefined && previous.started && !previous.finished) {
        previous.task.stats.preemptions++;
        trace("task.preempt", () => ({
          task: previous.task.spec.name,
          job: previous.index,
          by: job.task.spec.name,
          byJob: job.index,
        }));
      }
      last = job;
      if (costs.contextSwitchCycles > 0) {
        yield* overhead(costs.contextSwitchCycles, pending);
        continue;
      }
    }
    if (!job.started) {
      job.started = true;
      trace(
        "task.start",
        () => ({ task: job.task.spec.name, job: job.index, release: job.release }),
      );
    }
    if (job.remaining > 0) {
      const piece = nextPiece(job);
      let done = piece.cycles;
      if (piece.masked) {
        yield* interrupts(false);
        yield* compute(piece.cycles);
        yield* interrupts(true);
      } else {
        const outcome = outcomeOf(yield computeOperation(piece.cycles), piece.cycles);
        done -= outcome.remainingCycles;
        pending.push(...outcome.virqs);
      }
      job.remaining -= done;
      job.executed += done;
    }
    if (job.remaining === 0) {
      const finishedAt = timeOf(yield CLOCK);
      const task = job.task;
      job.finished = true;
      task.queue.shift();
      const responseNs = finishedAt - job.arrival;
      const missed = finishedAt > job.deadline;
      if (missed && !job.flagged) miss(job);
      task.stats.completions++;
      task.stats.responseNsTotal += responseNs;
      task.stats.responseNsMax = Math.max(task.stats.responseNsMax, responseNs);
      trace("task.finish", () => ({
        task: task.spec.name,
        job: job.index,
        responseNs,
        deadlineNs: task.deadlineNs,
        missed,
      }));
    }
  }
}
