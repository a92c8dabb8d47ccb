/**
 * The event queue: a binary heap on typed arrays ordered by (time, priority class, insertion
 * sequence), with O(1) cancellation by generation counters and lazy deletion.
 *
 * @module
 */

import type { Instant } from "./time.ts";

/** A function the queue calls when its event comes due. */
export type EventCallback = (now: Instant) => void;

/** An opaque handle that cancels a scheduled event. */
export type EventHandle = number;

const SLOT_BITS = 2 ** 22;
const SEQUENCE_LIMIT = 2 ** 44;
/** The largest priority class: classes are 0 (first) to 255 (last) at equal times. */
export const PRIORITY_CLASS_MAX = 255;

/**
 * A min-queue of timed callbacks. Ties in time break by priority class (lower first), then by
 * insertion order, so the order of events is total and deterministic.
 *
 * @example Usage
 * ```ts
 * import { EventQueue } from "./event_queue.ts";
 * import assert from "node:assert/strict";
 * const queue = new EventQueue();
 * const seen: string[] = [];
 * queue.push(20, () => seen.push("b"), 0);
 * const a = queue.push(10, () => seen.push("a"), 0);
 * queue.push(10, () => seen.push("first at 10"), 0);
 * queue.cancel(a);
 * while (queue.size > 0) queue.pop()!(queue.lastTime);
 * assert.deepEqual(seen, ["first at 10", "b"]);
 * ```
 */
export class EventQueue {
  #times: Float64Array;
  #ranks: Float64Array;
  #slots: Int32Array;
  #entryGenerations: Uint32Array;
  #length = 0;
  #callbacks: (EventCallback | null)[] = [];
  #slotGenerations: Uint32Array;
  #freeSlots: number[] = [];
  #slotCount = 0;
  #sequence = 0;
  #live = 0;
  #lastTime = 0;

  /**
   * Creates an empty queue.
   *
   * @param capacity The initial number of entries; the queue grows as needed.
   */
  constructor(capacity = 256) {
    this.#times = new Float64Array(capacity);
    this.#ranks = new Float64Array(capacity);
    this.#slots = new Int32Array(capacity);
    this.#entryGenerations = new Uint32Array(capacity);
    this.#slotGenerations = new Uint32Array(capacity);
  }

  /** The number of live (not cancelled, not yet popped) events. */
  get size(): number {
    return this.#live;
  }

  /** The time of the event last returned by {@linkcode EventQueue.pop}. */
  get lastTime(): Instant {
    return this.#lastTime;
  }

  /**
   * Adds an event.
   *
   * @param time When the event is due.
   * @param callback What to call.
   * @param priorityClass Tie-break class at equal times, 0 first.
   * @returns A handle for {@linkcode EventQueue.cancel}.
   */
  push(time: Instant, callback: EventCallback, priorityClass: number): EventHandle {
    let slot: number;
    if (this.#freeSlots.length > 0) {
      slot = this.#freeSlots.pop()!;
    } else {
      slot = this.#slotCount++;
      if (slot >= SLOT_BITS) {
        throw new RangeError(`Cannot schedule: more than ${SLOT_BITS} events pending at once`);
      }
      if (slot >= this.#slotGenerations.length) {
        const grown = new Uint32Array(this.#slotGenerations.length * 2);
        grown.set(this.#slotGenerations);
        this.#slotGenerations = grown;
      }
    }
    this.#callbacks[slot] = callback;
    const generation = this.#slotGenerations[slot];
    if (this.#length === this.#times.length) this.#grow();
    const sequence = this.#sequence++;
    if (sequence >= SEQUENCE_LIMIT) {
      throw new RangeError(`Cannot schedule: more than ${SEQUENCE_LIMIT} events in one run`);
    }
    this.#siftUp(this.#length++, time, priorityClass * SEQUENCE_LIMIT + sequence, slot, generation);
    this.#live++;
    return generation * SLOT_BITS + slot;
  }

  /**
   * Cancels an event in O(1). Cancelling an event that already ran or was cancelled does
   * nothing.
   *
   * @param handle The handle {@linkcode EventQueue.push} returned.
   * @returns Whether a pending event was cancelled.
   */
  cancel(handle: EventHandle): boolean {
    const slot = handle % SLOT_BITS;
    const generation = (handle - slot) / SLOT_BITS;
    if (slot >= this.#slotCount || this.#slotGenerations[slot] !== generation) return false;
    if (this.#callbacks[slot] === null) return false;
    this.#release(slot);
    this.#live--;
    return true;
  }

  /**
   * Tells when the next live event is due, dropping cancelled entries on the way.
   *
   * @returns The time of the next event, or `undefined` when the queue is empty.
   */
  peekTime(): Instant | undefined {
    this.#dropCancelled();
    return this.#length > 0 ? this.#times[0] : undefined;
  }

  /**
   * Removes the next live event.
   *
   * @returns Its callback (its time is then {@linkcode EventQueue.lastTime}), or `undefined`.
   */
  pop(): EventCallback | undefined {
    this.#dropCancelled();
    if (this.#length === 0) return undefined;
    const slot = this.#slots[0];
    this.#lastTime = this.#times[0];
    const callback = this.#callbacks[slot]!;
    this.#release(slot);
    this.#live--;
    this.#removeTop();
    return callback;
  }

  #release(slot: number): void {
    this.#callbacks[slot] = null;
    this.#slotGenerations[slot] = (this.#slotGenerations[slot] + 1) >>> 0;
    this.#freeSlots.push(slot);
  }

  #dropCancelled(): void {
    while (
      this.#length > 0 && this.#slotGenerations[this.#slots[0]] !== this.#entryGenerations[0]
    ) {
      this.#removeTop();
    }
  }

  #removeTop(): void {
    const last = --this.#length;
    if (last > 0) {
      this.#siftDown(
        this.#times[last],
        this.#ranks[last],
        this.#slots[last],
        this.#entryGenerations[last],
      );
    }
  }

  #siftUp(index: number, time: number, rank: number, slot: number, generation: number): void {
    const times = this.#times, ranks = this.#ranks;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent];
      if (parentTime < time || (parentTime === time && ranks[parent] < rank)) break;
      this.#move(parent, index);
      index = parent;
    }
    times[index] = time;
    ranks[index] = rank;
    this.#slots[index] = slot;
    this.#entryGenerations[index] = generation;
  }

  #siftDown(time: number, rank: number, slot: number, generation: number): void {
    const times = this.#times, ranks = this.#ranks, length = this.#length;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (
        right < length &&
        (times[right] < times[child] || (times[right] === times[child] && ranks[right] < ranks[child]))
      ) {
        child = right;
      }
      const childTime = times[child];
      if (time < childTime || (time === childTime && rank < ranks[child])) break;
      this.#move(child, index);
      index = child;
    }
    times[index] = time;
    ranks[index] = rank;
    this.#slots[index] = slot;
    this.#entryGenerations[index] = generation;
  }

  #move(from: number, to: number): void {
    this.#times[to] = this.#times[from];
    this.#ranks[to] = this.#ranks[from];
    this.#slots[to] = this.#slots[from];
    this.#entryGenerations[to] = this.#entryGenerations[from];
  }

  #grow(): void {
    const capacity = this.#times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.#times);
    this.#times = times;
    const ranks = new Float64Array(capacity);
    ranks.set(this.#ranks);
    this.#ranks = ranks;
    const slots = new Int32Array(capacity);
    slots.set(this.#slots);
    this.#slots = slots;
    const generations = new Uint32Array(capacity);
    generations.set(this.#entryGenerations);
    this.#entryGenerations = generations;
  }
}
