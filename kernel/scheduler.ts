/**
 * Scheduling policies behind a small interface, so other kernels' policies (time-partition
 * windows, credit schedulers) can be added without touching the rest of the kernel. The
 * default is fixed-priority preemptive with round-robin among equal priorities, per core.
 *
 * @module
 */

import type { TraceValue } from "../hw/trace_bus.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/**
 * What the kernel offers a policy that acts at times of its own (window boundaries, credit
 * ticks): the clock, the running vCPUs, and kernel timers that make a core decide again.
 */
export interface PolicyHost {
  /** The current virtual time, ns. */
  now(): number;
  /**
   * Arms a kernel timer on a core: at `at` the core takes a timer interrupt (charged as IRQ
   * entry), runs `work` if given, and then decides again which vCPU runs.
   *
   * @param core The core.
   * @param at When, ns (not before now).
   * @param work Policy bookkeeping to run at that time, before the decision.
   */
  requestDecision(core: number, at: number, work?: () => void): void;
  /**
   * The vCPU running on a core, if any.
   *
   * @param core The core.
   * @returns The running vCPU.
   */
  running(core: number): Vcpu | undefined;
  /**
   * Guest time the running vCPU has run in its current, not yet accounted segment.
   *
   * @param vcpu The vCPU.
   * @returns Nanoseconds (0 when it is not running).
   */
  unaccountedNs(vcpu: Vcpu): number;
  /**
   * Emits a trace record (source "kernel") if anyone listens.
   *
   * @param kind Record kind.
   * @param fields Fields.
   */
  emit(kind: string, fields: Record<string, TraceValue>): void;
}

/** What a scheduling policy decides. The kernel owns the running vCPU of each core. */
export interface SchedulingPolicy {
  /** The policy's name. */
  readonly name: string;
  /**
   * Prepares per-core state.
   *
   * @param cores The number of cores.
   */
  init(cores: number): void;
  /**
   * Adds a ready vCPU to its core's queue.
   *
   * @param vcpu The vCPU, state `ready`.
   * @param front Whether it goes ahead of its equals (it was preempted, not rotated).
   */
  enqueue(vcpu: Vcpu, front: boolean): void;
  /**
   * Removes a vCPU from its core's queue if it is there.
   *
   * @param vcpu The vCPU.
   */
  remove(vcpu: Vcpu): void;
  /**
   * The vCPU that should run next on a core, without dequeuing it.
   *
   * @param core The core.
   * @returns The best ready vCPU, or `undefined`.
   */
  peek(core: number): Vcpu | undefined;
  /**
   * Whether a ready vCPU should preempt the running one.
   *
   * @param candidate The best ready vCPU.
   * @param running The running vCPU.
   * @returns Whether to switch now.
   */
  preempts(candidate: Vcpu, running: Vcpu): boolean;
  /**
   * Whether a running vCPU whose slice ended should give way to an equal.
   *
   * @param running The running vCPU.
   * @returns Whether a ready vCPU of the same standing waits on its core.
   */
  hasEqual(running: Vcpu): boolean;
  /** The round-robin time slice in ns. */
  readonly sliceNs: number;
  /**
   * Optional: receives the kernel's services once, when the kernel boots.
   *
   * @param host Clock, running vCPUs and kernel timers.
   */
  attach?(host: PolicyHost): void;
  /**
   * Optional: whether the running vCPU may keep its core now (default yes). When not, the
   * kernel puts it back as ready at the front of its queue and decides again.
   *
   * @param running The running vCPU.
   * @returns Whether it may go on.
   */
  mayRun?(running: Vcpu): boolean;
  /**
   * Optional: how long the running vCPU may run from now before the policy must decide
   * again (a slice of a fair share); the kernel ends its compute segment then with a timer
   * interrupt. Default: no limit.
   *
   * @param running The running vCPU.
   * @param now The current time.
   * @returns Nanoseconds, > 0, or `Infinity`.
   */
  runLimitNs?(running: Vcpu, now: number): number;
  /**
   * Optional: guest time a vCPU has just run (credit debit, virtual runtime).
   *
   * @param vcpu The vCPU.
   * @param ns Nanoseconds of guest time.
   */
  account?(vcpu: Vcpu, ns: number): void;
  /**
   * Optional: a blocked or new vCPU is becoming ready (before {@linkcode enqueue}); a policy
   * may boost it or place its virtual time.
   *
   * @param vcpu The waking vCPU.
   */
  wake?(vcpu: Vcpu): void;
}

/** Default round-robin slice among equal priorities (estimated; configurable). */
export const DEFAULT_SLICE_NS = 10_000_000;

