// The RTOS kernel's main loop: a fixed-priority preemptive scheduler over vIRQ-interrupted
// computes. See the module documentation of rtos.ts for the semantics it implements.
//
// It is written as a hand-made state machine rather than a generator: the RTOS is resumed at
// every scheduling point of the platform's busiest guest, and a generator (with the nested
// `yield*` helpers of program.ts) costs a generator object per helper call and a save and
// restore of every live local per resumption. `RtosKernel.next(result)` does what the body of
// a generator would do between two `yield`s: `#resume` names the `yield` it stopped at (the
// states below), and every method that yields an operation sets it first.

import type { DeliveredVirq, Operation, OperationResult } from "../kernel/abi.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { GuestStateMachine, STATE_START } from "./_guest_state_machine.ts";
import {
  arriveSporadic,
  bootTask,
  dequeueHead,
  type Job,
  nextReleaseOf,
  pickJob,
  pieceCycles,
  pieceMasked,
  releaseDue,
  type TaskState,
} from "./_rtos_task.ts";
import {
  CLOCK,
  computeOperation,
  INTERRUPTS_OFF,
  INTERRUPTS_ON,
  outcomeOf,
  timeOf,
  virqsOf,
  WAIT,
} from "./_operations.ts";
import type { Guest } from "./program.ts";
import {
  FINISH,
  hashFinish,
  hashPreempt,
  hashRelease,
  hashStart,
  MISS,
  PREEMPT,
  RELEASE,
  START,
} from "./_rtos_records.ts";
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

// Where the RTOS resumes: the operation it last yielded, whose result `next()` brings.
/** After enabling interrupts at boot. */
const BOOT_INTERRUPTS = 1;
/** After programming the tick at boot. */
const BOOT_TIMER = 2;
/** After the first clock read: the epoch. */
const BOOT_CLOCK = 3;
/** After the clock read that opens a scheduling point. */
const POINT = 4;
/** After a receive on a channel whose vIRQ is being handled. */
const RECEIVED = 5;
/** After acknowledging a device IRQ. */
const ACKED = 6;
/** After a compute of RTOS-internal work (the `#overheadLeftCycles` still to run). */
const OVERHEAD = 7;
/** After programming the tickless timer. */
const ARMED = 8;
/** After waiting with nothing to run. */
const WAITED = 9;
/** After masking interrupts for a critical section. */
const MASKED = 10;
/** After running a critical section. */
const SECTION_RAN = 11;
/** After unmasking interrupts at the end of a critical section. */
const UNMASKED = 12;
/** After running a preemptible piece of a job. */
const PIECE_RAN = 13;
/** After the clock read at a job's end. */
const FINISHED = 14;

/** How the RTOS handles one vIRQ name, worked out once per name. */
interface VirqRoute {
  /** "timer": the tick; "channel": drivers receive messages; "irq": bound tasks arrive. */
  readonly kind: "timer" | "channel" | "irq";
  /** The tasks the vIRQ releases (none: the RTOS ignores it). */
  readonly tasks: readonly TaskState[];
  /** The capability name to receive or acknowledge with (looked up live: caps can move). */
  readonly capName: string;
}

/**
 * The RTOS program for one boot.
 *
 * @param ctx The guest context.
 * @param config Tasks, timer mode, costs and the observation.
 * @returns The program (it never returns).
 */
export function rtosProgram(ctx: GuestContext, config: RtosConfig): Guest<void> {
  return new RtosKernel(ctx, config);
}

/** One boot of the RTOS, driven by the kernel through the iterator protocol of a generator. */
class RtosKernel extends GuestStateMachine {
  readonly #ctx: GuestContext;
  readonly #config: RtosConfig;
  readonly #costs: RtosCosts;
  readonly #observe: RtosObservation | undefined;
  readonly #tickNs: number;
  #tasks: readonly TaskState[] = [];
  #routes = new Map<string, VirqRoute>();
  /** The same routes by vIRQ number (a cell's numbers are dense and name one vIRQ each). */
  #routesByNumber: (VirqRoute | undefined)[] = [];
  /**
   * vIRQs delivered and not yet handled: the first `#pendingCount` entries. The two lists of
   * pending and handled vIRQs swap at each point and keep their storage (truncating an array
   * gives its storage up, and the next pushes allocate it again).
   */
  #pending: DeliveredVirq[] = [];
  #pendingCount = 0;
  /** The job that ran last (to count preemptions and charge context switches). */
  #last: Job | undefined;
  /** Tickless: the time the timer is armed for; -1 when stopped. */
  #armedAt = -1;
  /** The time of the current scheduling point. */
  #now = 0;
  /**
   * No task has a release or an unflagged deadline before this time, so a scheduling point
   * before it has nothing to release or flag. A lower bound: a job's end may take the
   * earliest deadline away.
   */
  #quietUntil = -Infinity;

