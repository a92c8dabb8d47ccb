/**
 * The CAN controller: classic CAN frames with bit-accurate frame times.
 *
 * @module
 */

import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** A classic CAN data frame. */
export interface CanFrame {
  /** The identifier: 0..0x7ff standard, 0x800..0x1fffffff extended (29-bit). */
  readonly id: number;
  /** 0 to 8 data bytes. */
  readonly data: Uint8Array;
}

/** A frame that was sent, with its completion time. */
export interface CanTransmission extends CanFrame {
  /** When its last bit left the controller. */
  readonly time: Instant;
}

/** Options of the {@linkcode CanController} constructor. */
export interface CanControllerOptions extends DeviceWindowOptions {
  /** Bus rate; default 500 kbit/s. */
  readonly bitrate?: number;
  /** TX queue depth in frames; default 8. */
  readonly txQueueMax?: number;
  /** RX FIFO depth in frames; default 16. */
  readonly rxQueueMax?: number;
  /** Called with each frame when its transmission completes (the world's side of TX). */
  readonly onSend?: (frame: CanTransmission) => void;
}

const HISTORY_MAX = 4096;

function checkFrame(name: string, frame: CanFrame, action: string): void {
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > 0x1fff_ffff) {
    throw new RangeError(
      `Cannot ${action} CAN frame on "${name}": id ${frame.id} is not in 0..0x1fffffff`,
    );
  }
  if (frame.data.length > 8) {
    throw new RangeError(
      `Cannot ${action} CAN frame on "${name}": ${frame.data.length} data bytes, valid is 0..8`,
    );
  }
}

/**
 * A classic CAN controller (like FlexCAN). Frame length without bit stuffing: a standard
 * (11-bit id) data frame is 47 + 8 × n bits (SOF 1, id 11, RTR 1, IDE 1, r0 1, DLC 4, data 8n,
 * CRC 15, CRC delimiter 1, ACK 2, EOF 7, intermission 3); an extended (29-bit) frame is
 * 67 + 8 × n bits. At 500 kbit/s a bit is 2,000 ns, so an 8-byte standard frame takes
 * 111 × 2,000 = 222,000 ns. The bit time is 1e9 / bitrate rounded to the nearest ns. Stuff
 * bits, arbitration and contention between our TX and world RX are not modelled.
 *
 * TX: frames queue (up to txQueueMax; more is a TX_OVERRUN) and go back to back; each
 * completion sets STATUS.TX_DONE and raises the line. RX ({@linkcode CanController.deliver}
 * from the world): the frame is received one frame time after it starts on the bus (frames
 * from the world are serialised too), enters the RX FIFO and raises the line (edge).
 *
 * | Offset | Name        | Access | Meaning                                                 |
 * | ------ | ----------- | ------ | ------------------------------------------------------- |
 * | 0x00   | TX_ID       | R/W    | identifier of the frame to send                         |
 * | 0x04   | TX_DLC      | R/W    | data length 0..8                                        |
 * | 0x08   | TX_DATA0    | R/W    | data bytes 0..3 (little-endian)                         |
 * | 0x0C   | TX_DATA1    | R/W    | data bytes 4..7                                         |
 * | 0x10   | TX_CMD      | W      | 1: queue the frame                                      |
 * | 0x14   | STATUS      | R/W1C  | bit 0: TX_BUSY; bit 1: RX_READY; bit 2: TX_DONE (W1C)   |
 * | 0x18   | RX_ID       | R      | head frame identifier                                   |
 * | 0x1C   | RX_DLC      | R      | head frame length                                       |
 * | 0x20   | RX_DATA0    | R      | head frame bytes 0..3                                   |
 * | 0x24   | RX_DATA1    | R      | head frame bytes 4..7                                   |
 * | 0x28   | RX_POP      | W      | any value: drop the head frame                          |
 * | 0x2C   | RX_COUNT    | R      | frames in the RX FIFO                                   |
 * | 0x30   | RX_DROPPED  | R      | frames lost to a full RX FIFO                           |
 * | 0x34   | TX_OVERRUN  | R      | frames refused because the TX queue was full            |
 *
 * Trace records: `can.tx` {id, bytes} at TX completion, `can.rx` {id, bytes}, `can.drop` {id}.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { CanController } from "./can_controller.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "gic", cores: 1, lines: 256 });
 * const can = new CanController(engine, { name: "can", base: 0x308c_0000, size: 0x1000, irq: 174, interrupts });
 * assert.equal(can.send({ id: 0x123, data: new Uint8Array(8) }), 222_000);
 * engine.run({ until: 300_000 });
 * assert.equal(can.sent()[0].time, 222_000);
 * ```
 */
