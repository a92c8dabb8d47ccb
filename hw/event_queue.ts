/**
 * The event queue: a binary heap on typed arrays ordered by (time, priority class, insertion
 * sequence), with O(1) cancellation by generation counters and lazy deletion, and lanes: single
 * events kept beside the heap for components that never have two pending at once.
 *
 * @module
 */

import type { Instant } from "./time.ts";

/** A function the queue calls when its event comes due. */
export type EventCallback = (now: Instant) => void;

/** An opaque handle that cancels a scheduled event. */
export type EventHandle = number;

const SLOT_BITS = 2 ** 22;
/** A handle's slot is its low 22 bits. */
const SLOT_MASK = SLOT_BITS - 1;
/** Generations wrap below 2^31 so that a handle, generation × 2^22 + slot, stays below 2^53. */
const GENERATION_MASK = 0x7fff_ffff;
const SEQUENCE_LIMIT = 2 ** 44;
/** The rank a slot holds while no heap entry is live for it; real ranks are >= 0. */
const NO_RANK = -1;
/** Dead heap entries tolerated beyond the live count before a cancel compacts the heap. */
const COMPACT_SLACK = 8;
/** The largest priority class: classes are 0 (first) to 255 (last) at equal times. */
export const PRIORITY_CLASS_MAX = 255;

function laneTaken(lane: number, opened: number, due: Instant): RangeError {
  if (Number.isInteger(lane) && lane >= 0 && lane < opened) {
    return new RangeError(
      `Cannot schedule: lane ${lane} already holds a pending event (due at ${due} ns); ` +
        `clear the lane first`,
    );
  }
  return new RangeError(
    `Cannot schedule in lane ${lane}: no such lane (lanes opened: ${
      opened === 0 ? "none" : `0..${opened - 1}`
    })`,
  );
}

function sequenceLimit(): RangeError {
  return new RangeError(`Cannot schedule: more than ${SEQUENCE_LIMIT} events in one run`);
}