  // Handling the vIRQs of one scheduling point.
  /** The vIRQs being handled: the first `#deliveredCount` entries. */
  #delivered: DeliveredVirq[] = [];
  #deliveredCount = 0;
  #index = 0;
  #handlerCycles = 0;
  #acted = false;
  /** The channel being drained: its receive capability and driver tasks. */
  #receiveCap = 0;
  #drivers: readonly TaskState[] = [];
  #messages = 0;

  /** RTOS-internal work still to run. */
  #overheadLeftCycles = 0;

  // Running a job.
  /** The picked job: the highest-priority released one. */
  #job: Job | undefined;
  /** Whether a release or a job's end may have changed the pick since it was made. */
  #repick = true;
  #pieceCycles = 0;

  constructor(ctx: GuestContext, config: RtosConfig) {
    super();
    this.#ctx = ctx;
    this.#config = config;
    this.#costs = config.costs;
    this.#observe = config.observe;
    this.#tickNs = config.tickNs;
  }

  protected advance(at: number, result: OperationResult): Operation | undefined {
    switch (at) {
      case STATE_START:
        this.resumeAt = BOOT_INTERRUPTS;
        return INTERRUPTS_ON;
      case BOOT_INTERRUPTS:
        if (this.#tickNs > 0) {
          this.resumeAt = BOOT_TIMER;
          return { op: "timer", periodNs: this.#tickNs, firstNs: this.#tickNs };
        }
        this.resumeAt = BOOT_CLOCK;
        return CLOCK;
      case BOOT_TIMER:
        this.resumeAt = BOOT_CLOCK;
        return CLOCK;
      case BOOT_CLOCK:
        this.#boot(timeOf(result));
        return this.#point();
      case POINT:
        return this.#pointAt(timeOf(result));
      case RECEIVED:
        if (result.ok && result.value !== undefined) {
          this.#messages++;
          return this.#receive();
        }
        if (this.#messages > 0) {
          const drivers = this.#drivers;
          for (let i = 0; i < drivers.length; i++) {
            this.#arrive(drivers[i], this.#messages);
          }
        }
        this.#acted = true;
        this.#index++;
        return this.#handleVirqs();
      case ACKED:
        this.#acted = true;
        this.#index++;
        return this.#handleVirqs();
      case OVERHEAD: {
        const outcome = outcomeOf(result, this.#overheadLeftCycles);
        this.#collect(outcome.virqs);
        return this.#overhead(outcome.remainingCycles);
      }
      case ARMED:
        return this.#dispatch();
      case WAITED:
        this.#collect(virqsOf(result));
        return this.#point();
      case MASKED:
        this.resumeAt = SECTION_RAN;
        return computeOperation(this.#pieceCycles);
      case SECTION_RAN:
        outcomeOf(result, this.#pieceCycles);
        this.resumeAt = UNMASKED;
        return INTERRUPTS_ON;
      case UNMASKED:
        return this.#progress(this.#pieceCycles);
      case PIECE_RAN: {
        const outcome = outcomeOf(result, this.#pieceCycles);
        this.#collect(outcome.virqs);
        return this.#progress(this.#pieceCycles - outcome.remainingCycles);
      }
      case FINISHED: {
        // No time passes until the next scheduling point: it is at the job's end.
        const finishedAt = timeOf(result);
        this.#finish(this.#job!, finishedAt);
        return this.#pointAt(finishedAt);
      }
      default:
        return undefined;
    }
  }

  #boot(epoch: number): void {
    const observe = this.#observe;
    if (observe !== undefined) {
      observe.boots++;
      observe.epochNs = epoch;
    }
    this.#tasks = this.#config.tasks.map((spec, order) =>
      bootTask(this.#ctx, spec, order, epoch, observe)
    );
  }

  /** Opens a scheduling point: reads the time. */
  #point(): Operation {
    this.resumeAt = POINT;
    return CLOCK;
  }

  /** A scheduling point at `now`: handles the pending vIRQs, then schedules. */
  #pointAt(now: number): Operation {
    this.#now = now;
    const count = this.#pendingCount;
    if (count === 0) return this.#schedule();
    // The list handled last is done with: it collects the next ones.
    const pending = this.#pending;
    this.#pending = this.#delivered;
    this.#pendingCount = 0;
    this.#delivered = pending;
    this.#deliveredCount = count;
    this.#index = 0;
    this.#handlerCycles = 0;
    this.#acted = false;
    return this.#handleVirqs();
  }

  #collect(virqs: readonly DeliveredVirq[]): void {
    const pending = this.#pending;
    let count = this.#pendingCount;
    for (let i = 0; i < virqs.length; i++) pending[count++] = virqs[i];
    this.#pendingCount = count;
  }

  #routeOf(name: string): VirqRoute {
    let route = this.#routes.get(name);
    if (route === undefined) {
      if (name === "timer") route = { kind: "timer", tasks: [], capName: "" };
      else if (name.startsWith("channel:")) {
        const channel = name.slice("channel:".length);
        route = {
          kind: "channel",
          tasks: this.#tasks.filter((task) => task.spec.channel === channel),
          capName: `receive:${channel}`,
        };
      } else {
        route = {
          kind: "irq",
          tasks: this.#tasks.filter((task) => task.spec.irq === name),
          capName: `irq:${name}`,
        };
      }
      this.#routes.set(name, route);
    }
    return route;
  }

