/**
 * The display: a framebuffer of real bytes, a secure-indicator LED and a vsync interrupt.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { EventHandle } from "../event_queue.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode Display} constructor. */
export interface DisplayOptions extends DeviceWindowOptions {
  /** Pixels per line; default 320. */
  readonly width?: number;
  /** Lines; default 240. */
  readonly height?: number;
  /** Refresh rate in hertz; default 60. */
  readonly refreshHz?: number;
}

const FRAMEBUFFER_OFFSET = 0x1000;

/**
 * A display controller with an 8-bit-per-pixel framebuffer (320 × 240 = 76,800 bytes by
 * default) in its window, and a secure indicator (an LED or screen area only the secure world
 * can light, telling the user the PIN pad is genuine).
 *
 * Vsync is free-running: vsync k happens at exactly k × period for k ≥ 1, where the period is
 * 1e9 / refreshHz ns rounded to the nearest ns (60 Hz: 16,666,667 ns, 0.33 ns long, so vsync
 * 60 is at 1,000,000,020 ns). While CONTROL.VSYNC_IRQ is set, each vsync raises the line
 * (edge); while clear no events are scheduled.
 *
 * | Offset  | Name             | Access | Meaning                                          |
 * | ------- | ---------------- | ------ | ------------------------------------------------ |
 * | 0x00    | CONTROL          | R/W    | bit 0: VSYNC_IRQ enable                          |
 * | 0x04    | FRAME_COUNT      | R      | vsyncs since time 0, floor(now / period)         |
 * | 0x08    | SECURE_INDICATOR | R/W    | bit 0: indicator on                              |
 * | 0x0C    | WIDTH            | R      | pixels per line                                  |
 * | 0x10    | HEIGHT           | R      | lines                                            |
 * | 0x1000  | FRAMEBUFFER      | R/W    | width × height bytes, row-major, any alignment   |
 *
 * Trace records: `display.secure` {on, initiator} when the indicator changes,
 * `display.vsync` {frame} at each signalled vsync.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { Display } from "./display.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const display = new Display(engine, { name: "display", base: 0x53f8_0000, size: 0x20000, irq: 42, interrupts });
 * display.write(Display.registers.SECURE_INDICATOR, new Uint8Array([1, 0, 0, 0]), "pin");
 * assert.equal(display.secureIndicator, true);
 * display.write(Display.registers.CONTROL, new Uint8Array([1, 0, 0, 0]), "android");
 * engine.run({ until: 20_000_000 });
 * assert.equal(interrupts.assertedAt(42), 16_666_667);
 * ```
 */
