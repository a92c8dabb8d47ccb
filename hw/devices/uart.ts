/**
 * The UART: a serial port whose output is captured as lines per writer.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode Uart} constructor. */
export interface UartOptions extends DeviceWindowOptions {
  /** Bits per second; default 115200. */
  readonly baud?: number;
  /** TX FIFO depth in bytes; default 16. */
  readonly txFifoBytes?: number;
  /** RX FIFO depth in bytes; default 16. */
  readonly rxFifoBytes?: number;
}

/** A completed output line and who wrote it. */
export interface UartLine {
  /** The writer (the initiator of the TX writes). */
  readonly writer: string;
  /** The text, without the line end. */
  readonly text: string;
  /** When its newline finished transmitting. */
  readonly time: Instant;
}

const HISTORY_MAX = 10_000;

/**
 * A UART with 8N1 framing: each byte is 10 bit-times on the wire. The byte time is
 * 10 × 1e9 / baud rounded to the nearest ns (115200 baud: 86,805.6 → 86,806 ns), and bytes
 * leave back to back, so byte k of a burst written at t finishes at t + (k+1) × 86,806 ns.
 *
 * Output is captured per writer (the `initiator` of each TX write): bytes are decoded as
 * Latin-1, a line ends at `\n` (a `\r` is dropped) when the newline finishes transmitting.
 * Writing TX while the TX FIFO is full drops the byte and counts TX_OVERRUN.
 *
 * RX (the world side, {@linkcode Uart.receive}): bytes arrive one byte time apart into the RX
 * FIFO, each raising the line (edge); when it is full the byte is lost and RX_OVERRUN counts.
 *
 * | Offset | Name       | Access | Meaning                                              |
 * | ------ | ---------- | ------ | ---------------------------------------------------- |
 * | 0x00   | TX         | W      | bits 7..0: byte to send                              |
 * | 0x04   | STATUS     | R      | bit 0: TX_BUSY (FIFO or shifter not empty); bit 1: RX_READY; bit 2: TX_FULL |
 * | 0x08   | RX         | R      | pops a received byte; 0 when empty                   |
 * | 0x0C   | TX_OVERRUN | R      | bytes dropped because the TX FIFO was full           |
 * | 0x10   | RX_OVERRUN | R      | bytes lost because the RX FIFO was full              |
 *
 * Trace records: `uart.line` {writer, text} when a line completes.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { Uart } from "./uart.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const uart = new Uart(engine, { name: "uart", base: 0x43f9_0000, size: 0x1000, irq: 45, interrupts });
 * for (const byte of new TextEncoder().encode("ok\n")) {
 *   uart.write(Uart.registers.TX, new Uint8Array([byte, 0, 0, 0]), "baseband");
 * }
 * engine.run({ until: 3 * 86_806 });
 * assert.deepEqual(uart.lines("baseband"), ["ok"]);
 * ```
 */