/**
 * Fixed-priority preemptive scheduling, 256 levels, round-robin among equals, one queue per
 * core, with a bitmap of non-empty levels so picking is O(1).
 *
 * @example Usage
 * ```ts
 * import { FixedPriorityPolicy } from "./scheduler.ts";
 * import { Vcpu } from "./objects/vcpu.ts";
 * import assert from "node:assert/strict";
 * const policy = new FixedPriorityPolicy();
 * policy.init(1);
 * const low = new Vcpu({ name: "low", priority: 10, affinity: 0 });
 * const high = new Vcpu({ name: "high", priority: 200, affinity: 0 });
 * policy.enqueue(low, false);
 * policy.enqueue(high, false);
 * assert.equal(policy.peek(0), high);
 * ```
 */
export class FixedPriorityPolicy implements SchedulingPolicy {
  /** The policy's name. */
  readonly name: string = "fixed-priority";
  /** The round-robin slice. */
  readonly sliceNs: number;
  // Per core and level, the queue: its first `#counts[core][level]` entries. The count is kept
  // apart so that a level emptied and filled again (as a lone vCPU's is at every switch)
  // keeps its array's storage: an array popped empty frees it, and the next push allocates.
  #queues: (Vcpu | undefined)[][][] = [];
  #counts: Int32Array[] = [];
  #bitmaps: Uint32Array[] = [];
  // Per core, the highest non-empty level (-1: none), kept current by enqueue and remove so
  // that peek reads it instead of scanning the bitmap.
  #tops: Int32Array = new Int32Array(0);

  /**
   * @param options The round-robin slice.
   */
  constructor(options: { sliceNs?: number } = {}) {
    this.sliceNs = options.sliceNs ?? DEFAULT_SLICE_NS;
  }

  /** Prepares one queue set per core. */
  init(cores: number): void {
    this.#queues = Array.from({ length: cores }, () => Array.from({ length: 256 }, () => []));
    this.#counts = Array.from({ length: cores }, () => new Int32Array(256));
    this.#bitmaps = Array.from({ length: cores }, () => new Uint32Array(8));
    this.#tops = new Int32Array(cores).fill(-1);
  }

  /** Adds a ready vCPU. */
  enqueue(vcpu: Vcpu, front: boolean): void {
    const core = vcpu.affinity, priority = vcpu.priority;
    const level = this.#queues[core][priority];
    const counts = this.#counts[core];
    const count = counts[priority];
    for (let index = 0; index < count; index++) if (level[index] === vcpu) return;
    if (front) {
      for (let index = count; index > 0; index--) level[index] = level[index - 1];
      level[0] = vcpu;
    } else level[count] = vcpu;
    counts[priority] = count + 1;
    this.#bitmaps[core][priority >> 5] |= 1 << (priority & 31);
    if (priority > this.#tops[core]) this.#tops[core] = priority;
  }

  /** Removes a vCPU wherever it is queued on its core. */
  remove(vcpu: Vcpu): void {
    const core = vcpu.affinity;
    const queues = this.#queues[core];
    // A queued vCPU sits at its current priority (priority changes dequeue first).
    const likely = queues[vcpu.priority];
    if (likely !== undefined && this.#removeFrom(core, vcpu.priority, likely, vcpu)) return;
    const counts = this.#counts[core];
    for (let priority = 0; priority < 256; priority++) {
      const level = queues[priority];
      if (counts[priority] > 0 && this.#removeFrom(core, priority, level, vcpu)) return;
    }
  }

  /** Removes a vCPU from one level, moving the rest down in place; whether it was there. */
  #removeFrom(
    core: number,
    priority: number,
    level: (Vcpu | undefined)[],
    vcpu: Vcpu,
  ): boolean {
    const counts = this.#counts[core];
    const length = counts[priority];
    let at = 0;
    while (at < length && level[at] !== vcpu) at++;
    if (at === length) return false;
    for (let index = at + 1; index < length; index++) level[index - 1] = level[index];
    level[length - 1] = undefined;
    counts[priority] = length - 1;
    if (length === 1) {
      const bitmap = this.#bitmaps[core];
      bitmap[priority >> 5] &= ~(1 << (priority & 31));
      if (priority === this.#tops[core]) this.#tops[core] = highestLevel(bitmap);
    }
    return true;
  }

  /** The highest-priority ready vCPU on a core. */
  peek(core: number): Vcpu | undefined {
    const top = this.#tops[core];
    return top < 0 ? undefined : this.#queues[core][top][0];
  }

  /** Strictly higher priority preempts. */
  preempts(candidate: Vcpu, running: Vcpu): boolean {
    return candidate.priority > running.priority;
  }

  /** Whether an equal-priority vCPU waits. */
  hasEqual(running: Vcpu): boolean {
    return this.#counts[running.affinity][running.priority] > 0;
  }
}

/** The highest set bit of a 256-bit level bitmap, or -1 when no bit is set. */
function highestLevel(bitmap: Uint32Array): number {
  for (let word = 7; word >= 0; word--) {
    const bits = bitmap[word];
    if (bits !== 0) return word * 32 + 31 - Math.clz32(bits);
  }
  return -1;
}