/**
 * A min-queue of timed callbacks. Ties in time break by priority class (lower first), then by
 * insertion order, so the order of events is total and deterministic.
 *
 * Each pending event owns a slot (callback, generation, rank). The heap holds (time, rank,
 * slot); the rank, priority class × 2^44 + insertion sequence, is unique, so a heap entry is
 * live exactly when its slot still holds its rank. Cancelling frees the slot at once and
 * leaves the heap entry to be dropped when it reaches the top.
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
  // The heap, one entry per pushed event that has not reached the top yet.
  #times: Float64Array;
  #ranks: Float64Array;
  #slots: Int32Array;
  #length = 0;
  // The slots, one per pending event, reused through a free list.
  #callbacks: (EventCallback | null)[] = [];
  #slotGenerations: Uint32Array;
  #slotRanks: Float64Array;
  #nextFree: Int32Array;
  #freeHead = -1;
  #slotCount = 0;
  #sequence = 0;
  #live = 0;
  #lastTime = 0;
  // The lanes, each holding at most one pending event outside the heap.
  #laneTimes = new Float64Array(4);
  #laneRanks = new Float64Array(4);
  #laneCallbacks: (EventCallback | null)[] = [];
  #laneLive = 0;

  /**
   * Creates an empty queue.
   *
   * @param capacity The initial number of entries; the queue grows as needed.
   */
  constructor(capacity = 256) {
    const size = Math.max(1, Math.floor(capacity));
    this.#times = new Float64Array(size);
    this.#ranks = new Float64Array(size);
    this.#slots = new Int32Array(size);
    this.#slotGenerations = new Uint32Array(size);
    this.#slotRanks = new Float64Array(size);
    this.#nextFree = new Int32Array(size);
  }

  /** The number of live (not cancelled, not yet popped) events. */
  get size(): number {
    return this.#live + this.#laneLive;
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
    const slot = this.#insert(time, callback, priorityClass);
    return this.#slotGenerations[slot] * SLOT_BITS + slot;
  }

  /** Inserts an event and returns its slot (push makes the handle from it). */
  #insert(time: Instant, callback: EventCallback, priorityClass: number): number {
    // The rare cases (a new slot, the sequence limit, a full heap) are in other methods, which
    // keeps this one small enough for the compiler to inline into its callers.
    let slot = this.#freeHead;
    if (slot >= 0) this.#freeHead = this.#nextFree[slot];
    else slot = this.#newSlot();
    const sequence = this.#sequence++;
    if (sequence >= SEQUENCE_LIMIT) throw sequenceLimit();
    const rank = priorityClass * SEQUENCE_LIMIT + sequence;
    this.#callbacks[slot] = callback;
    const slotRanks = this.#slotRanks;
    slotRanks[slot] = rank;
    const length = this.#length;
    if (length > 0 && slotRanks[this.#slots[0]] !== this.#ranks[0]) {
      // The top entry is dead (popped or cancelled): the new entry takes its place.
      this.#siftDown(time, rank, slot, length);
    } else this.#append(time, rank, slot, length);
    this.#live++;
    return slot;
  }

  /** Adds an entry at the end of a heap of `length` entries and moves it up to its place. */
  #append(time: number, rank: number, slot: number, length: number): void {
    if (length === this.#times.length) this.#growHeap();
    this.#siftUp(time, rank, slot, length);
    this.#length = length + 1;
  }

  /** A slot never used before, for when none is free. */
  #newSlot(): number {
    const slot = this.#slotCount;
    if (slot >= SLOT_BITS) {
      throw new RangeError(`Cannot schedule: more than ${SLOT_BITS} events pending at once`);
    }
    if (slot === this.#slotRanks.length) this.#growSlots();
    this.#slotCount = slot + 1;
    return slot;
  }

  /**
   * Opens a lane: a place for one pending event at a time, kept beside the heap rather than in
   * it, for a component that never has two events pending at once (a core has one kernel path
   * or one compute segment in progress). Its event takes its turn exactly as if it were in the
   * heap (its rank comes from the same sequence), but setting it and clearing it are a few
   * stores, and a cleared event leaves no dead entry behind.
   *
   * @returns The lane's number, for {@linkcode EventQueue.setLane} and
   * {@linkcode EventQueue.clearLane}.
   *
   * @example Usage
   * ```ts
   * import { EventQueue } from "./event_queue.ts";
   * import assert from "node:assert/strict";
   * const queue = new EventQueue();
   * const lane = queue.openLane();
   * const seen: string[] = [];
   * queue.push(10, () => seen.push("heap at 10"), 0);
   * queue.setLane(lane, 10, () => seen.push("lane at 10"), 0);
   * queue.push(5, () => seen.push("heap at 5"), 0);
   * while (queue.size > 0) queue.pop()!(queue.lastTime);
   * assert.deepEqual(seen, ["heap at 5", "heap at 10", "lane at 10"]);
   * ```
   */
  openLane(): number {
    const lane = this.#laneCallbacks.length;
    if (lane === this.#laneTimes.length) {
      const times = new Float64Array(lane * 2);
      times.set(this.#laneTimes);
      this.#laneTimes = times;
      const ranks = new Float64Array(lane * 2);
      ranks.set(this.#laneRanks);
      this.#laneRanks = ranks;
    }
    this.#laneCallbacks.push(null);
    return lane;
  }

  /**
   * Puts an event in an empty lane.
   *
   * @param lane A lane {@linkcode EventQueue.openLane} gave.
   * @param time When the event is due.
   * @param callback What to call.
   * @param priorityClass Tie-break class at equal times, 0 first.
   * @throws {RangeError} If the lane already holds an event.
   */
  setLane(lane: number, time: Instant, callback: EventCallback, priorityClass: number): void {
    const callbacks = this.#laneCallbacks;
    if (callbacks[lane] !== null) throw laneTaken(lane, callbacks.length, this.#laneTimes[lane]);
    const sequence = this.#sequence++;
    if (sequence >= SEQUENCE_LIMIT) throw sequenceLimit();
    this.#laneTimes[lane] = time;
    this.#laneRanks[lane] = priorityClass * SEQUENCE_LIMIT + sequence;
    callbacks[lane] = callback;
    this.#laneLive++;
  }

  /**
   * Removes a lane's pending event, if it has one.
   *
   * @param lane The lane.
   * @returns Whether an event was pending there.
   */
  clearLane(lane: number): boolean {
    const callbacks = this.#laneCallbacks;
    // Null for an empty lane, undefined for a number that is no lane.
    if (!callbacks[lane]) return false;
    callbacks[lane] = null;
    this.#laneLive--;
    return true;
  }

  /**
   * Cancels an event in O(1). Cancelling an event that already ran or was cancelled does
   * nothing.
   *
   * @param handle The handle {@linkcode EventQueue.push} returned.
   * @returns Whether a pending event was cancelled.
   */
  cancel(handle: EventHandle): boolean {
    // Only a non-negative safe integer can be a handle. For those, the low bits give the slot
    // without a floating-point remainder (`&` takes the value modulo 2^32, a multiple of 2^22).
    if (!(handle >= 0) || !Number.isSafeInteger(handle)) return false;
    const slot = handle & SLOT_MASK;
    const generation = (handle - slot) / SLOT_BITS;
    if (slot >= this.#slotCount) return false;
    if (this.#slotGenerations[slot] !== generation || this.#callbacks[slot] === null) {
      return false;
    }
    this.#release(slot);
    this.#live--;
    // A cancelled entry stays in the heap until it reaches the top, which for an event far
    // ahead (a long compute cut short) may be never soon: once dead entries outnumber live
    // ones, drop them all, so the heap stays as shallow as the pending events need.
    if (this.#length > 2 * this.#live + COMPACT_SLACK) this.#compact();
    return true;
  }

  /**
   * Tells when the next live event is due, dropping cancelled entries on the way.
   *
   * @returns The time of the next event, or `undefined` when the queue is empty.
   */
  peekTime(): Instant | undefined {
    this.#dropCancelled();
    const lane = this.#laneLive > 0 ? this.#firstLane() : -1;
    if (lane >= 0) return this.#laneTimes[lane];
    return this.#length > 0 ? this.#times[0] : undefined;
  }

  /**
   * Removes the next live event.
   *
   * @returns Its callback (its time is then {@linkcode EventQueue.lastTime}), or `undefined`.
   */
  pop(): EventCallback | undefined {
    return this.popDue(Number.POSITIVE_INFINITY);
  }

  /**
   * Removes the next live event if it is due at or before a time; one step of a run loop.
   *
   * @param until The latest time an event may be due to be removed.
   * @returns Its callback (its time is then {@linkcode EventQueue.lastTime}), or `undefined`
   * when no live event is due by `until`.
   *
   * @example Usage
   * ```ts
   * import { EventQueue } from "./event_queue.ts";
   * import assert from "node:assert/strict";
   * const queue = new EventQueue();
   * queue.push(50, () => {}, 0);
   * assert.equal(queue.popDue(49), undefined);
   * assert.notEqual(queue.popDue(50), undefined);
   * assert.equal(queue.lastTime, 50);
   * ```
   */
  popDue(until: Instant): EventCallback | undefined {
    this.#dropCancelled();
    if (this.#laneLive > 0) {
      const lane = this.#firstLane();
      if (lane >= 0) return this.#popLane(lane, until);
    }
    if (this.#length === 0) return undefined;
    const time = this.#times[0];
    if (time > until) return undefined;
    const slot = this.#slots[0];
    this.#lastTime = time;
    const callback = this.#callbacks[slot]!;
    // Releasing the slot makes the top entry dead; the next push overwrites it, or the next
    // pop or peek drops it.
    this.#release(slot);
    this.#live--;
    return callback;
  }

  /** The lane whose event comes before the heap's top, or -1 (at least one lane is live). */
  #firstLane(): number {
    const callbacks = this.#laneCallbacks, times = this.#laneTimes, ranks = this.#laneRanks;
    let best = -1;
    let time: number, rank: number;
    if (this.#length > 0) {
      time = this.#times[0];
      rank = this.#ranks[0];
    } else {
      time = Number.POSITIVE_INFINITY;
      rank = Number.POSITIVE_INFINITY;
    }
    for (let lane = 0; lane < callbacks.length; lane++) {
      if (callbacks[lane] === null) continue;
      const laneTime = times[lane];
      if (laneTime < time || (laneTime === time && ranks[lane] < rank)) {
        best = lane;
        time = laneTime;
        rank = ranks[lane];
      }
    }
    return best;
  }

  /** Takes a lane's event if it is due by `until`. */
  #popLane(lane: number, until: Instant): EventCallback | undefined {
    const time = this.#laneTimes[lane];
    if (time > until) return undefined;
    const callback = this.#laneCallbacks[lane]!;
    this.#laneCallbacks[lane] = null;
    this.#laneLive--;
    this.#lastTime = time;
    return callback;
  }

  #release(slot: number): void {
    this.#callbacks[slot] = null;
    this.#slotRanks[slot] = NO_RANK;
    this.#slotGenerations[slot] = (this.#slotGenerations[slot] + 1) & GENERATION_MASK;
    this.#nextFree[slot] = this.#freeHead;
    this.#freeHead = slot;
  }

  #dropCancelled(): void {
    const slotRanks = this.#slotRanks, slots = this.#slots, ranks = this.#ranks;
    while (this.#length > 0 && slotRanks[slots[0]] !== ranks[0]) this.#removeTop();
  }

  /** Removes the top entry: moves the last entry to the top and sifts it down. */
  #removeTop(): void {
    const length = --this.#length;
    if (length > 0) {
      this.#siftDown(this.#times[length], this.#ranks[length], this.#slots[length], length);
    }
  }

  /** Puts an entry at index `length` and moves it up to its place. */
  #siftUp(time: number, rank: number, slot: number, length: number): void {
    const times = this.#times, ranks = this.#ranks, slots = this.#slots;
    let index = length;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent];
      if (parentTime < time || (parentTime === time && ranks[parent] < rank)) break;
      times[index] = parentTime;
      ranks[index] = ranks[parent];
      slots[index] = slots[parent];
      index = parent;
    }
    times[index] = time;
    ranks[index] = rank;
    slots[index] = slot;
  }

  /**
   * Drops every dead entry and restores the heap order (Floyd's bottom-up build). The order
   * events pop in is unchanged: it depends only on their (time, rank) keys, which are unique.
   */
  #compact(): void {
    const times = this.#times, ranks = this.#ranks, slots = this.#slots;
    const slotRanks = this.#slotRanks;
    const length = this.#length;
    let kept = 0;
    for (let index = 0; index < length; index++) {
      const slot = slots[index];
      if (slotRanks[slot] !== ranks[index]) continue;
      times[kept] = times[index];
      ranks[kept] = ranks[index];
      slots[kept] = slot;
      kept++;
    }
    this.#length = kept;
    for (let index = (kept >> 1) - 1; index >= 0; index--) {
      this.#siftDown(times[index], ranks[index], slots[index], kept, index);
    }
  }

  /**
   * Puts an entry at `start` (default the top) of a heap of `length` entries whose subtrees
   * below `start` are in order, and moves it down to its place.
   */
  #siftDown(time: number, rank: number, slot: number, length: number, start = 0): void {
    const times = this.#times, ranks = this.#ranks, slots = this.#slots;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      let childTime = times[child];
      const right = child + 1;
      if (right < length) {
        const rightTime = times[right];
        if (rightTime < childTime || (rightTime === childTime && ranks[right] < ranks[child])) {
          child = right;
          childTime = rightTime;
        }
      }
      if (time < childTime || (time === childTime && rank < ranks[child])) break;
      times[index] = childTime;
      ranks[index] = ranks[child];
      slots[index] = slots[child];
      index = child;
    }
    times[index] = time;
    ranks[index] = rank;
    slots[index] = slot;
  }

  #growHeap(): void {
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
  }

  #growSlots(): void {
    const capacity = this.#slotRanks.length * 2;
    const generations = new Uint32Array(capacity);
    generations.set(this.#slotGenerations);
    this.#slotGenerations = generations;
    const slotRanks = new Float64Array(capacity);
    slotRanks.set(this.#slotRanks);
    this.#slotRanks = slotRanks;
    const nextFree = new Int32Array(capacity);
    nextFree.set(this.#nextFree);
    this.#nextFree = nextFree;
  }
}
