/**
 * A guest-side NAND flash controller driver (private to the device manager): every operation
 * goes through the controller's MMIO window and waits for its completion interrupt, so erase,
 * program and read take the controller's real time.
 */

import type { VirqEvents } from "./_manager_events.ts";
import { type Guest, irqAck, read, write } from "./program.ts";

const ADDR = 0x00;
const CMD = 0x04;
const STATUS = 0x08;
const PAGE_BYTES = 0x0c;
const BLOCK_BYTES = 0x10;
const BUFFER = 0x1000;
const PROGRAM = 1;
const ERASE = 2;
const READ = 3;
const BUSY = 1;
const DONE = 2;
const ERRORS = 4 | 8;

function word(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/** Reads a 32-bit little-endian word, or -1 on a fault. */
export function* readWord(address: number): Guest<number> {
  const result = yield* read(address, 4);
  if (!result.ok) return -1;
  return new DataView(result.value.buffer, result.value.byteOffset).getUint32(0, true);
}

/** Drives the flash controller mapped at `base`, whose IRQ capability is `irq`. */
export class FlashDriver {
  readonly #events: VirqEvents;
  readonly #base: number;
  readonly #irq: number;
  /** Page size, read from the controller by {@linkcode FlashDriver.init}. */
  pageBytes = 2_048;
  /** Erase block size. */
  blockBytes = 131_072;

  constructor(events: VirqEvents, base: number, irq: number) {
    this.#events = events;
    this.#base = base;
    this.#irq = irq;
  }

  /** Reads the geometry and clears stale status. */
  *init(): Guest<void> {
    this.pageBytes = yield* readWord(this.#base + PAGE_BYTES);
    this.blockBytes = yield* readWord(this.#base + BLOCK_BYTES);
    yield* write(this.#base + STATUS, word(DONE | ERRORS));
  }

  /** Erases the block at a block-aligned offset. */
  erase(offset: number): Guest<boolean> {
    return this.#command(ERASE, offset);
  }

  /** Programs one page (data shorter than a page is padded with 0xFF, which programs nothing). */
  *program(offset: number, data: Uint8Array): Guest<boolean> {
    const page = new Uint8Array(this.pageBytes).fill(0xff);
    page.set(data.subarray(0, this.pageBytes));
    yield* write(this.#base + BUFFER, page);
    return yield* this.#command(PROGRAM, offset);
  }

  /** Reads one page. */
  *readPage(offset: number): Guest<Uint8Array | undefined> {
    if (!(yield* this.#command(READ, offset))) return undefined;
    const result = yield* read(this.#base + BUFFER, this.pageBytes);
    return result.ok ? result.value : undefined;
  }

  /** Reads `length` bytes from a page-aligned offset, page by page. */
  *readRange(offset: number, length: number): Guest<Uint8Array | undefined> {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += this.pageBytes) {
      const page = yield* this.readPage(offset + at);
      if (page === undefined) return undefined;
      out.set(page.subarray(0, Math.min(this.pageBytes, length - at)), at);
    }
    return out;
  }

  *#command(command: number, address: number): Guest<boolean> {
    yield* write(this.#base + STATUS, word(DONE | ERRORS));
    yield* write(this.#base + ADDR, word(address));
    yield* write(this.#base + CMD, word(command));
    for (;;) {
      const status = yield* readWord(this.#base + STATUS);
      if (status < 0 || (status & ERRORS) !== 0) return false;
      if ((status & DONE) !== 0 && (status & BUSY) === 0) {
        yield* write(this.#base + STATUS, word(DONE));
        return true;
      }
      yield* this.#events.waitFor(["flash"]);
      yield* irqAck(this.#irq);
    }
  }
}
