/**
 * The simulation engine: virtual time, the one event queue, seeded random streams and the
 * trace bus. Its four verbs are `schedule`, `peek`, `step` and `run`.
 *
 * @module
 */

import {
  type EventCallback,
  type EventHandle,
  EventQueue,
  PRIORITY_CLASS_MAX,
} from "./event_queue.ts";
import { Fingerprint } from "./fingerprint.ts";
import { RandomStream } from "./random_stream.ts";
import { formatDuration, type Instant } from "./time.ts";
import { TraceBus } from "./trace_bus.ts";

/** Options of {@linkcode Engine.schedule}. */
export interface ScheduleOptions {
  /** Tie-break class at equal times, 0 (first) to 255; default {@linkcode PRIORITY_NORMAL}. */
  readonly priority?: number;
}

/** The class of {@linkcode PRIORITY_NORMAL}, which events take by default. */
const DEFAULT_CLASS = 100;

/** Hardware signals (lines, device state) settle before software reacts to them. */
export const PRIORITY_HARDWARE: ScheduleOptions = Object.freeze({ priority: 10 });
/** The default class. */
export const PRIORITY_NORMAL: ScheduleOptions = Object.freeze({ priority: DEFAULT_CLASS });
/** Scripted scenario events run after the hardware and kernel of the same instant. */
export const PRIORITY_SCRIPT: ScheduleOptions = Object.freeze({ priority: 200 });

/** The error for scheduling at `at` when the clock reads `now`. */
function badTime(at: Instant, now: Instant): RangeError {
  return new RangeError(
    `Cannot schedule an event at ${at} ns: it must be a whole number of nanoseconds ` +
      `not before now (${now} ns)`,
  );
}

/** The error for scheduling `delay` ns after `now`. */
function badDelay(delay: Instant, now: Instant): RangeError {
  return new RangeError(
    `Cannot schedule an event ${delay} ns from now (${now} ns): a delay must be a whole number ` +
      `of nanoseconds, 0 or more`,
  );
}

/** The priority class of schedule options, checked. */
function classOf(options: ScheduleOptions): number {
  const priority = options.priority ?? DEFAULT_CLASS;
  if (!(priority >= 0 && priority <= PRIORITY_CLASS_MAX) || !Number.isInteger(priority)) {
    throw new RangeError(
      `Cannot schedule an event: priority class ${priority} is not an integer in 0..255`,
    );
  }
  return priority;
}

/** Options of {@linkcode Engine.run}. */
export interface RunOptions {
  /** Run every event due at or before this instant, then set the clock to it. */
  readonly until: Instant;
  /** Fail loudly after this many events; default 2^40. */
  readonly maxEvents?: number;
}

/** Thrown when a run reaches its event limit. */
export class RunLimitError extends Error {
  /**
   * Creates the error.
   *
   * @param message What limit was reached, when, and what to change.
   */
  constructor(message: string) {
    super(message);
    this.name = "RunLimitError";
  }
}

/** Options of the {@linkcode Engine} constructor. */
export interface EngineOptions {
  /** The run seed; every random stream derives from it. Default 1. */
  readonly seed?: number;
}

/**
 * One simulation: a clock, an event queue, random streams and a trace bus.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "./engine.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine({ seed: 7 });
 * const seen: number[] = [];
 * engine.schedule(300, (now) => seen.push(now));
 * engine.schedule(100, (now) => seen.push(now));
 * engine.run({ until: 1_000 });
 * assert.deepEqual(seen, [100, 300]);
 * assert.equal(engine.now, 1_000);
 * ```
 */
export class Engine {
  #queue = new EventQueue();
  #now: Instant = 0;
  #events = 0;
  #streams = new Map<string, RandomStream>();
  /** The run seed. */
  readonly seed: number;
  /** The trace bus of this run. */
  readonly trace: TraceBus = new TraceBus();

