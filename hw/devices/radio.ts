/**
 * The radio (baseband) front end: a TDMA frame interrupt every 4.615 ms with the frame's
 * received burst, and a transmit window.
 *
 * @module
 */

import { mixDigest, mixNumber, RECORD_SEED, recordLayout, stringDigest } from "../fingerprint.ts";
import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { EventHandle } from "../event_queue.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode Radio} constructor. */
export interface RadioOptions extends DeviceWindowOptions {
  /** The time of frame 0; default 0. */
  readonly start?: Instant;
  /** The frame period; default 4,615,000 ns. */
  readonly framePeriodNs?: Duration;
  /** Each frame is moved by a uniform whole number of ns in [-jitterNs, +jitterNs]; default 0. */
  readonly jitterNs?: Duration;
  /** Whether frames run from construction; default `true`. */
  readonly autoStart?: boolean;
}

/** One burst written to the transmit window and sent. */
export interface RadioTransmission {
  /** The frame number when it was sent. */
  readonly frame: number;
  /** When it was sent. */
  readonly time: Instant;
  /** The bytes. */
  readonly bytes: Uint8Array;
}

/** GSM frame numbers wrap at the hyperframe: 2048 × 51 × 26 frames. */
const HYPERFRAME = 2_715_648;
const BURST_BYTES = 16;
const RX_OFFSET = 0x100;
const TX_OFFSET = 0x200;
const TX_BYTES = 64;
const HISTORY_MAX = 4096;

function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

// The layout of a "radio.frame" record (see RecordLayout in fingerprint.ts).
const FRAME = recordLayout<{ time: number; kind: string; source: string; frame: number }>(
  "radio.frame",
  (r, seed) => mixFrame(seed, r.time, stringDigest(r.kind), stringDigest(r.source), r.frame),
);
const FRAME_KIND = stringDigest("radio.frame");

/** Mixes a "radio.frame" record's values (kind and source as digests), in its field order. */
function mixFrame(seed: number, time: number, kind: number, source: number, frame: number) {
  return mixNumber(mixDigest(mixDigest(mixNumber(seed, time), kind), source), frame);
}

/**
 * A baseband radio. Frame k (k = 0, 1, …) begins at `start + k × framePeriodNs` and raises the
 * line (edge). The default period is 4.615 ms exactly (the GSM TDMA frame is 60/13 ms =
 * 4.615384… ms; we use the rounded 4,615,000 ns the scenarios are written against), so 1 s
 * from time 0 holds frames 0..216: 217 frame interrupts in [0, 1 s].
 *
 * Jitter: with `jitterNs` = j > 0, frame k is at `start + k × period + d_k` where d_k is drawn
 * uniformly from the whole numbers in [-j, +j] from `engine.random(name)`, one draw per frame
 * in frame order, and clamped to not before now. j must be below half a period, so frames stay
 * in order and the grid does not drift.
 *
 * The received burst of each frame is 16 bytes that depend only on the frame number (a hash,
 * see {@linkcode Radio.burst}; it is not GSM-coded), so guests and tests can check them.
 *
 * | Offset | Name         | Access | Meaning                                               |
 * | ------ | ------------ | ------ | ----------------------------------------------------- |
 * | 0x00   | STATUS       | R      | bit 0: RUNNING                                        |
 * | 0x04   | FRAME_NUMBER | R      | the current frame number, mod 2,715,648 (hyperframe)  |
 * | 0x08   | RX_LEN       | R      | bytes in the RX window: 16                            |
 * | 0x0C   | TX_SEND      | W      | sends the first n (≤ 64) bytes of the TX window       |
 * | 0x100  | RX           | R      | the current frame's received burst, 16 bytes          |
 * | 0x200  | TX           | R/W    | 64 bytes of transmit buffer                           |
 *
 * Trace records: `radio.frame` {frame} at each frame, `radio.tx` {frame, bytes} on a send.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { Radio } from "./radio.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const radio = new Radio(engine, { name: "radio", base: 0x43fc_0000, size: 0x1000, irq: 18, interrupts });
 * engine.run({ until: 10_000_000 });
 * assert.equal(radio.frameNumber, 2);
 * assert.equal(radio.frames, 3); // frames at 0, 4,615,000 and 9,230,000 ns
 * assert.deepEqual(radio.read(0x100, 16), Radio.burst(2));
 * ```
 */