export class CanController extends IrqDevice {
  /** Register offsets. */
  static readonly registers: Readonly<
    Record<
      | "TX_ID"
      | "TX_DLC"
      | "TX_DATA0"
      | "TX_DATA1"
      | "TX_CMD"
      | "STATUS"
      | "RX_ID"
      | "RX_DLC"
      | "RX_DATA0"
      | "RX_DATA1"
      | "RX_POP"
      | "RX_COUNT"
      | "RX_DROPPED"
      | "TX_OVERRUN",
      number
    >
  > = Object.freeze({
    TX_ID: 0x00,
    TX_DLC: 0x04,
    TX_DATA0: 0x08,
    TX_DATA1: 0x0c,
    TX_CMD: 0x10,
    STATUS: 0x14,
    RX_ID: 0x18,
    RX_DLC: 0x1c,
    RX_DATA0: 0x20,
    RX_DATA1: 0x24,
    RX_POP: 0x28,
    RX_COUNT: 0x2c,
    RX_DROPPED: 0x30,
    TX_OVERRUN: 0x34,
  });
  /** The smallest window. */
  static readonly minimumSize: number = 0x38;

  /**
   * The number of bits of a frame without stuffing: 47 + 8n standard, 67 + 8n extended.
   *
   * @param frame The frame.
   * @returns Bits on the bus.
   *
   * @example Usage
   * ```ts
   * import { CanController } from "./can_controller.ts";
   * import assert from "node:assert/strict";
   * assert.equal(CanController.frameBits({ id: 0x7ff, data: new Uint8Array(8) }), 111);
   * assert.equal(CanController.frameBits({ id: 0x800, data: new Uint8Array(0) }), 67);
   * ```
   */
  static frameBits(frame: CanFrame): number {
    return (frame.id > 0x7ff ? 67 : 47) + 8 * frame.data.length;
  }

  #onSend: ((frame: CanTransmission) => void) | undefined;
  #txQueue: CanFrame[] = [];
  #txBusyUntil: Instant = 0;
  #rx: CanFrame[] = [];
  #rxBusFreeAt: Instant = 0;
  #sent: CanTransmission[] = [];
  #txDone = false;
  #rxDropped = 0;
  #txOverrun = 0;
  #txId = 0;
  #txDlc = 0;
  #txData = new Uint8Array(8);
  /** Bus rate in bits per second. */
  readonly bitrate: number;
  /** One bit time in ns. */
  readonly bitTimeNs: Duration;
  /** TX queue depth. */
  readonly txQueueMax: number;
  /** RX FIFO depth. */
  readonly rxQueueMax: number;

  /**
   * Creates an idle controller.
   *
   * @param engine The engine.
   * @param options Window, line and bus parameters.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(engine: Engine, options: CanControllerOptions) {
    super(engine, options);
    this.#onSend = options.onSend;
    this.bitrate = options.bitrate ?? 500_000;
    this.txQueueMax = options.txQueueMax ?? 8;
    this.rxQueueMax = options.rxQueueMax ?? 16;
    const check = new OptionChecks("CAN controller", this.name);
    if (this.size < CanController.minimumSize) check.fail("size", this.size, "is below 0x38");
    check.rate("bitrate", this.bitrate);
    check.positiveWhole("txQueueMax", this.txQueueMax);
    check.positiveWhole("rxQueueMax", this.rxQueueMax);
    this.bitTimeNs = Math.round(1e9 / this.bitrate);
  }

  /**
   * The time a frame takes on the bus.
   *
   * @param frame The frame.
   * @returns frameBits × bitTimeNs.
   */
  frameTimeNs(frame: CanFrame): Duration {
    return CanController.frameBits(frame) * this.bitTimeNs;
  }

  /** Whether a frame is being sent or queued. */
  get txBusy(): boolean {
    return this.#txQueue.length > 0;
  }

  /** Frames waiting in the RX FIFO. */
  get rxCount(): number {
    return this.#rx.length;
  }

