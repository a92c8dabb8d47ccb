/**
 * The NAND flash controller: it owns the flash contents and programs, erases and reads them
 * with datasheet timing, including torn operations on power loss.
 *
 * @module
 */

import { hex } from "../_format.ts";
import { PageWalk } from "../_pages.ts";
import { type Engine, PRIORITY_HARDWARE } from "../engine.ts";
import type { EventHandle } from "../event_queue.ts";
import type { FlashBacking } from "../physical_memory.ts";
import type { Duration, Instant } from "../time.ts";
import { type DeviceWindowOptions, IrqDevice } from "./irq_device.ts";
import { OptionChecks } from "./_option_checks.ts";
import { checkWindow, noRegister, readWords, writeWords } from "./_registers.ts";

/** Options of the {@linkcode FlashController} constructor. */
export interface FlashControllerOptions extends DeviceWindowOptions {
  /** The flash size in bytes, a multiple of blockBytes (the board passes its flash region's size). */
  readonly flashBytes: number;
  /** Page size; default 2,048 bytes (typical SLC NAND). */
  readonly pageBytes?: number;
  /** Erase block size; default 131,072 bytes (64 pages, typical SLC NAND). */
  readonly blockBytes?: number;
  /** Page program time; default 200 µs (typical tPROG). */
  readonly programNs?: Duration;
  /** Block erase time; default 2 ms (typical tBERS). */
  readonly eraseNs?: Duration;
  /** Page read (array to buffer) time; default 25 µs (typical tR). */
  readonly readNs?: Duration;
}

/** What the controller is doing. */
export type FlashOperation = "program" | "erase" | "read";

interface InFlight {
  readonly operation: FlashOperation;
  readonly offset: number;
  readonly data: Uint8Array;
  readonly start: Instant;
  readonly end: Instant;
  readonly handle: EventHandle;
}

const BUFFER_OFFSET = 0x1000;

/**
 * A NAND flash controller. Timing defaults are *typical* figures of the 1–2 Gbit SLC NAND class,
 * from the feature list of the Samsung K9F1G08U0A / K9K2G08U1A datasheet (one datasheet; the
 * K9K2G08U1A is the 2 Gbit part): 2,048-byte pages (plus 64 spare bytes, not modelled),
 * 64-page (128 KiB) blocks, page program 200 µs (typ.), block erase 2 ms (typ.), random read
 * 25 µs (max.). A program of n pages takes
 * n × programNs; an erase takes eraseNs; a read into the page buffer takes readNs.
 *
 * Contents are real bytes in sparse pages; a page never programmed, or erased, reads 0xFF.
 * Programming can only clear bits (new = old AND data), as in NAND; changes become visible when
 * the operation completes (reads during an operation see the old contents). Completion raises
 * the line (edge). Memory-mapped reads of the flash region (through
 * {@linkcode FlashController.storage}) take no modelled time.
 *
 * Power loss ({@linkcode FlashController.powerLoss}) aborts the operation in flight:
 * - program: pages whose program time has fully elapsed are programmed; the page being
 *   programmed is torn: its first pageBytes / 2 bytes are programmed, the rest is unchanged
 *   (erased if it was); later pages are unchanged.
 * - erase: the block is torn: its first half is erased (0xFF), the second half is unchanged.
 * - read: nothing changes. The page buffer is volatile and reads 0xFF after power loss.
 *
 * | Offset | Name        | Access | Meaning                                                  |
 * | ------ | ----------- | ------ | -------------------------------------------------------- |
 * | 0x00   | ADDR        | R/W    | byte offset in flash of the page or block                |
 * | 0x04   | CMD         | W      | 1: program the page buffer to page ADDR; 2: erase block ADDR; 3: read page ADDR into the buffer |
 * | 0x08   | STATUS      | R/W1C  | bit 0: BUSY; bit 1: DONE; bit 2: ERROR_BUSY (command while busy); bit 3: ERROR_ADDRESS (misaligned or out of range) |
 * | 0x0C   | PAGE_BYTES  | R      | page size                                                |
 * | 0x10   | BLOCK_BYTES | R      | block size                                               |
 * | 0x1000 | BUFFER      | R/W    | the page buffer, pageBytes bytes                         |
 *
 * Trace records: `flash.start` {operation, offset, bytes}, `flash.done` {operation, offset},
 * `flash.power_loss` {operation, offset} (operation "idle" when nothing was in flight).
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { FlashController } from "./flash_controller.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
 * const flash = new FlashController(engine, {
 *   name: "flash", base: 0xb800_0000, size: 0x2000, irq: 33, interrupts, flashBytes: 1 << 20,
 * });
 * assert.equal(flash.program(0x800, new Uint8Array([0x12, 0x34])), 200_000);
 * assert.equal(flash.busy, true);
 * engine.run({ until: 200_000 });
 * assert.deepEqual(flash.readFlash(0x800, 3), new Uint8Array([0x12, 0x34, 0xff]));
 * ```
 */