export class Display extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<
      "CONTROL" | "FRAME_COUNT" | "SECURE_INDICATOR" | "WIDTH" | "HEIGHT" | "FRAMEBUFFER",
      number
    >
  > = Object.freeze({
    CONTROL: 0x00,
    FRAME_COUNT: 0x04,
    SECURE_INDICATOR: 0x08,
    WIDTH: 0x0c,
    HEIGHT: 0x10,
    FRAMEBUFFER: FRAMEBUFFER_OFFSET,
  });
  /** CONTROL bit: raise the line at each vsync. */
  static readonly CONTROL_VSYNC_IRQ: number = 1;

  #framebuffer: Uint8Array | undefined;
  #control = 0;
  #secure = false;
  #vsync: EventHandle | undefined;
  /** Pixels per line. */
  readonly width: number;
  /** Lines. */
  readonly height: number;
  /** The vsync period in ns, 1e9 / refreshHz rounded to the nearest ns. */
  readonly periodNs: Duration;

  /**
   * Creates a display with a black framebuffer, the indicator off and vsync IRQs disabled.
   *
   * @param engine The engine.
   * @param options Window, line, geometry and refresh rate.
   * @throws {RangeError} If the window cannot hold the framebuffer or an option is invalid.
   */
  constructor(engine: Engine, options: DisplayOptions) {
    super(engine, options);
    this.width = options.width ?? 320;
    this.height = options.height ?? 240;
    const refreshHz = options.refreshHz ?? 60;
    const check = new OptionChecks("display", this.name);
    check.positiveWhole("width", this.width);
    check.positiveWhole("height", this.height);
    check.rate("refreshHz", refreshHz);
    this.periodNs = Math.round(1e9 / refreshHz);
    const needed = FRAMEBUFFER_OFFSET + this.width * this.height;
    if (this.size < needed) {
      check.fail(
        "size",
        this.size,
        `is below ${needed} (0x1000 of registers + ${this.width}x${this.height} framebuffer)`,
      );
    }
  }

  /** Whether the secure indicator is on. */
  get secureIndicator(): boolean {
    return this.#secure;
  }

  /** Whether vsync interrupts are enabled. */
  get vsyncEnabled(): boolean {
    return (this.#control & Display.CONTROL_VSYNC_IRQ) !== 0;
  }

  /**
   * A copy of the framebuffer (width × height bytes).
   *
   * @returns The pixels, row-major.
   */
  framebuffer(): Uint8Array {
    return this.#framebuffer === undefined
      ? new Uint8Array(this.width * this.height)
      : this.#framebuffer.slice();
  }

  /**
   * Reads registers or framebuffer bytes (one access may not cover both).
   *
   * @param offset Relative to the base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  read(offset: number, length: number): Uint8Array {
    checkWindow(this, offset, length);
    if (offset >= FRAMEBUFFER_OFFSET) {
      const start = this.#pixelOffset(offset, length, "read");
      return this.#framebuffer === undefined
        ? new Uint8Array(length)
        : this.#framebuffer.slice(start, start + length);
    }
    const r = Display.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.CONTROL:
          return this.#control;
        case r.FRAME_COUNT:
          return Math.floor(this.engine.now / this.periodNs) >>> 0;
        case r.SECURE_INDICATOR:
          return this.#secure ? 1 : 0;
        case r.WIDTH:
          return this.width;
        case r.HEIGHT:
          return this.height;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes registers or framebuffer bytes.
   *
   * @param offset Relative to the base.
   * @param bytes Register writes: whole aligned words; framebuffer: any bytes.
   * @param initiator Who writes; recorded when the secure indicator changes.
   */
  write(offset: number, bytes: Uint8Array, initiator: string): void {
    checkWindow(this, offset, bytes.length);
    if (offset >= FRAMEBUFFER_OFFSET) {
      const start = this.#pixelOffset(offset, bytes.length, "write");
      this.#framebuffer ??= new Uint8Array(this.width * this.height);
      this.#framebuffer.set(bytes, start);
      return;
    }
    const r = Display.registers;
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word === r.CONTROL) this.#setControl(value & Display.CONTROL_VSYNC_IRQ);
      else if (word === r.SECURE_INDICATOR) this.#setSecure((value & 1) === 1, initiator);
      else noRegister(this.name, word, "write");
    });
  }

  #pixelOffset(offset: number, length: number, action: string): number {
    const start = offset - FRAMEBUFFER_OFFSET;
    if (start + length > this.width * this.height) {
      throw new RangeError(
        `Cannot ${action} display "${this.name}" framebuffer at offset ${start} length ` +
          `${length}: the framebuffer is ${this.width * this.height} bytes`,
      );
    }
    return start;
  }

  #setSecure(on: boolean, initiator: string): void {
    if (on === this.#secure) return;
    this.#secure = on;
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "display.secure",
        source: this.name,
        on,
        initiator,
      });
    }
  }

  #setControl(control: number): void {
    const was = this.vsyncEnabled;
    this.#control = control;
    if (this.vsyncEnabled && !was) this.#armVsync();
    if (!this.vsyncEnabled && this.#vsync !== undefined) {
      this.engine.cancel(this.#vsync);
      this.#vsync = undefined;
    }
  }

  #armVsync(): void {
    const next: Instant = (Math.floor(this.engine.now / this.periodNs) + 1) * this.periodNs;
    this.#vsync = this.engine.schedule(next, (now) => {
      this.#vsync = undefined;
      this.#armVsync();
      const trace = this.engine.trace;
      if (trace.active) {
        trace.emit({
          time: now,
          kind: "display.vsync",
          source: this.name,
          frame: Math.round(now / this.periodNs),
        });
      }
      this.interrupts.raise(this.irq);
    }, PRIORITY_HARDWARE);
  }
}