  /**
   * Creates an engine at time zero.
   *
   * @param options The seed.
   * @throws {RangeError} If the seed is not a non-negative safe integer.
   */
  constructor(options: EngineOptions = {}) {
    const seed = options.seed ?? 1;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Invalid seed: ${seed} is not a non-negative safe integer`);
    }
    this.seed = seed;
  }

  /** The current virtual time. */
  get now(): Instant {
    return this.#now;
  }

  /** The number of events run so far. */
  get events(): number {
    return this.#events;
  }

  /** The number of events pending. */
  get pending(): number {
    return this.#queue.size;
  }

  /**
   * The random stream of a component, derived from (seed, name) and created on first use.
   *
   * @param name The component's unique name.
   * @returns The same stream for the same name on every call.
   */
  random(name: string): RandomStream {
    let stream = this.#streams.get(name);
    if (stream === undefined) {
      stream = new RandomStream(this.seed, name);
      this.#streams.set(name, stream);
    }
    return stream;
  }

  /**
   * Schedules a callback at an absolute time.
   *
   * @param at When; not before now.
   * @param callback Called with the time when the event runs.
   * @param options The priority class; default {@linkcode PRIORITY_NORMAL}.
   * @returns A handle for {@linkcode Engine.cancel}.
   * @throws {RangeError} If `at` is in the past or not a whole number of nanoseconds.
   */
  schedule(at: Instant, callback: EventCallback, options?: ScheduleOptions): EventHandle {
    // Most events (every kernel path and segment) take the default class: no options object
    // to read and no class to check. The checks' messages are built elsewhere, which keeps this
    // function small enough for the compiler to inline into its hot callers.
    if (!(at >= this.#now) || !Number.isSafeInteger(at)) throw badTime(at, this.#now);
    if (options === undefined) return this.#queue.push(at, callback, DEFAULT_CLASS);
    return this.#queue.push(at, callback, classOf(options));
  }

  /**
   * Schedules a callback after a delay from now.
   *
   * @param delay Nanoseconds from now.
   * @param callback Called with the time when the event runs.
   * @param options The priority class.
   * @returns A handle for {@linkcode Engine.cancel}.
   */
  after(delay: Instant, callback: EventCallback, options?: ScheduleOptions): EventHandle {
    const at = this.#now + delay;
    if (!(delay >= 0) || !Number.isSafeInteger(at)) throw badDelay(delay, this.#now);
    return this.schedule(at, callback, options);
  }

  /**
   * Opens an event lane: a place for one pending event at a time, for a component that never
   * has two pending at once (a core's kernel path or compute segment). Its events run in the
   * same order as scheduled ones would; setting and clearing one costs less.
   *
   * @returns The lane, for {@linkcode Engine.postLane} and {@linkcode Engine.clearLane}.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const lane = engine.openLane();
   * const seen: number[] = [];
   * engine.postLane(lane, 300, (now) => seen.push(now));
   * engine.clearLane(lane);
   * engine.postLane(lane, 200, (now) => seen.push(now));
   * engine.run({ until: 1_000 });
   * assert.deepEqual(seen, [200]);
   * ```
   */
  openLane(): number {
    return this.#queue.openLane();
  }

  /**
   * Schedules a callback after a delay from now in an empty lane, in the default class.
   *
   * @param lane What {@linkcode Engine.openLane} returned.
   * @param delay Nanoseconds from now.
   * @param callback Called with the time when the event runs.
   * @throws {RangeError} If the lane holds a pending event, or the delay is not a whole
   * non-negative number of nanoseconds.
   */
  postLane(lane: number, delay: Instant, callback: EventCallback): void {
    const at = this.#now + delay;
    if (!(delay >= 0) || !Number.isSafeInteger(at)) throw badDelay(delay, this.#now);
    this.#queue.setLane(lane, at, callback, DEFAULT_CLASS);
  }

  /**
   * Cancels a lane's pending event.
   *
   * @param lane The lane.
   * @returns Whether an event was pending there.
   */
  clearLane(lane: number): boolean {
    return this.#queue.clearLane(lane);
  }

  /**
   * Cancels a pending event in O(1).
   *
   * @param handle What {@linkcode Engine.schedule} returned.
   * @returns Whether an event was pending and is now cancelled.
   */
  cancel(handle: EventHandle): boolean {
    return this.#queue.cancel(handle);
  }

  /**
   * Tells when the next event is due.
   *
   * @returns Its time, or `undefined` if nothing is pending.
   */
  peek(): Instant | undefined {
    return this.#queue.peekTime();
  }

  /**
   * Runs the next event, advancing the clock to its time.
   *
   * @returns Whether an event ran.
   */
  step(): boolean {
    const callback = this.#queue.pop();
    if (callback === undefined) return false;
    this.#now = this.#queue.lastTime;
    this.#events++;
    callback(this.#now);
    return true;
  }

  /**
   * Runs every event due at or before `until`, then sets the clock to `until`.
   *
   * @param options The end time and the event limit.
   * @throws {RunLimitError} If the event limit is reached first.
   */
  run(options: RunOptions): void {
    const until = options.until;
    if (!Number.isSafeInteger(until) || until < this.#now) {
      throw new RangeError(
        `Cannot run until ${until} ns: it must be a whole number not before now (${this.#now} ns)`,
      );
    }
    const limit = this.#events + (options.maxEvents ?? 2 ** 40);
    const queue = this.#queue;
    while (this.#events < limit) {
      const callback = queue.popDue(until);
      if (callback === undefined) break;
      const now = queue.lastTime;
      this.#now = now;
      this.#events++;
      callback(now);
    }
    if (this.#events >= limit) {
      const next = queue.peekTime();
      if (next !== undefined && next <= until) {
        throw new RunLimitError(
          `Run stopped at ${formatDuration(this.#now)}: reached the limit of ` +
            `${options.maxEvents} events; raise maxEvents or shorten the run`,
        );
      }
    }
    this.#now = until;
  }

  /**
   * Feeds a new fingerprint every later record of the trace bus.
   *
   * @returns The fingerprint, updated as records are emitted.
   */
  fingerprint(): Fingerprint {
    const fingerprint = new Fingerprint();
    this.trace.hashInto(fingerprint);
    return fingerprint;
  }
}
