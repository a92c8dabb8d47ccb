/**
 * The per-core timer: a compare register that raises an interrupt line at an exact time.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "./engine.ts";
import type { EventHandle } from "./event_queue.ts";
import type { InterruptController } from "./interrupt_controller.ts";
import type { Duration, Instant } from "./time.ts";

/** Options of the {@linkcode CoreTimer} constructor. */
export interface CoreTimerOptions {
  /** The core the timer belongs to (the bank of its line on a GIC). */
  readonly core: number;
  /** The controller its line is on. */
  readonly interrupts: InterruptController;
  /** The line it raises (GIC: a PPI, banked per core). */
  readonly line: number;
}

/**
 * A per-core timer (like the ARM generic timer's compare): one-shot or periodic, raising its
 * line at the compare time to the nanosecond. A periodic timer fires at `start + k × period`
 * exactly, so it does not drift. Events run in the hardware priority class.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "./engine.ts";
 * import { InterruptController } from "./interrupt_controller.ts";
 * import { CoreTimer } from "./core_timer.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const timer = new CoreTimer(engine, { core: 0, interrupts, line: 28 });
 * timer.setOneShot(1_234);
 * engine.run({ until: 2_000 });
 * assert.equal(interrupts.assertedAt(28), 1_234);
 * assert.equal(timer.nextAt, undefined);
 * ```
 */
export class CoreTimer {
  #engine: Engine;
  #interrupts: InterruptController;
  #line: number;
  #handle: EventHandle | undefined;
  #nextAt: Instant | undefined;
  #period: Duration = 0;
  #start: Instant = 0;
  #count = 0;
  #fired = 0;
  /** The core the timer belongs to. */
  readonly core: number;

  /**
   * Creates a stopped timer.
   *
   * @param engine The engine.
   * @param options Core, controller and line.
   */
  constructor(engine: Engine, options: CoreTimerOptions) {
    this.#engine = engine;
    this.#interrupts = options.interrupts;
    this.#line = options.line;
    this.core = options.core;
  }

  /** The line the timer raises. */
  get line(): number {
    return this.#line;
  }

  /**
   * When the timer fires next, or `undefined` when stopped.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import { CoreTimer } from "./core_timer.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
   * const timer = new CoreTimer(engine, { core: 0, interrupts, line: 28 });
   * timer.setPeriodic(1_000_000);
   * assert.equal(timer.nextAt, 1_000_000);
   * ```
   */
  get nextAt(): Instant | undefined {
    return this.#nextAt;
  }

  /**
   * Fires once at an absolute time, replacing any earlier setting.
   *
   * @param at When; not before now.
   * @throws {RangeError} If `at` is in the past or not whole nanoseconds.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import { CoreTimer } from "./core_timer.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
   * const timer = new CoreTimer(engine, { core: 0, interrupts, line: 28 });
   * timer.setOneShot(500);
   * assert.equal(timer.nextAt, 500);
   * ```
   */
  setOneShot(at: Instant): void {
    this.#checkTime(at, "set one-shot timer");
    this.cancel();
    this.#period = 0;
    this.#arm(at);
  }

  /**
   * Fires every `period` ns, at `start + k × period` for k = 0, 1, …; `start` defaults to
   * now + period.
   *
   * @param period The period in ns, positive.
   * @param options The first firing time; not before now.
   * @throws {RangeError} If the period is not positive or the start is in the past.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import { CoreTimer } from "./core_timer.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
   * const timer = new CoreTimer(engine, { core: 0, interrupts, line: 28 });
   * timer.setPeriodic(1_000, { start: 250 });
   * engine.run({ until: 2_500 });
   * assert.equal(timer.fired, 3); // 250, 1250, 2250
   * ```
   */
  setPeriodic(period: Duration, options: { readonly start?: Instant } = {}): void {
    if (!Number.isSafeInteger(period) || period <= 0) {
      throw new RangeError(
        `Cannot set periodic timer on core ${this.core}: period ${period} is not a positive ` +
          `whole number of nanoseconds`,
      );
    }
    const start = options.start ?? this.#engine.now + period;
    this.#checkTime(start, "set periodic timer");
    this.cancel();
    this.#period = period;
    this.#start = start;
    this.#count = 0;
    this.#arm(start);
  }

  /**
   * Stops the timer.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import { CoreTimer } from "./core_timer.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
   * const timer = new CoreTimer(engine, { core: 0, interrupts, line: 28 });
   * timer.setOneShot(500);
   * timer.cancel();
   * engine.run({ until: 1_000 });
   * assert.equal(timer.fired, 0);
   * ```
   */
  cancel(): void {
    if (this.#handle !== undefined) this.#engine.cancel(this.#handle);
    this.#handle = undefined;
    this.#nextAt = undefined;
  }

  /** How many times the timer has fired. */
  get fired(): number {
    return this.#fired;
  }

  #arm(at: Instant): void {
    this.#nextAt = at;
    this.#handle = this.#engine.schedule(at, () => this.#fire(), PRIORITY_HARDWARE);
  }

  #fire(): void {
    this.#handle = undefined;
    this.#nextAt = undefined;
    this.#fired++;
    if (this.#period > 0) {
      this.#count++;
      this.#arm(this.#start + this.#count * this.#period);
    }
    this.#interrupts.raise(this.#line, this.core);
  }

  #checkTime(at: Instant, action: string): void {
    if (!Number.isSafeInteger(at) || at < this.#engine.now) {
      throw new RangeError(
        `Cannot ${action} on core ${this.core}: time ${at} is not a whole number of ` +
          `nanoseconds at or after now (${this.#engine.now})`,
      );
    }
  }
}