export class Radio extends IrqDevice {
  /** Register and window offsets. */
  static readonly registers: Readonly<
    Record<"STATUS" | "FRAME_NUMBER" | "RX_LEN" | "TX_SEND" | "RX" | "TX", number>
  > = Object.freeze({
    STATUS: 0x00,
    FRAME_NUMBER: 0x04,
    RX_LEN: 0x08,
    TX_SEND: 0x0c,
    RX: RX_OFFSET,
    TX: TX_OFFSET,
  });
  /** The smallest window: registers, RX and TX windows. */
  static readonly minimumSize: number = TX_OFFSET + TX_BYTES;

  /**
   * The received burst of a frame: 16 bytes, a hash of the frame number.
   *
   * @param frameNumber The frame number.
   * @returns The burst.
   *
   * @example Usage
   * ```ts
   * import { Radio } from "./radio.ts";
   * import assert from "node:assert/strict";
   * assert.deepEqual(Radio.burst(7), Radio.burst(7));
   * assert.notDeepEqual(Radio.burst(7), Radio.burst(8));
   * ```
   */
  static burst(frameNumber: number): Uint8Array {
    const out = new Uint8Array(BURST_BYTES);
    for (let i = 0; i < BURST_BYTES; i++) out[i] = mix32(frameNumber * BURST_BYTES + i) & 0xff;
    return out;
  }

  #handle: EventHandle | undefined;
  #running = false;
  #frame = -1;
  #frames = 0;
  #tx = new Uint8Array(TX_BYTES);
  #sent: RadioTransmission[] = [];
  /** The digest of the radio's name, for its records' hashes. */
  #nameDigest: number;
  /** The time of frame 0. */
  readonly startAt: Instant;
  /** The frame period in ns. */
  readonly framePeriodNs: Duration;
  /** The jitter bound in ns. */
  readonly jitterNs: Duration;

  /**
   * Creates a radio, running from `start` unless `autoStart` is false.
   *
   * @param engine The engine.
   * @param options Window, line and timing.
   * @throws {RangeError} If an option is out of range.
   */
  constructor(engine: Engine, options: RadioOptions) {
    super(engine, options);
    this.startAt = options.start ?? 0;
    this.framePeriodNs = options.framePeriodNs ?? 4_615_000;
    this.jitterNs = options.jitterNs ?? 0;
    this.#nameDigest = stringDigest(this.name);
    const check = new OptionChecks("radio", this.name);
    if (this.size < Radio.minimumSize) check.fail("size", this.size, "is below the minimum 0x240");
    check.nonNegativeWhole("start", this.startAt, "ns");
    check.positiveWhole("framePeriodNs", this.framePeriodNs, "ns");
    if (
      !Number.isSafeInteger(this.jitterNs) || this.jitterNs < 0 ||
      this.jitterNs * 2 >= this.framePeriodNs
    ) {
      check.fail(
        "jitterNs",
        this.jitterNs,
        "is not a whole number of ns in 0..period/2 (exclusive)",
      );
    }
    if (options.autoStart ?? true) this.start();
  }

  /** Whether frames are running. */
  get running(): boolean {
    return this.#running;
  }

  /** The current frame number (mod the hyperframe), or -1 before the first frame. */
  get frameNumber(): number {
    return this.#frame < 0 ? -1 : this.#frame % HYPERFRAME;
  }