export class FlashController extends IrqDevice {
  /** Register and window offsets. */
  static readonly registers: Readonly<
    Record<"ADDR" | "CMD" | "STATUS" | "PAGE_BYTES" | "BLOCK_BYTES" | "BUFFER", number>
  > = Object.freeze({
    ADDR: 0x00,
    CMD: 0x04,
    STATUS: 0x08,
    PAGE_BYTES: 0x0c,
    BLOCK_BYTES: 0x10,
    BUFFER: BUFFER_OFFSET,
  });
  /** CMD values. */
  static readonly commands: Readonly<Record<"PROGRAM" | "ERASE" | "READ", number>> = Object.freeze({
    PROGRAM: 1,
    ERASE: 2,
    READ: 3,
  });
  /** STATUS bits. */
  static readonly status: Readonly<
    Record<"BUSY" | "DONE" | "ERROR_BUSY" | "ERROR_ADDRESS", number>
  > = Object.freeze({
    BUSY: 1,
    DONE: 2,
    ERROR_BUSY: 4,
    ERROR_ADDRESS: 8,
  });

  #pages = new Map<number, Uint8Array>();
  #buffer: Uint8Array;
  #walk: PageWalk;
  #address = 0;
  #flags = 0;
  #inFlight: InFlight | undefined;
  #storage: FlashBacking;
  /** The flash size in bytes. */
  readonly flashBytes: number;
  /** Page size in bytes. */
  readonly pageBytes: number;
  /** Erase block size in bytes. */
  readonly blockBytes: number;
  /** Page program time in ns. */
  readonly programNs: Duration;
  /** Block erase time in ns. */
  readonly eraseNs: Duration;
  /** Page read time in ns. */
  readonly readNs: Duration;

