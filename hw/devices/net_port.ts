/**
 * The management network port: messages from the world arrive after latency and wire time
 * into a bounded RX queue; sent messages are captured.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode NetPort} constructor. */
export interface NetPortOptions extends DeviceWindowOptions {
  /** One-way latency added to every message; default 100 µs. */
  readonly latencyNs?: Duration;
  /** Link rate in bits per second; default 100 Mbit/s. */
  readonly bandwidthBitsPerSecond?: number;
  /** RX queue capacity in messages; default 64. */
  readonly rxQueueMax?: number;
  /** Called with each sent message (the world's side of TX). */
  readonly onSend?: (bytes: Uint8Array, time: Instant) => void;
}

const WINDOW_BYTES = 0x1000;
const RX_OFFSET = 0x1000;
const TX_OFFSET = 0x2000;
const HISTORY_MAX = 4096;

/**
 * A management port (an Ethernet-like link to the device management server).
 *
 * Timing of {@linkcode NetPort.deliver}: the link serialises messages, so a message starts on
 * the wire when the previous one has finished (or now), takes ceil(bytes × 8 × 1e9 /
 * bandwidth) ns on the wire (100 Mbit/s: 80 ns per byte), and is enqueued `latencyNs` after
 * it leaves the wire. A single 1,000-byte message delivered at t is enqueued at
 * t + 100,000 + 80,000 ns. On enqueue the line is raised (edge). A full RX queue drops the
 * message, counts it in RX_DROPPED and traces `net.drop`. Messages are at most 4,096 bytes.
 *
 * | Offset | Name       | Access | Meaning                                                  |
 * | ------ | ---------- | ------ | -------------------------------------------------------- |
 * | 0x00   | STATUS     | R      | bit 0: RX_READY (a message is queued)                    |
 * | 0x04   | RX_LEN     | R      | bytes of the head message; 0 when empty                  |
 * | 0x08   | RX_COUNT   | R      | messages queued                                          |
 * | 0x0C   | RX_POP     | W      | any value: drops the head message                        |
 * | 0x10   | RX_DROPPED | R      | messages dropped because the queue was full              |
 * | 0x14   | TX_LEN     | W      | n: sends the first n bytes of the TX window              |
 * | 0x1000 | RX         | R      | the head message's bytes (zeros past its end)            |
 * | 0x2000 | TX         | R/W    | 4,096 bytes of transmit buffer                           |
 *
 * Trace records: `net.rx` {bytes} on enqueue, `net.drop` {bytes, dropped}, `net.send` {bytes}.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { NetPort } from "./net_port.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const net = new NetPort(engine, { name: "net", base: 0x43fd_0000, size: 0x4000, irq: 19, interrupts });
 * net.deliver(new Uint8Array(1_000));
 * engine.run({ until: 1_000_000 });
 * assert.equal(interrupts.assertedAt(19), 180_000);
 * assert.equal(net.read(NetPort.registers.RX_LEN, 4)[0] + net.read(NetPort.registers.RX_LEN, 4)[1] * 256, 1_000);
 * ```
 */
export class NetPort extends IrqDevice {
  /** Register and window offsets. */
  static readonly registers: Readonly<
    Record<
      "STATUS" | "RX_LEN" | "RX_COUNT" | "RX_POP" | "RX_DROPPED" | "TX_LEN" | "RX" | "TX",
      number
    >
  > = Object.freeze({
    STATUS: 0x00,
    RX_LEN: 0x04,
    RX_COUNT: 0x08,
    RX_POP: 0x0c,
    RX_DROPPED: 0x10,
    TX_LEN: 0x14,
    RX: RX_OFFSET,
    TX: TX_OFFSET,
  });
  /** The smallest window: registers, RX and TX windows. */
  static readonly minimumSize: number = TX_OFFSET + WINDOW_BYTES;
  /** The largest message. */
  static readonly mtuBytes: number = WINDOW_BYTES;

  #rx: Uint8Array[] = [];
  #dropped = 0;
  #wireFreeAt: Instant = 0;
  #tx = new Uint8Array(WINDOW_BYTES);
  #sent: Uint8Array[] = [];
  #onSend: ((bytes: Uint8Array, time: Instant) => void) | undefined;
  /** One-way latency in ns. */
  readonly latencyNs: Duration;
  /** Link rate in bits per second. */
  readonly bandwidthBitsPerSecond: number;
  /** RX queue capacity. */
  readonly rxQueueMax: number;