  /**
   * Handles the delivered vIRQs from `#index` on: the tick charges its handler; a channel
   * vIRQ receives every queued message and releases its drivers; a device vIRQ releases its
   * bound tasks and acknowledges the line. Then charges the handlers' cycles.
   */
  #handleVirqs(): Operation {
    const delivered = this.#delivered;
    const costs = this.#costs;
    const observe = this.#observe;
    const count = this.#deliveredCount;
    for (; this.#index < count; this.#index++) {
      const virq = delivered[this.#index];
      let route = this.#routesByNumber[virq.virq];
      if (route === undefined) {
        route = this.#routeOf(virq.name);
        this.#routesByNumber[virq.virq] = route;
      }
      if (route.kind === "timer") {
        if (observe !== undefined) observe.ticks++;
        this.#handlerCycles += costs.tickCycles;
        continue;
      }
      const tasks = route.tasks;
      if (tasks.length === 0) continue;
      const cap = this.#ctx.caps[route.capName];
      if (route.kind === "channel") {
        if (cap === undefined) continue;
        if (observe !== undefined) observe.irqs++;
        this.#handlerCycles += costs.irqEntryCycles;
        this.#receiveCap = cap;
        this.#drivers = tasks;
        this.#messages = 0;
        return this.#receive();
      }
      if (observe !== undefined) observe.irqs++;
      this.#handlerCycles += costs.irqEntryCycles;
      for (let i = 0; i < tasks.length; i++) this.#arrive(tasks[i], virq.count);
      if (cap !== undefined) {
        this.resumeAt = ACKED;
        return { op: "irqAck", cap };
      }
    }
    if (this.#handlerCycles > 0) return this.#overhead(this.#handlerCycles);
    if (this.#acted) return this.#point();
    return this.#schedule();
  }

  /** Records sporadic arrivals of a task now (one per edge). */
  #arrive(task: TaskState, edges: number): void {
    arriveSporadic(task, this.#now, edges);
    this.#quietUntil = Math.min(this.#quietUntil, nextReleaseOf(task));
  }

  #receive(): Operation {
    this.resumeAt = RECEIVED;
    return { op: "receive", cap: this.#receiveCap };
  }

  /** Runs RTOS-internal work of `cycles` (collecting any vIRQs that cut it short), then a point. */
  #overhead(cycles: number): Operation {
    if (cycles <= 0) return this.#point();
    this.#overheadLeftCycles = cycles;
    this.resumeAt = OVERHEAD;
    return computeOperation(cycles);
  }

  /** Releases due jobs, flags misses, picks a job and (tickless) arms the timer. */
  #schedule(): Operation {
    const tasks = this.#tasks;
    const now = this.#now;
    if (now >= this.#quietUntil) this.#releaseAndFlag(now);
    if (this.#repick) {
      this.#job = pickJob(tasks);
      this.#repick = false;
    }
    if (this.#tickNs === 0) {
      const target = nextEvent(tasks);
      const wanted = target === Infinity ? -1 : target;
      if (wanted !== this.#armedAt) {
        this.#armedAt = wanted;
        this.resumeAt = ARMED;
        return wanted < 0
          ? { op: "timer", periodNs: 0 }
          : { op: "timer", periodNs: ONE_SHOT_PERIOD_NS, firstNs: wanted - now };
      }
    }
    return this.#dispatch();
  }

  /** Releases every job due at `now` and flags every unflagged job past its deadline. */
  #releaseAndFlag(now: number): void {
    const tasks = this.#tasks;
    const trace = this.#ctx.trace;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      const released = releaseDue(task, now, this.#ctx.clockHz);
      const queue = task.queue;
      const queued = task.queued;
      for (let j = queued - released; j < queued; j++) {
        const job = queue[j];
        trace(
          "task.release",
          () => ({
            task: task.spec.name,
            job: job.index,
            arrival: job.arrival,
            release: job.release,
            deadline: job.deadline,
          }),
          RELEASE,
          hashRelease(task, job),
        );
      }
      for (let j = 0; j < queued; j++) {
        const job = queue[j];
        if (!job.flagged && job.deadline <= now) this.#miss(job);
      }
    }
    this.#quietUntil = nextEvent(tasks);
    this.#repick = true;
  }

  /** Runs the picked job's next piece (after a context switch if it changed), or waits. */
  #dispatch(): Operation {
    const job = this.#job;
    if (job === undefined) {
      this.resumeAt = WAITED;
      return WAIT;
    }
    const trace = this.#ctx.trace;
    if (job !== this.#last) {
      const previous = this.#last;
      if (previous !== undefined && previous.started && !previous.finished) {
        previous.task.stats.preemptions++;
        trace(
          "task.preempt",
          () => ({
            task: previous.task.spec.name,
            job: previous.index,
            by: job.task.spec.name,
            byJob: job.index,
          }),
          PREEMPT,
          hashPreempt(previous, job),
        );
      }
      this.#last = job;
      const switchCycles = this.#costs.contextSwitchCycles;
      if (switchCycles > 0) return this.#overhead(switchCycles);
    }
    if (!job.started) {
      job.started = true;
      trace(
        "task.start",
        () => ({ task: job.task.spec.name, job: job.index, release: job.release }),
        START,
        hashStart(job),
      );
    }
    if (job.remaining === 0) return this.#progress(0);
    const cycles = pieceCycles(job);
    this.#pieceCycles = cycles;
    if (pieceMasked(job)) {
      this.resumeAt = MASKED;
      return INTERRUPTS_OFF;
    }
    this.resumeAt = PIECE_RAN;
    return computeOperation(cycles);
  }

  /** Accounts `done` cycles of the job; at its end reads the time to finish it. */
  #progress(done: number): Operation {
    const job = this.#job!;
    job.remaining -= done;
    job.executed += done;
    if (job.remaining === 0) {
      this.resumeAt = FINISHED;
      return CLOCK;
    }
    return this.#point();
  }

  #finish(job: Job, finishedAt: number): void {
    const task = job.task;
    job.finished = true;
    dequeueHead(task);
    this.#repick = true;
    const responseNs = finishedAt - job.arrival;
    const missed = finishedAt > job.deadline;
    if (missed && !job.flagged) this.#miss(job);
    task.stats.completions++;
    task.stats.responseNsTotal += responseNs;
    task.stats.responseNsMax = Math.max(task.stats.responseNsMax, responseNs);
    this.#ctx.trace(
      "task.finish",
      () => ({
        task: task.spec.name,
        job: job.index,
        responseNs,
        deadlineNs: task.deadlineNs,
        missed,
      }),
      FINISH,
      hashFinish(job, responseNs, missed),
      task.spec.name,
      responseNs,
    );
  }

  #miss(job: Job): void {
    job.flagged = true;
    job.task.stats.misses++;
    this.#ctx.trace("task.miss", () => ({
      task: job.task.spec.name,
      job: job.index,
      release: job.release,
      deadline: job.deadline,
    }), MISS);
  }
}

/** The earliest future event a tickless RTOS must wake for: a release or an unflagged deadline. */
function nextEvent(tasks: readonly TaskState[]): number {
  let at = Infinity;
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    at = Math.min(at, nextReleaseOf(task));
    const queue = task.queue;
    for (let j = 0; j < task.queued; j++) {
      if (!queue[j].flagged) at = Math.min(at, queue[j].deadline);
    }
  }
  return at;
}
