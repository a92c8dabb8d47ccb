/**
 * A vCPU's pending virtual IRQs: one state per vIRQ number, kept in the order they first
 * became pending since the last delivery.
 *
 * A `Map` did this before, but emptying a `Map` allocates a fresh hash table and iterating it
 * allocates an iterator, on every one of the ~1,500 deliveries per simulated second of a
 * handset. Here each vIRQ number keeps one state object for the vCPU's life, pending while its
 * edge count is above zero, and the order is a plain array with a count of its live entries:
 * emptying it sets the count to 0 and leaves the array's storage alone (setting an array's
 * length to 0, or popping it empty, would free the storage for the next push to allocate).
 *
 * @example Pending edges accumulate until the set is emptied
 * ```ts
 * import { PendingVirqs } from "./pending_virqs.ts";
 * import assert from "node:assert/strict";
 *
 * const pending = new PendingVirqs();
 * pending.post(3, 0, -1, -1);
 * pending.post(1, 0, 5, 100);
 * pending.post(3, 2, -1, -1);
 * assert.equal(pending.size, 2);
 * assert.equal(pending.numberAt(0), 3);
 * assert.deepEqual(pending.get(3), { count: 2, flags: 2, assertedAt: -1, line: -1 });
 * pending.clear();
 * assert.equal(pending.size, 0);
 * assert.equal(pending.get(3), undefined);
 * ```
 *
 * @module
 */

/** One vIRQ's pending state on a vCPU. */
export interface VirqState {
  /** Edge count since last delivery (0: not pending). */
  count: number;
  /** OR of flags since last delivery. */
  flags: number;
  /** For hardware lines: when the line was asserted (for latency). */
  assertedAt: number;
  /** The hardware line, or -1. */
  line: number;
}

/** The pending vIRQs of one vCPU, in the order they became pending. */
export class PendingVirqs {
  /** Each vIRQ number's state (reused across deliveries). */
  readonly #states: (VirqState | undefined)[] = [];
  /** The pending numbers, in the order they became pending (the first `#size` entries). */
  readonly #order: number[] = [];
  #size = 0;

  /** How many vIRQs are pending. */
  get size(): number {
    return this.#size;
  }

  /**
   * A vIRQ's pending state.
   *
   * @param virq The vIRQ number.
   * @returns Its state, or undefined when it is not pending.
   */
  get(virq: number): VirqState | undefined {
    const state = this.#states[virq];
    return state !== undefined && state.count > 0 ? state : undefined;
  }

  /**
   * Counts an edge of a vIRQ, making it pending if it is not. A newly pending vIRQ takes the
   * given line and assertion time (the first edge's, for latency).
   *
   * @param virq The vIRQ number.
   * @param flags Flags to OR in (0: none).
   * @param line The hardware line, or -1.
   * @param assertedAt When the line was asserted, or -1.
   * @returns The vIRQ's state after counting the edge.
   */
  post(virq: number, flags: number, line: number, assertedAt: number): VirqState {
    let state = this.#states[virq];
    if (state === undefined) {
      state = { count: 0, flags: 0, assertedAt, line };
      // Numbers are dense from 0 in a cell, so the array stays packed.
      while (this.#states.length < virq) this.#states.push(undefined);
      this.#states[virq] = state;
      this.#order[this.#size++] = virq;
    } else if (state.count === 0) {
      state.flags = 0;
      state.assertedAt = assertedAt;
      state.line = line;
      this.#order[this.#size++] = virq;
    }
    state.count++;
    state.flags |= flags;
    return state;
  }

  /**
   * The vIRQ number at a position in pending order.
   *
   * @param index 0..size-1.
   * @returns The vIRQ number.
   */
  numberAt(index: number): number {
    return this.#order[index];
  }

  /**
   * The state at a position in pending order.
   *
   * @param index 0..size-1.
   * @returns The state.
   */
  stateAt(index: number): VirqState {
    return this.#states[this.#order[index]]!;
  }

  /** Makes every vIRQ not pending. */
  clear(): void {
    const order = this.#order;
    const states = this.#states;
    for (let index = 0; index < this.#size; index++) states[order[index]]!.count = 0;
    this.#size = 0;
  }
}
