/**
 * A CFS-like fair scheduler, as the model of KVM: each vCPU is a host thread with a weight
 * from its cell's nice value (Linux `sched_prio_to_weight`; nice 0 = 1024) and no fixed
 * priority. The vCPU with the least virtual runtime runs; virtual runtime grows by run time ×
 * 1024 / weight, so over time CPU shares converge to the weights.
 *
 * Linux defaults on one CPU: a scheduling latency of 6 ms shared among the runnable vCPUs in
 * proportion to weight (never below a 0.75 ms minimum granularity) gives the running vCPU's
 * slice; at its end the vCPU with the least virtual runtime takes over. A waking vCPU is
 * placed at no less than the queue's minimum virtual runtime minus half the latency (sleeper
 * credit) and preempts the running one when it is more than the 1 ms wake-up granularity
 * (scaled by its weight) behind.
 *
 * @module
 */

import type { Vcpu } from "../objects/vcpu.ts";
import type { PolicyHost, SchedulingPolicy } from "../scheduler.ts";

/** Linux's weight for nice -20..19 (`sched_prio_to_weight`), index nice + 20. */
export const NICE_TO_WEIGHT: readonly number[] = Object.freeze([
  88761,
  71755,
  56483,
  46273,
  36291,
  29154,
  23254,
  18705,
  14949,
  11916,
  9548,
  7620,
  6100,
  4904,
  3906,
  3121,
  2501,
  1991,
  1586,
  1277,
  1024,
  820,
  655,
  526,
  423,
  335,
  272,
  215,
  172,
  137,
  110,
  87,
  70,
  56,
  45,
  36,
  29,
  23,
  18,
  15,
]);

/** Linux CFS defaults for one CPU. */
export const FAIR_DEFAULTS: Readonly<{
  latencyNs: number;
  minGranularityNs: number;
  wakeupGranularityNs: number;
}> = Object.freeze({
  latencyNs: 6_000_000,
  minGranularityNs: 750_000,
  wakeupGranularityNs: 1_000_000,
});

/** Options of {@linkcode FairSharePolicy}. */
export interface FairSharePolicyOptions {
  /** Nice value per cell name, -20..19; default 0. */
  readonly nice?: Readonly<Record<string, number>>;
  /** Scheduling latency, ns; default 6 ms. */
  readonly latencyNs?: number;
  /** Minimum slice, ns; default 0.75 ms. */
  readonly minGranularityNs?: number;
  /** Wake-up preemption granularity, ns; default 1 ms. */
  readonly wakeupGranularityNs?: number;
}

interface FairState {
  vruntime: number;
  sliceRanNs: number;
  placed: boolean;
}

/**
 * A CFS-like fair-share scheduler, per core.
 *
 * @example Usage
 * ```ts
 * import { FairSharePolicy } from "./fair_share_policy.ts";
 * import { Vcpu } from "../objects/vcpu.ts";
 * import assert from "node:assert/strict";
 * const policy = new FairSharePolicy();
 * policy.init(1);
 * const a = new Vcpu({ name: "a.0", priority: 0, affinity: 0 });
 * const b = new Vcpu({ name: "b.0", priority: 0, affinity: 0 });
 * policy.enqueue(a, false);
 * policy.enqueue(b, false);
 * policy.account(a, 1_000);
 * assert.equal(policy.peek(0), b);
 * ```
 */
export class FairSharePolicy implements SchedulingPolicy {
  /** The policy's name. */
  readonly name: string = "cfs";
  /** No round-robin slice: slices come from {@linkcode FairSharePolicy.runLimitNs}. */
  readonly sliceNs: number = Infinity;
  readonly #nice: Readonly<Record<string, number>>;
  readonly #latencyNs: number;
  readonly #minGranularityNs: number;
  readonly #wakeupGranularityNs: number;
  readonly #states = new Map<Vcpu, FairState>();
  #ready: Vcpu[][] = [];
  #minVruntime: number[] = [];
  #host: PolicyHost | undefined;

  /**
   * Creates a fair-share policy, checking nice values.
   *
   * @param options Nice values and the latency, granularity and wake-up granularity.
   * @throws {RangeError} For a nice value outside -20..19.
   */
  constructor(options: FairSharePolicyOptions = {}) {
    for (const [cell, nice] of Object.entries(options.nice ?? {})) {
      if (!Number.isInteger(nice) || nice < -20 || nice > 19) {
        throw new RangeError(`Invalid nice ${nice} for cell "${cell}": use an integer in -20..19`);
      }
    }
    this.#nice = options.nice ?? {};
    this.#latencyNs = options.latencyNs ?? FAIR_DEFAULTS.latencyNs;
    this.#minGranularityNs = options.minGranularityNs ?? FAIR_DEFAULTS.minGranularityNs;
    this.#wakeupGranularityNs = options.wakeupGranularityNs ?? FAIR_DEFAULTS.wakeupGranularityNs;
  }