  /** How many frames have been signalled. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * The sends so far, oldest first (the last 4096 are kept).
   *
   * @returns The transmissions.
   */
  sent(): readonly RadioTransmission[] {
    return [...this.#sent];
  }

  /**
   * Starts frames at the next frame boundary of the grid `start + k × period` not before now.
   * Does nothing if already running.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const now = this.engine.now;
    const k = now <= this.startAt
      ? 0
      : Math.ceil((now - this.startAt - this.jitterNs) / this.framePeriodNs);
    this.#arm(Math.max(k, this.#frame + 1));
  }

  /** Stops frames; the pending frame is cancelled. */
  stop(): void {
    this.#running = false;
    if (this.#handle !== undefined) this.engine.cancel(this.#handle);
    this.#handle = undefined;
  }

  /**
   * Sends bytes (the driver side of TX_SEND): recorded with the current frame number.
   *
   * @param bytes At most 64 bytes.
   * @throws {RangeError} If longer than 64 bytes.
   */
  send(bytes: Uint8Array): void {
    if (bytes.length > TX_BYTES) {
      throw new RangeError(
        `Cannot send ${bytes.length} bytes on radio "${this.name}": a burst is at most 64 bytes`,
      );
    }
    const frame = this.frameNumber;
    this.#sent.push({ frame, time: this.engine.now, bytes: bytes.slice() });
    if (this.#sent.length > HISTORY_MAX) this.#sent.shift();
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "radio.tx",
        source: this.name,
        frame,
        bytes: bytes.length,
      });
    }
  }

  /**
   * Reads registers, the RX window or the TX window.
   *
   * @param offset Relative to the base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  read(offset: number, length: number): Uint8Array {
    checkWindow(this, offset, length);
    if (offset >= TX_OFFSET && offset + length <= TX_OFFSET + TX_BYTES) {
      return this.#tx.slice(offset - TX_OFFSET, offset - TX_OFFSET + length);
    }
    if (offset >= RX_OFFSET && offset + length <= RX_OFFSET + BURST_BYTES) {
      const burst = this.#frame < 0 ? new Uint8Array(BURST_BYTES) : Radio.burst(this.frameNumber);
      return burst.slice(offset - RX_OFFSET, offset - RX_OFFSET + length);
    }
    const r = Radio.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.STATUS:
          return this.#running ? 1 : 0;
        case r.FRAME_NUMBER:
          return this.frameNumber >>> 0;
        case r.RX_LEN:
          return BURST_BYTES;
        case r.TX_SEND:
          return 0;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes the TX window or TX_SEND.
   *
   * @param offset Relative to the base.
   * @param bytes TX window: any bytes; TX_SEND: one whole word.
   * @param _initiator Who writes.
   */
  write(offset: number, bytes: Uint8Array, _initiator: string): void {
    checkWindow(this, offset, bytes.length);
    if (offset >= TX_OFFSET && offset + bytes.length <= TX_OFFSET + TX_BYTES) {
      this.#tx.set(bytes, offset - TX_OFFSET);
      return;
    }
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word !== Radio.registers.TX_SEND) return noRegister(this.name, word, "write");
      this.send(this.#tx.subarray(0, Math.min(value, TX_BYTES)));
    });
  }

  #arm(k: number): void {
    let at = this.startAt + k * this.framePeriodNs;
    if (this.jitterNs > 0) {
      at += this.engine.random(this.name).int(-this.jitterNs, this.jitterNs);
    }
    at = Math.max(at, this.engine.now);
    this.#handle = this.engine.schedule(at, (now) => this.#tick(k, now), PRIORITY_HARDWARE);
  }

  #tick(k: number, now: Instant): void {
    this.#handle = undefined;
    this.#frame = k;
    this.#frames++;
    this.#arm(k + 1);
    const trace = this.engine.trace;
    if (trace.active) {
      const frame = this.frameNumber;
      const hash = mixFrame(RECORD_SEED, now, FRAME_KIND, this.#nameDigest, frame);
      // Sinks count frames (see COUNTED_KINDS in trace_bus.ts): no record unless one is wanted.
      if (!trace.recordsWanted) trace.emitCount(hash, now, "radio.frame", this.name);
      else trace.emit({ time: now, kind: "radio.frame", source: this.name, frame }, FRAME, hash);
    }
    this.interrupts.raise(this.irq);
  }
}
