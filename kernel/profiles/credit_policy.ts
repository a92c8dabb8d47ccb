/**
 * Xen's credit scheduler (credit1), as the model of an enterprise hypervisor's fair share:
 * guests have weights and optional caps, not priorities. The figures are Xen's defaults
 * (`sched_credit.c`): a 10 ms tick, a 30 ms time slice, 100 credits debited per tick from the
 * vCPU running at the tick, and every 30 ms each core hands out 300 credits among its active
 * vCPUs in proportion to their cells' weights (default 256), credit clipped at 300.
 *
 * Priority classes, best first: BOOST, UNDER (credit ≥ 0), OVER (credit < 0). A vCPU that
 * wakes from blocking while UNDER is boosted and preempts UNDER and OVER vCPUs; it loses the
 * boost at the next tick that finds it running. Equal classes round-robin with the 30 ms
 * slice. A capped cell's vCPU gets at most cap % of one core's credit per period and is
 * parked (not run) while its credit is negative, until an accounting gives it credit again.
 *
 * Sampled debiting is deliberate: like Xen's original credit1, a vCPU caught running at a tick
 * pays for the whole tick, however long it ran.
 *
 * @module
 */

import type { Vcpu } from "../objects/vcpu.ts";
import type { PolicyHost, SchedulingPolicy } from "../scheduler.ts";

/** Xen credit1 defaults. */
export const CREDIT_DEFAULTS: Readonly<{
  tickNs: number;
  sliceNs: number;
  creditsPerTick: number;
  ticksPerAccounting: number;
  weight: number;
}> = Object.freeze({
  /** Tick: credit is debited from the running vCPU every tick. */
  tickNs: 10_000_000,
  /** Time slice among vCPUs of one class. */
  sliceNs: 30_000_000,
  /** Credits debited per tick. */
  creditsPerTick: 100,
  /** Ticks per accounting period (30 ms). */
  ticksPerAccounting: 3,
  /** Default cell weight. */
  weight: 256,
});

/** A vCPU's priority class under the credit scheduler. */
export type CreditClass = "boost" | "under" | "over";

/** Options of {@linkcode CreditPolicy}. */
export interface CreditPolicyOptions {
  /** Weight per cell name; default 256. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Cap per cell name in percent of one core; 0 or absent: no cap. */
  readonly caps?: Readonly<Record<string, number>>;
  /** Tick, ns; default 10 ms. */
  readonly tickNs?: number;
  /** Slice, ns; default 30 ms. */
  readonly sliceNs?: number;
}

interface CreditState {
  credit: number;
  boost: boolean;
  parked: boolean;
  active: boolean;
}

const RANK: Record<CreditClass, number> = { boost: 2, under: 1, over: 0 };

/**
 * The Xen credit scheduler, per core.
 *
 * @example Usage
 * ```ts
 * import { CreditPolicy } from "./credit_policy.ts";
 * import { Vcpu } from "../objects/vcpu.ts";
 * import assert from "node:assert/strict";
 * const policy = new CreditPolicy();
 * policy.init(1);
 * const vcpu = new Vcpu({ name: "dom1.0", priority: 0, affinity: 0 });
 * vcpu.state = "blocked";
 * policy.wake(vcpu);
 * assert.equal(policy.inspect(vcpu).class, "boost");
 * ```
 */
export class CreditPolicy implements SchedulingPolicy {
  /** The policy's name. */
  readonly name: string = "xen-credit";
  /** The slice among vCPUs of one class. */
  readonly sliceNs: number;
  /** The tick. */
  readonly tickNs: number;
  readonly #weights: Readonly<Record<string, number>>;
  readonly #caps: Readonly<Record<string, number>>;
  readonly #states = new Map<Vcpu, CreditState>();
  #ready: Vcpu[][] = [];
  #host: PolicyHost | undefined;

  /**
   * Creates a credit policy, checking weights and caps.
   *
   * @param options Weights, caps, tick and slice.
   * @throws {RangeError} For a weight that is not a positive integer or a cap outside 0..100.
   */
  constructor(options: CreditPolicyOptions = {}) {
    for (const [cell, weight] of Object.entries(options.weights ?? {})) {
      if (!Number.isSafeInteger(weight) || weight <= 0) {
        throw new RangeError(`Invalid weight ${weight} for cell "${cell}": use an integer > 0`);
      }
    }
    for (const [cell, cap] of Object.entries(options.caps ?? {})) {
      if (!(cap >= 0 && cap <= 100)) {
        throw new RangeError(`Invalid cap ${cap} for cell "${cell}": use a percent in 0..100`);
      }
    }
    this.#weights = options.weights ?? {};
    this.#caps = options.caps ?? {};
    this.tickNs = options.tickNs ?? CREDIT_DEFAULTS.tickNs;
    this.sliceNs = options.sliceNs ?? CREDIT_DEFAULTS.sliceNs;
  }

  /**
   * A vCPU's credit, class and parking.
   *
   * @param vcpu The vCPU.
   * @returns Its credit state.
   */
  inspect(vcpu: Vcpu): { credit: number; class: CreditClass; parked: boolean } {
    const state = this.#state(vcpu);
    return { credit: state.credit, class: classOf(state), parked: state.parked };
  }

