/**
 * A memory-mapped system timer (board device kind `"timer"`): a free-running ns counter and
 * a compare that raises a line.
 *
 * @module
 */

import type { Engine } from "../engine.ts";
import { CoreTimer } from "../core_timer.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode SystemTimer} constructor. */
export interface SystemTimerOptions extends DeviceWindowOptions {
}

/**
 * A system timer clocked in nanoseconds (one tick = 1 ns of virtual time, so no rounding).
 * Setting CONTROL bit 0 arms a one-shot at COMPARE (which must not be in the past; if it is,
 * it fires now); bit 1 arms a periodic timer firing every PERIOD ns from now + PERIOD. Writing
 * CONTROL = 0 stops it. Each firing raises the line (edge).
 *
 * | Offset | Name       | Access | Meaning                                    |
 * | ------ | ---------- | ------ | ------------------------------------------ |
 * | 0x00   | COUNTER_LO | R      | now in ns, low 32 bits                     |
 * | 0x04   | COUNTER_HI | R      | now in ns, high bits                       |
 * | 0x08   | COMPARE_LO | R/W    | one-shot time, low 32 bits                 |
 * | 0x0C   | COMPARE_HI | R/W    | one-shot time, high bits                   |
 * | 0x10   | PERIOD     | R/W    | periodic interval in ns                    |
 * | 0x14   | CONTROL    | R/W    | bit 0: ONE_SHOT; bit 1: PERIODIC           |
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { SystemTimer } from "./system_timer.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const timer = new SystemTimer(engine, { name: "timer", base: 0x53f9_4000, size: 0x1000, irq: 27, interrupts });
 * timer.write(SystemTimer.registers.COMPARE_LO, new Uint8Array([0xe8, 0x03, 0, 0]), "kernel");
 * timer.write(SystemTimer.registers.CONTROL, new Uint8Array([1, 0, 0, 0]), "kernel");
 * engine.run({ until: 2_000 });
 * assert.equal(interrupts.assertedAt(27), 1_000);
 * ```
 */
export class SystemTimer extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<"COUNTER_LO" | "COUNTER_HI" | "COMPARE_LO" | "COMPARE_HI" | "PERIOD" | "CONTROL", number>
  > = Object.freeze({
    COUNTER_LO: 0x00,
    COUNTER_HI: 0x04,
    COMPARE_LO: 0x08,
    COMPARE_HI: 0x0c,
    PERIOD: 0x10,
    CONTROL: 0x14,
  });
  /** The smallest window. */
  static readonly minimumSize: number = 0x18;

  #timer: CoreTimer;
  #compare = 0;
  #period = 0;
  #control = 0;

  /**
   * Creates a stopped timer.
   *
   * @param engine The engine.
   * @param options Window and line.
   * @throws {RangeError} If the window is too small.
   */
  constructor(engine: Engine, options: SystemTimerOptions) {
    super(engine, options);
    if (this.size < SystemTimer.minimumSize) {
      new OptionChecks("timer", this.name).fail("size", this.size, "is below 0x18");
    }
    this.#timer = new CoreTimer(engine, {
      core: 0,
      interrupts: options.interrupts,
      line: this.irq,
    });
  }

  /** When it fires next, or `undefined` when stopped. */
  get nextAt(): number | undefined {
    return this.#timer.nextAt;
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
    const r = SystemTimer.registers;
    const now = this.engine.now;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.COUNTER_LO:
          return now % 2 ** 32;
        case r.COUNTER_HI:
          return Math.floor(now / 2 ** 32);
        case r.COMPARE_LO:
          return this.#compare % 2 ** 32;
        case r.COMPARE_HI:
          return Math.floor(this.#compare / 2 ** 32);
        case r.PERIOD:
          return this.#period;
        case r.CONTROL:
          return this.#timer.nextAt === undefined ? 0 : this.#control;
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
    const r = SystemTimer.registers;
    writeWords(this.name, offset, bytes, (word, value) => {
      switch (word) {
        case r.COMPARE_LO:
          this.#compare = Math.floor(this.#compare / 2 ** 32) * 2 ** 32 + value;
          break;
        case r.COMPARE_HI:
          this.#compare = (value & 0x1f_ffff) * 2 ** 32 + (this.#compare % 2 ** 32);
          break;
        case r.PERIOD:
          this.#period = value;
          break;
        case r.CONTROL:
          this.#control = value & 3;
          if ((value & 2) !== 0 && this.#period > 0) this.#timer.setPeriodic(this.#period);
          else if ((value & 1) !== 0) {
            this.#timer.setOneShot(Math.max(this.#compare, this.engine.now));
          } else this.#timer.cancel();
          break;
        default:
          noRegister(this.name, word, "write");
      }
    });
  }
}
