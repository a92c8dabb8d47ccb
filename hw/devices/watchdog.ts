/**
 * The watchdog: bites (interrupt and callback) if not kicked within its timeout.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { EventHandle } from "../event_queue.ts";
import type { Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode Watchdog} constructor. */
export interface WatchdogOptions extends DeviceWindowOptions {
  /** The reset value of LOAD, in µs; default 1,000,000 (1 s). */
  readonly timeoutUs?: number;
  /** Called at the bite (a board-level reset would be modelled here). */
  readonly onBite?: (time: Instant) => void;
}

/**
 * A watchdog timer. While enabled it counts down LOAD µs from the last enable or kick; at zero
 * it bites: sets STATUS.BITTEN, raises the line (edge), calls `onBite`, traces
 * `watchdog.bite`, and disables itself (software must re-enable it). The bite time is exactly
 * (last enable or kick) + LOAD × 1,000 ns.
 *
 * | Offset | Name      | Access | Meaning                                                   |
 * | ------ | --------- | ------ | --------------------------------------------------------- |
 * | 0x00   | LOAD      | R/W    | timeout in µs (u32); takes effect at the next enable/kick |
 * | 0x04   | KICK      | W      | any value: restart the countdown                          |
 * | 0x08   | CONTROL   | R/W    | bit 0: ENABLE (setting it starts the countdown)           |
 * | 0x0C   | REMAINING | R      | whole µs until the bite, rounded down; 0 when disabled    |
 * | 0x10   | STATUS    | R/W1C  | bit 0: BITTEN                                             |
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { Watchdog } from "./watchdog.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const bites: number[] = [];
 * const watchdog = new Watchdog(engine, {
 *   name: "watchdog", base: 0x53fd_c000, size: 0x1000, irq: 55, interrupts,
 *   timeoutUs: 500, onBite: (time) => bites.push(time),
 * });
 * watchdog.enable();
 * engine.run({ until: 1_000_000 });
 * assert.deepEqual(bites, [500_000]);
 * ```
 */
export class Watchdog extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<"LOAD" | "KICK" | "CONTROL" | "REMAINING" | "STATUS", number>
  > = Object.freeze({
    LOAD: 0x00,
    KICK: 0x04,
    CONTROL: 0x08,
    REMAINING: 0x0c,
    STATUS: 0x10,
  });
  /** The smallest window. */
  static readonly minimumSize: number = 0x14;

  #onBite: ((time: Instant) => void) | undefined;
  #load: number;
  #handle: EventHandle | undefined;
  #expiresAt: Instant | undefined;
  #bitten = false;
  #bites = 0;

  /**
   * Creates a disabled watchdog.
   *
   * @param engine The engine.
   * @param options Window, line, timeout and bite callback.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(engine: Engine, options: WatchdogOptions) {
    super(engine, options);
    this.#onBite = options.onBite;
    this.#load = options.timeoutUs ?? 1_000_000;
    const check = new OptionChecks("watchdog", this.name);
    if (this.size < Watchdog.minimumSize) check.fail("size", this.size, "is below 0x14");
    if (!Number.isSafeInteger(this.#load) || this.#load < 1 || this.#load > 0xffff_ffff) {
      check.fail("timeoutUs", this.#load, "is not a whole number in 1..4294967295");
    }
  }

  /** Whether the countdown runs. */
  get enabled(): boolean {
    return this.#expiresAt !== undefined;
  }

  /** When it will bite, or `undefined` when disabled. */
  get expiresAt(): Instant | undefined {
    return this.#expiresAt;
  }

  /** How many times it has bitten. */
  get bites(): number {
    return this.#bites;
  }

  /** The timeout in µs (LOAD). */
  get timeoutUs(): number {
    return this.#load;
  }

  /** Starts (or restarts) the countdown, as setting CONTROL.ENABLE. */
  enable(): void {
    this.kick();
  }

  /** Stops the countdown. */
  disable(): void {
    if (this.#handle !== undefined) this.engine.cancel(this.#handle);
    this.#handle = undefined;
    this.#expiresAt = undefined;
  }

  /** Restarts the countdown from LOAD (enables it if disabled). */
  kick(): void {
    this.disable();
    this.#expiresAt = this.engine.now + this.#load * 1_000;
    this.#handle = this.engine.schedule(this.#expiresAt, () => this.#bite(), PRIORITY_HARDWARE);
  }

  /**
   * Reads registers.
   *
   * @param offset Relative to the base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  read(offset: number, length: number): Uint8Array {
    checkWindow(this, offset, length);
    const r = Watchdog.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.LOAD:
          return this.#load;
        case r.KICK:
          return 0;
        case r.CONTROL:
          return this.enabled ? 1 : 0;
        case r.REMAINING:
          return this.#expiresAt === undefined
            ? 0
            : Math.floor((this.#expiresAt - this.engine.now) / 1_000);
        case r.STATUS:
          return this.#bitten ? 1 : 0;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes registers.
   *
   * @param offset Relative to the base.
   * @param bytes Whole aligned words.
   * @param _initiator Who writes.
   */
  write(offset: number, bytes: Uint8Array, _initiator: string): void {
    checkWindow(this, offset, bytes.length);
    const r = Watchdog.registers;
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word === r.LOAD) this.#load = Math.max(1, value);
      else if (word === r.KICK) {
        if (this.enabled) this.kick();
      } else if (word === r.CONTROL) {
        if ((value & 1) === 1 && !this.enabled) this.enable();
        else if ((value & 1) === 0) this.disable();
      } else if (word === r.STATUS) {
        if ((value & 1) === 1) this.#bitten = false;
      } else noRegister(this.name, word, "write");
    });
  }

  #bite(): void {
    this.#handle = undefined;
    this.#expiresAt = undefined;
    this.#bitten = true;
    this.#bites++;
    const now = this.engine.now;
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({ time: now, kind: "watchdog.bite", source: this.name, bites: this.#bites });
    }
    this.interrupts.raise(this.irq);
    this.#onBite?.(now);
  }
}