  /**
   * Creates an idle port.
   *
   * @param engine The engine.
   * @param options Window, line and link parameters.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(engine: Engine, options: NetPortOptions) {
    super(engine, options);
    this.#onSend = options.onSend;
    this.latencyNs = options.latencyNs ?? 100_000;
    this.bandwidthBitsPerSecond = options.bandwidthBitsPerSecond ?? 100_000_000;
    this.rxQueueMax = options.rxQueueMax ?? 64;
    const check = new OptionChecks("net port", this.name);
    if (this.size < NetPort.minimumSize) {
      check.fail("size", this.size, "is below the minimum 0x3000");
    }
    check.nonNegativeWhole("latencyNs", this.latencyNs, "ns");
    if (!(this.bandwidthBitsPerSecond > 0)) {
      check.fail("bandwidthBitsPerSecond", this.bandwidthBitsPerSecond, "is not positive");
    }
    check.positiveWhole("rxQueueMax", this.rxQueueMax);
  }

  /**
   * The wire time of a message of some length: ceil(bytes × 8 × 1e9 / bandwidth) ns.
   *
   * @param bytes The message length.
   * @returns Nanoseconds.
   */
  wireTimeNs(bytes: number): Duration {
    return Math.ceil((bytes * 8 * 1e9) / this.bandwidthBitsPerSecond - 1e-9);
  }

  /**
   * Delivers a message from the world; it is enqueued after the wire time and the latency.
   *
   * @param message At most 4,096 bytes; copied.
   * @returns When it will be enqueued (or dropped).
   * @throws {RangeError} If the message is longer than 4,096 bytes.
   */
  deliver(message: Uint8Array): Instant {
    if (message.length > WINDOW_BYTES) {
      throw new RangeError(
        `Cannot deliver ${message.length} bytes to net port "${this.name}": the largest ` +
          `message is 4096 bytes`,
      );
    }
    const copy = message.slice();
    const leaves = Math.max(this.engine.now, this.#wireFreeAt) + this.wireTimeNs(copy.length);
    this.#wireFreeAt = leaves;
    const at = leaves + this.latencyNs;
    this.engine.schedule(at, () => this.#arrive(copy), PRIORITY_HARDWARE);
    return at;
  }

  /**
   * Sends a message (the driver side; TX_LEN does the same with the TX window).
   *
   * @param bytes The message; copied.
   */
  send(bytes: Uint8Array): void {
    const copy = bytes.slice();
    this.#sent.push(copy);
    if (this.#sent.length > HISTORY_MAX) this.#sent.shift();
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "net.send",
        source: this.name,
        bytes: copy.length,
      });
    }
    this.#onSend?.(copy, this.engine.now);
  }

  /**
   * The messages sent so far, oldest first (the last 4096 are kept).
   *
   * @returns Copies of the messages.
   */
  sent(): Uint8Array[] {
    return this.#sent.map((bytes) => bytes.slice());
  }

  /**
   * Pops the head RX message (the driver side; reading RX then writing RX_POP does the same).
   *
   * @returns The message, or `undefined` when the queue is empty.
   */
  receive(): Uint8Array | undefined {
    return this.#rx.shift();
  }

  /** The messages waiting in the RX queue. */
  get rxCount(): number {
    return this.#rx.length;
  }

  /** The messages dropped because the RX queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Reads registers or windows.
   *
   * @param offset Relative to the base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  read(offset: number, length: number): Uint8Array {
    checkWindow(this, offset, length);
    if (offset >= TX_OFFSET) {
      return this.#tx.slice(offset - TX_OFFSET, offset - TX_OFFSET + length);
    }
    if (offset >= RX_OFFSET) {
      const out = new Uint8Array(length);
      const head = this.#rx[0];
      if (head !== undefined) {
        out.set(head.subarray(offset - RX_OFFSET, offset - RX_OFFSET + length));
      }
      return out;
    }
    const r = NetPort.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.STATUS:
          return this.#rx.length > 0 ? 1 : 0;
        case r.RX_LEN:
          return this.#rx[0]?.length ?? 0;
        case r.RX_COUNT:
          return this.#rx.length;
        case r.RX_POP:
        case r.TX_LEN:
          return 0;
        case r.RX_DROPPED:
          return this.#dropped;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes registers or the TX window.
   *
   * @param offset Relative to the base.
   * @param bytes Registers: whole aligned words; TX window: any bytes.
   * @param _initiator Who writes.
   */
  write(offset: number, bytes: Uint8Array, _initiator: string): void {
    checkWindow(this, offset, bytes.length);
    if (offset >= TX_OFFSET) {
      this.#tx.set(bytes, offset - TX_OFFSET);
      return;
    }
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word === NetPort.registers.RX_POP) this.#rx.shift();
      else if (word === NetPort.registers.TX_LEN) {
        this.send(this.#tx.subarray(0, Math.min(value, WINDOW_BYTES)));
      } else noRegister(this.name, word, "write");
    });
  }

  #arrive(message: Uint8Array): void {
    const trace = this.engine.trace;
    if (this.#rx.length >= this.rxQueueMax) {
      this.#dropped++;
      if (trace.active) {
        trace.emit({
          time: this.engine.now,
          kind: "net.drop",
          source: this.name,
          bytes: message.length,
          dropped: this.#dropped,
        });
      }
      return;
    }
    this.#rx.push(message);
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "net.rx",
        source: this.name,
        bytes: message.length,
      });
    }
    this.interrupts.raise(this.irq);
  }
}
