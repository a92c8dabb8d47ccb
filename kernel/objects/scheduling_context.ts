/**
 * A scheduling context (seL4 MCS style): a budget per period enforced as a sporadic server, so
 * a vCPU never runs more than its budget in any window of one period.
 *
 * @module
 */

/** One pending refill: budget that becomes available at a time. */
export interface Refill {
  /** When it becomes available. */
  at: number;
  /** Nanoseconds of budget. */
  amount: number;
}

/** The most refills kept; beyond this the two latest merge (later time, summed amount). */
export const REFILLS_MAX = 16;

/**
 * Budget accounting for one vCPU.
 *
 * A run that starts at t0 and consumes d puts a refill of d at t0 + period. Consumption takes
 * from refills already due, oldest first. Merging only ever delays budget, so the bound "at
 * most budget in any window of one period" holds.
 *
 * @example Usage
 * ```ts
 * import { SchedulingContext } from "./scheduling_context.ts";
 * import assert from "node:assert/strict";
 * const sc = new SchedulingContext({ budgetNs: 2_000, periodNs: 10_000 });
 * assert.equal(sc.available(0), 2_000);
 * sc.consume(0, 2_000);
 * assert.equal(sc.available(5_000), 0);
 * assert.equal(sc.nextRefillAt(5_000), 10_000);
 * assert.equal(sc.available(10_000), 2_000);
 * ```
 */
export class SchedulingContext {
  /** Budget per period, ns. */
  readonly budgetNs: number;
  /** Period, ns. */
  readonly periodNs: number;
  #refills: Refill[];
  /** Times the budget ran out. */
  exhaustions = 0;

  /**
   * Creates a scheduling context with a full budget at `start`.
   *
   * @param options Budget and period in ns (budget ≤ period, both > 0).
   * @param start When the first budget is available.
   * @throws {RangeError} Unless 0 < budget <= period.
   */
  constructor(options: { budgetNs: number; periodNs: number }, start = 0) {
    if (!(options.budgetNs > 0) || !(options.periodNs >= options.budgetNs)) {
      throw new RangeError(
        `Invalid scheduling context: budget ${options.budgetNs} ns and period ` +
          `${options.periodNs} ns; need 0 < budget <= period`,
      );
    }
    this.budgetNs = options.budgetNs;
    this.periodNs = options.periodNs;
    this.#refills = [{ at: start, amount: options.budgetNs }];
  }

  /** Whether the context is plain round-robin (budget equals period: never throttled). */
  get unlimited(): boolean {
    return this.budgetNs === this.periodNs;
  }

  /**
   * Budget available now.
   *
   * @param now The current time.
   * @returns Nanoseconds available.
   */
  available(now: number): number {
    let sum = 0;
    for (const refill of this.#refills) if (refill.at <= now) sum += refill.amount;
    return sum;
  }

  /**
   * When more budget next becomes available.
   *
   * @param now The current time.
   * @returns The time of the next future refill, or `undefined`.
   */
  nextRefillAt(now: number): number | undefined {
    for (const refill of this.#refills) if (refill.at > now) return refill.at;
    return undefined;
  }

  /**
   * Charges a run that started at `start` and consumed `amount` ns.
   *
   * @param start When the run started.
   * @param amount Nanoseconds consumed (not more than was available at `start`).
   */
  consume(start: number, amount: number): void {
    if (amount <= 0 || this.unlimited) return;
    let left = amount;
    while (left > 0 && this.#refills.length > 0 && this.#refills[0].at <= start) {
      const head = this.#refills[0];
      const used = Math.min(head.amount, left);
      head.amount -= used;
      left -= used;
      if (head.amount === 0) this.#refills.shift();
    }
    this.#refills.push({ at: start + this.periodNs, amount: amount - left });
    this.#refills.sort((a, b) => a.at - b.at);
    while (this.#refills.length > REFILLS_MAX) {
      const last = this.#refills.pop()!;
      this.#refills[this.#refills.length - 1] = {
        at: last.at,
        amount: last.amount + this.#refills[this.#refills.length - 1].amount,
      };
    }
  }

  /** A copy of the refill list, for tests and traces. */
  refills(): Refill[] {
    return this.#refills.map((r) => ({ ...r }));
  }
}