  /**
   * Queues a frame for transmission.
   *
   * @param frame The frame; its data is copied.
   * @returns When its transmission will complete, or -1 if the TX queue was full.
   * @throws {RangeError} If the id or length is invalid.
   */
  send(frame: CanFrame): Instant {
    checkFrame(this.name, frame, "send");
    if (this.#txQueue.length >= this.txQueueMax) {
      this.#txOverrun++;
      return -1;
    }
    const copy = { id: frame.id, data: frame.data.slice() };
    this.#txQueue.push(copy);
    const start = Math.max(this.engine.now, this.#txBusyUntil);
    this.#txBusyUntil = start + this.frameTimeNs(copy);
    this.engine.schedule(this.#txBusyUntil, () => this.#sentOne(), PRIORITY_HARDWARE);
    return this.#txBusyUntil;
  }

  /**
   * The frames sent so far with completion times, oldest first (the last 4096 are kept).
   *
   * @returns The transmissions.
   */
  sent(): readonly CanTransmission[] {
    return [...this.#sent];
  }

  /**
   * Delivers a frame from the bus (the world side): it starts now, or when the previous
   * delivered frame ends, and is received one frame time later.
   *
   * @param frame The frame; its data is copied.
   * @returns When it will be received.
   * @throws {RangeError} If the id or length is invalid.
   */
  deliver(frame: CanFrame): Instant {
    checkFrame(this.name, frame, "deliver");
    const copy = { id: frame.id, data: frame.data.slice() };
    const at = Math.max(this.engine.now, this.#rxBusFreeAt) + this.frameTimeNs(copy);
    this.#rxBusFreeAt = at;
    this.engine.schedule(at, () => this.#received(copy), PRIORITY_HARDWARE);
    return at;
  }

  /**
   * Pops the head RX frame (the driver side; RX_POP does the same).
   *
   * @returns The frame, or `undefined` when the FIFO is empty.
   */
  receive(): CanFrame | undefined {
    return this.#rx.shift();
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
    const r = CanController.registers;
    const word4 = (data: Uint8Array, from: number) => {
      let value = 0;
      for (let i = 3; i >= 0; i--) value = (value * 256) + (data[from + i] ?? 0);
      return value;
    };
    return readWords(offset, length, (word) => {
      const head = this.#rx[0];
      switch (word) {
        case r.TX_ID:
          return this.#txId;
        case r.TX_DLC:
          return this.#txDlc;
        case r.TX_DATA0:
          return word4(this.#txData, 0);
        case r.TX_DATA1:
          return word4(this.#txData, 4);
        case r.TX_CMD:
        case r.RX_POP:
          return 0;
        case r.STATUS:
          return (this.txBusy ? 1 : 0) | (head !== undefined ? 2 : 0) | (this.#txDone ? 4 : 0);
        case r.RX_ID:
          return head?.id ?? 0;
        case r.RX_DLC:
          return head?.data.length ?? 0;
        case r.RX_DATA0:
          return head === undefined ? 0 : word4(head.data, 0);
        case r.RX_DATA1:
          return head === undefined ? 0 : word4(head.data, 4);
        case r.RX_COUNT:
          return this.#rx.length;
        case r.RX_DROPPED:
          return this.#rxDropped;
        case r.TX_OVERRUN:
          return this.#txOverrun;
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
    const r = CanController.registers;
    writeWords(this.name, offset, bytes, (word, value) => {
      switch (word) {
        case r.TX_ID:
          this.#txId = value & 0x1fff_ffff;
          break;
        case r.TX_DLC:
          this.#txDlc = Math.min(value, 8);
          break;
        case r.TX_DATA0:
        case r.TX_DATA1:
          for (let i = 0; i < 4; i++) {
            this.#txData[(word - r.TX_DATA0) + i] = (value >>> (8 * i)) & 0xff;
          }
          break;
        case r.TX_CMD:
          if ((value & 1) === 1) {
            this.send({ id: this.#txId, data: this.#txData.slice(0, this.#txDlc) });
          }
          break;
        case r.STATUS:
          if ((value & 4) !== 0) this.#txDone = false;
          break;
        case r.RX_POP:
          this.#rx.shift();
          break;
        default:
          noRegister(this.name, word, "write");
      }
    });
  }

  #sentOne(): void {
    const frame = this.#txQueue.shift()!;
    const record: CanTransmission = { id: frame.id, data: frame.data, time: this.engine.now };
    this.#sent.push(record);
    if (this.#sent.length > HISTORY_MAX) this.#sent.shift();
    this.#txDone = true;
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "can.tx",
        source: this.name,
        id: frame.id,
        bytes: frame.data.length,
      });
    }
    this.interrupts.raise(this.irq);
    this.#onSend?.(record);
  }

  #received(frame: CanFrame): void {
    const trace = this.engine.trace;
    if (this.#rx.length >= this.rxQueueMax) {
      this.#rxDropped++;
      if (trace.active) {
        trace.emit({ time: this.engine.now, kind: "can.drop", source: this.name, id: frame.id });
      }
      return;
    }
    this.#rx.push(frame);
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "can.rx",
        source: this.name,
        id: frame.id,
        bytes: frame.data.length,
      });
    }
    this.interrupts.raise(this.irq);
  }
}