export class Uart extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<"TX" | "STATUS" | "RX" | "TX_OVERRUN" | "RX_OVERRUN", number>
  > = Object.freeze({
    TX: 0x00,
    STATUS: 0x04,
    RX: 0x08,
    TX_OVERRUN: 0x0c,
    RX_OVERRUN: 0x10,
  });
  /** The smallest window. */
  static readonly minimumSize: number = 0x14;
  /** STATUS bit: transmitting. */
  static readonly STATUS_TX_BUSY: number = 1;
  /** STATUS bit: a received byte is waiting. */
  static readonly STATUS_RX_READY: number = 2;
  /** STATUS bit: the TX FIFO is full. */
  static readonly STATUS_TX_FULL: number = 4;

  #tx: { byte: number; writer: string }[] = [];
  #txBusyUntil: Instant = 0;
  #rx: number[] = [];
  #rxWireFreeAt: Instant = 0;
  #txOverrun = 0;
  #rxOverrun = 0;
  #partial = new Map<string, string>();
  #lines: UartLine[] = [];
  /** Bits per second. */
  readonly baud: number;
  /** The time one byte takes on the wire, in ns. */
  readonly byteTimeNs: Duration;
  /** TX FIFO depth. */
  readonly txFifoBytes: number;
  /** RX FIFO depth. */
  readonly rxFifoBytes: number;

  /**
   * Creates an idle UART.
   *
   * @param engine The engine.
   * @param options Window, line and rate.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(engine: Engine, options: UartOptions) {
    super(engine, options);
    this.baud = options.baud ?? 115_200;
    this.txFifoBytes = options.txFifoBytes ?? 16;
    this.rxFifoBytes = options.rxFifoBytes ?? 16;
    const check = new OptionChecks("uart", this.name);
    if (this.size < Uart.minimumSize) check.fail("size", this.size, "is below 0x14");
    check.rate("baud", this.baud);
    check.positiveWhole("txFifoBytes", this.txFifoBytes);
    check.positiveWhole("rxFifoBytes", this.rxFifoBytes);
    this.byteTimeNs = Math.round(10e9 / this.baud);
  }

  /** Whether a byte is being sent or waits in the TX FIFO. */
  get txBusy(): boolean {
    return this.#tx.length > 0;
  }

  /**
   * The completed lines, oldest first (the last 10,000 are kept).
   *
   * @param writer Only this writer's lines; default all, in completion order.
   * @returns The lines' text.
   */
  lines(writer?: string): string[] {
    return this.#lines.filter((line) => writer === undefined || line.writer === writer)
      .map((line) => line.text);
  }

  /**
   * The completed lines with their writers and times.
   *
   * @returns The lines, oldest first.
   */
  records(): readonly UartLine[] {
    return [...this.#lines];
  }

  /**
   * The text a writer has sent since its last newline.
   *
   * @param writer The writer.
   * @returns The unfinished line, possibly empty.
   */
  partialLine(writer: string): string {
    return this.#partial.get(writer) ?? "";
  }

  /**
   * Sends a byte as the given writer, as a TX register write does.
   *
   * @param byte The byte, 0..255.
   * @param writer Who writes.
   * @returns Whether it was accepted (false: the TX FIFO was full).
   */
  transmit(byte: number, writer: string): boolean {
    if (this.#tx.length >= this.txFifoBytes) {
      this.#txOverrun++;
      return false;
    }
    this.#tx.push({ byte: byte & 0xff, writer });
    if (this.#tx.length === 1) {
      this.#txBusyUntil = this.engine.now + this.byteTimeNs;
      this.engine.schedule(this.#txBusyUntil, () => this.#sent(), PRIORITY_HARDWARE);
    }
    return true;
  }

  /**
   * Receives bytes from the world: byte k arrives (k+1) byte times after the wire is free.
   *
   * @param data Bytes, or a string sent as Latin-1.
   */
  receive(data: Uint8Array | string): void {
    const bytes = typeof data === "string"
      ? Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)
      : data;
    let at = Math.max(this.engine.now, this.#rxWireFreeAt);
    for (const byte of bytes) {
      at += this.byteTimeNs;
      this.engine.schedule(at, () => this.#received(byte), PRIORITY_HARDWARE);
    }
    this.#rxWireFreeAt = at;
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
    const r = Uart.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.TX:
          return 0;
        case r.STATUS:
          return (this.txBusy ? Uart.STATUS_TX_BUSY : 0) |
            (this.#rx.length > 0 ? Uart.STATUS_RX_READY : 0) |
            (this.#tx.length >= this.txFifoBytes ? Uart.STATUS_TX_FULL : 0);
        case r.RX:
          return this.#rx.shift() ?? 0;
        case r.TX_OVERRUN:
          return this.#txOverrun;
        case r.RX_OVERRUN:
          return this.#rxOverrun;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes TX.
   *
   * @param offset Relative to the base.
   * @param bytes One whole word per byte to send.
   * @param initiator The writer the output is captured under.
   */
  write(offset: number, bytes: Uint8Array, initiator: string): void {
    checkWindow(this, offset, bytes.length);
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word === Uart.registers.TX) this.transmit(value & 0xff, initiator);
      else noRegister(this.name, word, "write");
    });
  }

  #sent(): void {
    const { byte, writer } = this.#tx.shift()!;
    if (this.#tx.length > 0) {
      this.#txBusyUntil += this.byteTimeNs;
      this.engine.schedule(this.#txBusyUntil, () => this.#sent(), PRIORITY_HARDWARE);
    }
    if (byte === 0x0d) return;
    const partial = this.#partial.get(writer) ?? "";
    if (byte !== 0x0a) {
      this.#partial.set(writer, partial + String.fromCharCode(byte));
      return;
    }
    this.#partial.delete(writer);
    this.#lines.push({ writer, text: partial, time: this.engine.now });
    if (this.#lines.length > HISTORY_MAX) this.#lines.shift();
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "uart.line",
        source: this.name,
        writer,
        text: partial,
      });
    }
  }

  #received(byte: number): void {
    if (this.#rx.length >= this.rxFifoBytes) {
      this.#rxOverrun++;
      return;
    }
    this.#rx.push(byte);
    this.interrupts.raise(this.irq);
  }
}