  /**
   * A vCPU's weight (from its cell's nice value).
   *
   * @param vcpu The vCPU.
   * @returns The weight.
   */
  weight(vcpu: Vcpu): number {
    return NICE_TO_WEIGHT[(this.#nice[vcpu.cell?.name ?? ""] ?? 0) + 20];
  }

  /**
   * A vCPU's virtual runtime, ns (including its running, not yet accounted time).
   *
   * @param vcpu The vCPU.
   * @returns Virtual runtime.
   */
  vruntime(vcpu: Vcpu): number {
    const state = this.#state(vcpu);
    const pending = this.#host?.unaccountedNs(vcpu) ?? 0;
    return state.vruntime + (pending * 1024) / this.weight(vcpu);
  }

  /** Prepares one run queue per core. */
  init(cores: number): void {
    this.#ready = Array.from({ length: cores }, () => []);
    this.#minVruntime = Array.from({ length: cores }, () => 0);
  }

  /** Keeps the kernel's services. */
  attach(host: PolicyHost): void {
    this.#host = host;
  }

  /** Adds a runnable vCPU. */
  enqueue(vcpu: Vcpu, _front: boolean): void {
    const list = this.#ready[vcpu.affinity];
    if (list.includes(vcpu)) return;
    const state = this.#state(vcpu);
    if (!state.placed) {
      state.placed = true;
      state.vruntime = Math.max(state.vruntime, this.#minVruntime[vcpu.affinity]);
    }
    list.push(vcpu);
  }

  /** Removes a vCPU (it starts running or leaves); its slice starts afresh. */
  remove(vcpu: Vcpu): void {
    const list = this.#ready[vcpu.affinity];
    const index = list.indexOf(vcpu);
    if (index >= 0) list.splice(index, 1);
    this.#state(vcpu).sliceRanNs = 0;
  }

  /** The runnable vCPU with the least virtual runtime (the first among equals). */
  peek(core: number): Vcpu | undefined {
    let found: Vcpu | undefined;
    for (const vcpu of this.#ready[core]) {
      if (found === undefined || this.#state(vcpu).vruntime < this.#state(found).vruntime) {
        found = vcpu;
      }
    }
    return found;
  }

  /** Wake-up preemption past the granularity, or the end of the running vCPU's slice. */
  preempts(candidate: Vcpu, running: Vcpu): boolean {
    const behind = this.vruntime(running) - this.#state(candidate).vruntime;
    const granularity = (this.#wakeupGranularityNs * 1024) / this.weight(candidate);
    if (behind > granularity) return true;
    const ran = this.#state(running).sliceRanNs + (this.#host?.unaccountedNs(running) ?? 0);
    return ran >= this.#idealSliceNs(running) && behind >= 0;
  }

  /** No round-robin among equals: slices come from the weights. */
  hasEqual(_running: Vcpu): boolean {
    return false;
  }

  /** The rest of the running vCPU's weighted slice while others wait; else no limit. */
  runLimitNs(running: Vcpu, _now: number): number {
    if (this.#ready[running.affinity].length === 0) return Infinity;
    const ran = this.#state(running).sliceRanNs + (this.#host?.unaccountedNs(running) ?? 0);
    const left = this.#idealSliceNs(running) - ran;
    return Math.max(left, this.#minGranularityNs);
  }

  /** Adds weighted run time to the virtual runtime. */
  account(vcpu: Vcpu, ns: number): void {
    const state = this.#state(vcpu);
    state.vruntime += (ns * 1024) / this.weight(vcpu);
    state.sliceRanNs += ns;
    const core = vcpu.affinity;
    let floor = state.vruntime;
    for (const other of this.#ready[core]) floor = Math.min(floor, this.#state(other).vruntime);
    this.#minVruntime[core] = Math.max(this.#minVruntime[core], floor);
  }

  /** A sleeper is placed no earlier than the minimum virtual runtime minus half the latency. */
  wake(vcpu: Vcpu): void {
    const state = this.#state(vcpu);
    const floor = this.#minVruntime[vcpu.affinity] - this.#latencyNs / 2;
    state.vruntime = Math.max(state.vruntime, floor);
    state.placed = true;
  }

  #idealSliceNs(running: Vcpu): number {
    const others = this.#ready[running.affinity];
    const nr = others.length + 1;
    const period = Math.max(this.#latencyNs, nr * this.#minGranularityNs);
    const total = others.reduce((sum, v) => sum + this.weight(v), this.weight(running));
    return Math.max(this.#minGranularityNs, Math.floor((period * this.weight(running)) / total));
  }

  #state(vcpu: Vcpu): FairState {
    let state = this.#states.get(vcpu);
    if (state === undefined) {
      state = { vruntime: 0, sliceRanNs: 0, placed: false };
      this.#states.set(vcpu, state);
    }
    return state;
  }
}