  /**
   * Creates a controller over fully erased flash.
   *
   * @param engine The engine.
   * @param options Window, line, geometry and timing.
   * @throws {RangeError} If the geometry is inconsistent or the window too small.
   */
  constructor(engine: Engine, options: FlashControllerOptions) {
    super(engine, options);
    this.flashBytes = options.flashBytes;
    this.pageBytes = options.pageBytes ?? 2_048;
    this.blockBytes = options.blockBytes ?? 131_072;
    this.programNs = options.programNs ?? 200_000;
    this.eraseNs = options.eraseNs ?? 2_000_000;
    this.readNs = options.readNs ?? 25_000;
    const check = new OptionChecks("flash controller", this.name);
    check.positiveWhole("pageBytes", this.pageBytes);
    check.positiveWhole("blockBytes", this.blockBytes);
    check.positiveWhole("flashBytes", this.flashBytes);
    check.positiveWhole("programNs", this.programNs);
    check.positiveWhole("eraseNs", this.eraseNs);
    check.positiveWhole("readNs", this.readNs);
    if (this.blockBytes % this.pageBytes !== 0) {
      check.fail("blockBytes", this.blockBytes, `is not a multiple of pageBytes ${this.pageBytes}`);
    }
    if (this.flashBytes % this.blockBytes !== 0) {
      check.fail(
        "flashBytes",
        this.flashBytes,
        `is not a multiple of blockBytes ${this.blockBytes}`,
      );
    }
    if (this.size < BUFFER_OFFSET + this.pageBytes) {
      const needed = BUFFER_OFFSET + this.pageBytes;
      check.fail("size", this.size, `is below 0x1000 + pageBytes (${needed})`);
    }
    this.#buffer = new Uint8Array(this.pageBytes).fill(0xff);
    this.#walk = new PageWalk(this.pageBytes);
    this.#storage = Object.freeze({
      read: (offset: number, length: number) => this.readFlash(offset, length),
    });
  }

  /**
   * The flash contents as a memory backing, for `PhysicalMemory.attachFlash`.
   */
  get storage(): FlashBacking {
    return this.#storage;
  }

  /** Whether an operation is in flight. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** When the operation in flight completes, or `undefined` when idle. */
  get busyUntil(): Instant | undefined {
    return this.#inFlight?.end;
  }

  /** The number of pages that differ from erased (for tests and footprint checks). */
  get programmedPages(): number {
    return this.#pages.size;
  }

  /**
   * Reads flash contents (instantly; erased bytes read 0xFF).
   *
   * @param offset Byte offset in flash.
   * @param length How many bytes.
   * @returns A copy of the bytes.
   * @throws {RangeError} If the range is outside the flash.
   */
  readFlash(offset: number, length: number): Uint8Array {
    this.#checkRange(offset, length, "read");
    const out = new Uint8Array(length).fill(0xff);
    const walk = this.#walk.over(offset, length);
    while (walk.next()) {
      const stored = this.#pages.get(walk.index);
      if (stored !== undefined) {
        out.set(stored.subarray(walk.start, walk.start + walk.count), walk.done);
      }
    }
    return out;
  }

  /**
   * Programs bytes (bits can only be cleared): the pages the range touches take
   * pages × programNs; the completion raises the line.
   *
   * @param offset Byte offset in flash.
   * @param bytes The data; copied.
   * @returns The completion time.
   * @throws {RangeError} If the range is outside the flash or the controller is busy.
   */
  program(offset: number, bytes: Uint8Array): Instant {
    this.#checkRange(offset, bytes.length, "program");
    const first = Math.floor(offset / this.pageBytes);
    const last = Math.floor((offset + Math.max(bytes.length, 1) - 1) / this.pageBytes);
    return this.#begin("program", offset, bytes.slice(), (last - first + 1) * this.programNs);
  }

  /**
   * Factory programming: writes bytes at once, before the board runs (a device shipped with
   * its images burned in). Bits can only be cleared, as with program().
   *
   * @param offset Byte offset in flash.
   * @param bytes The data.
   * @throws {RangeError} If the range is outside the flash or an operation is in flight.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "../engine.ts";
   * import { FlashController } from "./flash_controller.ts";
   * import { InterruptController } from "../interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const interrupts = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
   * const flash = new FlashController(engine, {
   *   name: "flash", base: 0x1000_0000, size: 0x2000, irq: 3, interrupts,
   *   flashBytes: 1 << 20,
   * });
   * flash.provision(0, new Uint8Array([1, 2, 3]));
   * assert.deepEqual([...flash.readFlash(0, 3)], [1, 2, 3]);
   * ```
   */
  provision(offset: number, bytes: Uint8Array): void {
    this.#checkRange(offset, bytes.length, "provision");
    if (this.busy) {
      throw new RangeError(`Cannot provision flash "${this.name}": an operation is in flight`);
    }
    this.#programRange(offset, bytes);
  }

  /**
   * Erases the block holding an offset (all bytes become 0xFF) in eraseNs.
   *
   * @param offset Any byte offset in the block.
   * @returns The completion time.
   * @throws {RangeError} If the offset is outside the flash or the controller is busy.
   */
  eraseBlock(offset: number): Instant {
    this.#checkRange(offset, 1, "erase");
    const start = Math.floor(offset / this.blockBytes) * this.blockBytes;
    return this.#begin("erase", start, new Uint8Array(0), this.eraseNs);
  }

  /**
   * Reads the page holding an offset into the page buffer in readNs.
   *
   * @param offset Any byte offset in the page.
   * @returns The completion time.
   * @throws {RangeError} If the offset is outside the flash or the controller is busy.
   */
  readPage(offset: number): Instant {
    this.#checkRange(offset, 1, "read");
    const start = Math.floor(offset / this.pageBytes) * this.pageBytes;
    return this.#begin("read", start, new Uint8Array(0), this.readNs);
  }

  /**
   * Cuts the power: the operation in flight is torn as documented on the class, registers and
   * the page buffer reset, and no completion is signalled.
   */
  powerLoss(): void {
    const op = this.#inFlight;
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "flash.power_loss",
        source: this.name,
        operation: op?.operation ?? "idle",
        offset: op?.offset ?? 0,
      });
    }
    if (op !== undefined) {
      this.engine.cancel(op.handle);
      this.#inFlight = undefined;
      if (op.operation === "program") this.#tearProgram(op);
      else if (op.operation === "erase") this.#eraseRange(op.offset, this.blockBytes / 2);
    }
    this.#buffer.fill(0xff);
    this.#address = 0;
    this.#flags = 0;
  }

  /**
   * Reads registers or the page buffer.
   *
   * @param offset Relative to the base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  read(offset: number, length: number): Uint8Array {
    checkWindow(this, offset, length);
    if (offset >= BUFFER_OFFSET) {
      const start = this.#bufferOffset(offset, length, "read");
      return this.#buffer.slice(start, start + length);
    }
    const r = FlashController.registers;
    return readWords(offset, length, (word) => {
      switch (word) {
        case r.ADDR:
          return this.#address;
        case r.CMD:
          return 0;
        case r.STATUS:
          return this.#flags | (this.busy ? FlashController.status.BUSY : 0);
        case r.PAGE_BYTES:
          return this.pageBytes;
        case r.BLOCK_BYTES:
          return this.blockBytes;
        default:
          return noRegister(this.name, word, "read");
      }
    });
  }

  /**
   * Writes registers or the page buffer.
   *
   * @param offset Relative to the base.
   * @param bytes Registers: whole aligned words; buffer: any bytes.
   * @param _initiator Who writes.
   */
  write(offset: number, bytes: Uint8Array, _initiator: string): void {
    checkWindow(this, offset, bytes.length);
    if (offset >= BUFFER_OFFSET) {
      const start = this.#bufferOffset(offset, bytes.length, "write");
      this.#buffer.set(bytes, start);
      return;
    }
    const r = FlashController.registers;
    writeWords(this.name, offset, bytes, (word, value) => {
      if (word === r.ADDR) this.#address = value;
      else if (word === r.CMD) this.#command(value);
      else if (word === r.STATUS) this.#flags &= ~value;
      else noRegister(this.name, word, "write");
    });
  }

  #command(command: number): void {
    const s = FlashController.status;
    if (this.busy) {
      this.#flags |= s.ERROR_BUSY;
      return;
    }
    const address = this.#address;
    const c = FlashController.commands;
    const alignment = command === c.ERASE ? this.blockBytes : this.pageBytes;
    if (
      (command === c.PROGRAM || command === c.ERASE || command === c.READ) &&
      (address % alignment !== 0 || address >= this.flashBytes)
    ) {
      this.#flags |= s.ERROR_ADDRESS;
      return;
    }
    this.#flags &= ~s.DONE;
    if (command === c.PROGRAM) this.program(address, this.#buffer);
    else if (command === c.ERASE) this.eraseBlock(address);
    else if (command === c.READ) this.readPage(address);
    else noRegister(this.name, FlashController.registers.CMD, "write");
  }

  #begin(operation: FlashOperation, offset: number, data: Uint8Array, duration: Duration): Instant {
    if (this.#inFlight !== undefined) {
      throw new RangeError(
        `Cannot ${operation} flash "${this.name}" at ${hex(offset)}: it is busy with a ` +
          `${this.#inFlight.operation} until ${this.#inFlight.end} ns; wait for the completion`,
      );
    }
    const start = this.engine.now;
    const end = start + duration;
    const handle = this.engine.schedule(end, () => this.#complete(), PRIORITY_HARDWARE);
    this.#inFlight = { operation, offset, data, start, end, handle };
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: start,
        kind: "flash.start",
        source: this.name,
        operation,
        offset,
        bytes: operation === "program"
          ? data.length
          : operation === "erase"
          ? this.blockBytes
          : this.pageBytes,
      });
    }
    return end;
  }

  #complete(): void {
    const op = this.#inFlight!;
    this.#inFlight = undefined;
    if (op.operation === "program") this.#programRange(op.offset, op.data);
    else if (op.operation === "erase") this.#eraseRange(op.offset, this.blockBytes);
    else this.#buffer.set(this.readFlash(op.offset, this.pageBytes));
    this.#flags |= FlashController.status.DONE;
    const trace = this.engine.trace;
    if (trace.active) {
      trace.emit({
        time: this.engine.now,
        kind: "flash.done",
        source: this.name,
        operation: op.operation,
        offset: op.offset,
      });
    }
    this.interrupts.raise(this.irq);
  }

  #tearProgram(op: InFlight): void {
    const page = this.pageBytes;
    const donePages = Math.floor((this.engine.now - op.start) / this.programNs);
    const firstPage = Math.floor(op.offset / page);
    const tornPage = firstPage + donePages;
    // Fully programmed pages: everything of the op before the torn page.
    const tornStart = tornPage * page;
    const fullBytes = Math.max(0, Math.min(op.data.length, tornStart - op.offset));
    this.#programRange(op.offset, op.data.subarray(0, fullBytes));
    // The torn page: its first half.
    const halfEnd = tornStart + page / 2;
    const from = Math.max(op.offset, tornStart);
    const to = Math.min(op.offset + op.data.length, halfEnd);
    if (to > from) this.#programRange(from, op.data.subarray(from - op.offset, to - op.offset));
  }

  #programRange(offset: number, data: Uint8Array): void {
    const walk = this.#walk.over(offset, data.length);
    while (walk.next()) {
      let stored = this.#pages.get(walk.index);
      if (stored === undefined) {
        stored = new Uint8Array(this.pageBytes).fill(0xff);
        this.#pages.set(walk.index, stored);
      }
      const { start, count, done } = walk;
      for (let i = 0; i < count; i++) stored[start + i] &= data[done + i];
    }
  }

  #eraseRange(offset: number, length: number): void {
    const page = this.pageBytes;
    for (let index = offset / page; index < (offset + length) / page; index++) {
      this.#pages.delete(index);
    }
  }

  #bufferOffset(offset: number, length: number, action: string): number {
    const start = offset - BUFFER_OFFSET;
    if (start + length > this.pageBytes) {
      throw new RangeError(
        `Cannot ${action} flash "${this.name}" page buffer at offset ${start} length ${length}: ` +
          `the buffer is ${this.pageBytes} bytes`,
      );
    }
    return start;
  }

  #checkRange(offset: number, length: number, action: string): void {
    if (
      !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 ||
      length < 0 || offset + length > this.flashBytes
    ) {
      throw new RangeError(
        `Cannot ${action} flash "${this.name}" at ${offset} length ${length}: the flash is ` +
          `0..${this.flashBytes - 1} (${this.flashBytes} bytes)`,
      );
    }
  }
}
