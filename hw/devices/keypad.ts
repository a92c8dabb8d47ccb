/**
 * The keypad: a key matrix with a scan debounce, a scancode FIFO and an edge interrupt.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { Duration } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

const SCANCODES: Readonly<Record<string, number>> = Object.freeze({
  "0": 0x30,
  "1": 0x31,
  "2": 0x32,
  "3": 0x33,
  "4": 0x34,
  "5": 0x35,
  "6": 0x36,
  "7": 0x37,
  "8": 0x38,
  "9": 0x39,
  "*": 0x2a,
  "#": 0x23,
  up: 0x80,
  down: 0x81,
  left: 0x82,
  right: 0x83,
  select: 0x84,
  call: 0x85,
  end: 0x86,
  back: 0x87,
});
const KEYS_BY_CODE = new Map(Object.entries(SCANCODES).map(([key, code]) => [code, key]));

/**
 * The scancode of a key: digits, `*` and `#` use their ASCII codes (0x30–0x39, 0x2a, 0x23);
 * `up` 0x80, `down` 0x81, `left` 0x82, `right` 0x83, `select` 0x84, `call` 0x85, `end` 0x86,
 * `back` 0x87.
 *
 * @param key A key name.
 * @returns Its scancode.
 * @throws {RangeError} If the key does not exist, listing the valid keys.
 *
 * @example Usage
 * ```ts
 * import { scancodeForKey } from "./keypad.ts";
 * import assert from "node:assert/strict";
 * assert.equal(scancodeForKey("7"), 0x37);
 * assert.equal(scancodeForKey("#"), 0x23);
 * ```
 */
export function scancodeForKey(key: string): number {
  const code = SCANCODES[key];
  if (code === undefined || !Object.hasOwn(SCANCODES, key)) {
    throw new RangeError(
      `Cannot press key "${key}": valid keys are ${Object.keys(SCANCODES).join(" ")}`,
    );
  }
  return code;
}

/**
 * The key of a scancode.
 *
 * @param code A scancode.
 * @returns The key name, or `undefined` if no key has that code (e.g. 0, an empty DATA read).
 *
 * @example Usage
 * ```ts
 * import { keyForScancode } from "./keypad.ts";
 * import assert from "node:assert/strict";
 * assert.equal(keyForScancode(0x34), "4");
 * assert.equal(keyForScancode(0), undefined);
 * ```
 */
export function keyForScancode(code: number): string | undefined {
  return KEYS_BY_CODE.get(code);
}

/** Options of the {@linkcode Keypad} constructor. */
export interface KeypadOptions extends DeviceWindowOptions {
  /** Matrix-scan debounce from press to scancode ready; default 10 µs. */
  readonly scanDelayNs?: Duration;
  /** FIFO depth in scancodes; default 16. */
  readonly fifoDepth?: number;
}

/**
 * A keypad (like the i.MX31 KPP): a key press is ready `scanDelayNs` later (the matrix scan
 * and debounce), goes into a FIFO and raises the line (edge, once per key).
 *
 * | Offset | Name     | Access | Meaning                                                   |
 * | ------ | -------- | ------ | --------------------------------------------------------- |
 * | 0x00   | STATUS   | R      | bit 0: READY (the FIFO holds a scancode)                  |
 * | 0x04   | SCANCODE | R      | the scancode at the FIFO head, not popped; 0 when empty   |
 * | 0x08   | DATA     | R      | pops and returns the head scancode; 0 when empty          |
 * | 0x0C   | COUNT    | R      | scancodes in the FIFO                                     |
 * | 0x10   | OVERFLOW | R/W    | scancodes lost to a full FIFO; writing any value clears it |
 *
 * Trace records: `keypad.key` {code} when a scancode enters the FIFO, `keypad.overflow`
 * {code, overflow} when one is lost.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { Keypad, keyForScancode } from "./keypad.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const keypad = new Keypad(engine, { name: "keypad", base: 0x43fa_8000, size: 0x1000, irq: 24, interrupts });
 * keypad.press("4");
 * engine.run({ until: 10_000 });
 * assert.equal(interrupts.assertedAt(24), 10_000);
 * assert.equal(keyForScancode(keypad.read(Keypad.registers.DATA, 4)[0]), "4");
 * ```
 */