  /** Prepares one run queue per core. */
  init(cores: number): void {
    this.#ready = Array.from({ length: cores }, () => []);
  }

  /** Arms the 10 ms tick on every core. */
  attach(host: PolicyHost): void {
    this.#host = host;
    for (let core = 0; core < this.#ready.length; core++) this.#armTick(core, 1);
  }

  #armTick(core: number, tick: number): void {
    const at = tick * this.tickNs;
    this.#host!.requestDecision(core, at, () => {
      this.#tick(core);
      if (tick % CREDIT_DEFAULTS.ticksPerAccounting === 0) this.#account(core);
      this.#armTick(core, tick + 1);
    });
  }

  /** Debits the vCPU running at the tick; a boosted one loses its boost. */
  #tick(core: number): void {
    const running = this.#host!.running(core);
    if (running === undefined) return;
    const state = this.#state(running);
    state.credit -= CREDIT_DEFAULTS.creditsPerTick;
    state.boost = false;
    state.active = true;
    this.#host!.emit("credit.debit", {
      core,
      vcpu: running.name,
      credit: state.credit,
      class: classOf(state),
    });
  }

  /** Hands out one period's credits on a core by weight among its active vCPUs. */
  #account(core: number): void {
    const perPeriod = CREDIT_DEFAULTS.creditsPerTick * CREDIT_DEFAULTS.ticksPerAccounting;
    const active = [...this.#states].filter(([vcpu, state]) =>
      vcpu.affinity === core && vcpu.state !== "halted" &&
      (state.active || vcpu.state === "ready" || vcpu.state === "running")
    );
    const total = active.reduce((sum, [vcpu]) => sum + this.#weight(vcpu), 0);
    for (const [vcpu, state] of active) {
      let share = Math.floor((perPeriod * this.#weight(vcpu)) / total);
      const cap = this.#caps[vcpu.cell?.name ?? ""] ?? 0;
      if (cap > 0) share = Math.min(share, Math.floor((perPeriod * cap) / 100));
      state.credit = Math.min(perPeriod, state.credit + share);
      state.active = false;
      const wasParked = state.parked;
      state.parked = cap > 0 && state.credit < 0;
      this.#host!.emit("credit.account", {
        core,
        vcpu: vcpu.name,
        share,
        credit: state.credit,
        class: classOf(state),
      });
      if (wasParked && !state.parked && vcpu.state === "ready") this.#requeue(vcpu);
    }
  }

  /** Adds a ready vCPU behind the others of its class (front: it was preempted). */
  enqueue(vcpu: Vcpu, front: boolean): void {
    const list = this.#ready[vcpu.affinity];
    if (list.includes(vcpu)) return;
    this.#state(vcpu).active = true;
    if (front) list.unshift(vcpu);
    else list.push(vcpu);
  }

  #requeue(vcpu: Vcpu): void {
    this.remove(vcpu);
    this.enqueue(vcpu, false);
  }

  /** Removes a vCPU from its core's run queue. */
  remove(vcpu: Vcpu): void {
    const list = this.#ready[vcpu.affinity];
    const index = list.indexOf(vcpu);
    if (index >= 0) list.splice(index, 1);
  }

  /** The first vCPU of the best class that is not parked. */
  peek(core: number): Vcpu | undefined {
    let found: Vcpu | undefined;
    let rank = -1;
    for (const vcpu of this.#ready[core]) {
      const state = this.#state(vcpu);
      if (state.parked) continue;
      const r = RANK[classOf(state)];
      if (r > rank) {
        found = vcpu;
        rank = r;
      }
    }
    return found;
  }

  /** A better class preempts. */
  preempts(candidate: Vcpu, running: Vcpu): boolean {
    return RANK[classOf(this.#state(candidate))] > RANK[classOf(this.#state(running))];
  }

  /** Whether a vCPU of the same class waits. */
  hasEqual(running: Vcpu): boolean {
    const rank = RANK[classOf(this.#state(running))];
    return this.#ready[running.affinity].some((vcpu) => {
      const state = this.#state(vcpu);
      return !state.parked && RANK[classOf(state)] === rank;
    });
  }

  /** A parked vCPU gives up its core. */
  mayRun(running: Vcpu): boolean {
    return !this.#state(running).parked;
  }

  /** A vCPU waking from blocking while UNDER is boosted (a vCPU starting is not). */
  wake(vcpu: Vcpu): void {
    const state = this.#state(vcpu);
    if (vcpu.state === "blocked" && state.credit >= 0 && !state.parked) state.boost = true;
  }

  #weight(vcpu: Vcpu): number {
    return this.#weights[vcpu.cell?.name ?? ""] ?? CREDIT_DEFAULTS.weight;
  }

  #state(vcpu: Vcpu): CreditState {
    let state = this.#states.get(vcpu);
    if (state === undefined) {
      state = { credit: 0, boost: false, parked: false, active: false };
      this.#states.set(vcpu, state);
    }
    return state;
  }
}

function classOf(state: CreditState): CreditClass {
  return state.boost ? "boost" : state.credit >= 0 ? "under" : "over";
}