export class Keypad extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<"STATUS" | "SCANCODE" | "DATA" | "COUNT" | "OVERFLOW", number>
  > = Object.freeze({
    STATUS: 0x00,
    SCANCODE: 0x04,
    DATA: 0x08,
    COUNT: 0x0c,
    OVERFLOW: 0x10,
  });
  /** The smallest window that holds the registers. */
  static readonly minimumSize: number = 0x14;
  /** STATUS bit: the FIFO holds a scancode. */
  static readonly STATUS_READY: number = 1;

  #fifo: number[] = [];
  #overflow = 0;
  /** The scan delay in ns. */
  readonly scanDelayNs: Duration;
  /** The FIFO depth. */
  readonly fifoDepth: number;

  /**
   * Creates a keypad with an empty FIFO.
   *
   * @param engine The engine.
   * @param options Window, line and timing.
   * @throws {RangeError} If the window is too small or an option is out of range.
   */
  constructor(engine: Engine, options: KeypadOptions) {
    super(engine, options);
    this.scanDelayNs = options.scanDelayNs ?? 10_000;
    this.fifoDepth = options.fifoDepth ?? 16;
    const check = new OptionChecks("keypad", this.name);
    if (this.size < Keypad.minimumSize) {
      check.fail("size", this.size, "is below the minimum 0x14");
    }
    check.nonNegativeWhole("scanDelayNs", this.scanDelayNs);
    check.positiveWhole("fifoDepth", this.fifoDepth);
  }

  /**
   * Presses a key (the world side); its scancode is ready `scanDelayNs` later.
   *
   * @param key A key name, see {@linkcode scancodeForKey}.
   * @throws {RangeError} If the key does not exist.
   */
  press(key: string): void {
    const code = scancodeForKey(key);
    this.engine.after(this.scanDelayNs, () => this.#scanned(code), PRIORITY_HARDWARE);
  }

  /** The scancodes waiting in the FIFO, head first. */
  get queued(): readonly number[] {
    return [...this.#fifo];
  }

  /** The number of scancodes lost to a full FIFO. */
  get overflow(): number {
    return this.#overflow;
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
    return readWords(offset, length, (word) => {
      const r = Keypad.registers;
      switch (word) {
        case r.STATUS:
          return this.#fifo.length > 0 ? Keypad.STATUS_READY : 0;
        case r.SCANCODE:
          return this.#fifo[0] ?? 0;
        case r.DATA:
          return this.#fifo.shift() ?? 0;
        case r.COUNT:
          return this.#fifo.length;
        case r.OVERFLOW:
          return this.#overflow;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes registers (only OVERFLOW is writable).
   *
   * @param offset Relative to the base.
   * @param bytes Whole aligned words.
   * @param _initiator Who writes.
   */
  write(offset: number, bytes: Uint8Array, _initiator: string): void {
    checkWindow(this, offset, bytes.length);
    writeWords(this.name, offset, bytes, (word) => {
      if (word === Keypad.registers.OVERFLOW) this.#overflow = 0;
      else noRegister(this.name, word, "write");
    });
  }

  #scanned(code: number): void {
    const trace = this.engine.trace;
    if (this.#fifo.length >= this.fifoDepth) {
      this.#overflow++;
      if (trace.active) {
        trace.emit({
          time: this.engine.now,
          kind: "keypad.overflow",
          source: this.name,
          code,
          overflow: this.#overflow,
        });
      }
      return;
    }
    this.#fifo.push(code);
    if (trace.active) {
      trace.emit({ time: this.engine.now, kind: "keypad.key", source: this.name, code });
    }
    this.interrupts.raise(this.irq);
  }
}
