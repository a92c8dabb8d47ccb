/**
 * The pool of free physical frames (4 KiB) the kernel hands to cells.
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/physical_memory.ts";

/**
 * Allocates 4 KiB frames from one physical range, lowest address first, deterministically.
 *
 * @example Usage
 * ```ts
 * import { FrameAllocator } from "./frame_allocator.ts";
 * import assert from "node:assert/strict";
 * const frames = new FrameAllocator(0x8000_0000, 16 * 4096);
 * const a = frames.allocate(2)!;
 * assert.deepEqual(a, [0x8000_0000, 0x8000_1000]);
 * frames.free(a);
 * assert.equal(frames.freeFrames, 16);
 * ```
 */
export class FrameAllocator {
  /** First physical address of the pool. */
  readonly base: number;
  /** Total frames in the pool. */
  readonly totalFrames: number;
  #next = 0;
  /** Indexes of freed frames, reused before never-used ones. */
  #freed: number[] = [];
  /**
   * One byte per frame, 1 while it is allocated: a cell takes thousands of frames when it
   * starts, and a byte per frame costs less to set and test than a set of addresses (which
   * are above 2^31, so each would be a boxed number in a `Set`).
   */
  #owned: Uint8Array;
  #ownedCount = 0;

  /**
   * Creates an allocator over a pool of physical frames.
   *
   * @param base First address (page aligned).
   * @param size Bytes in the pool.
   */
  constructor(base: number, size: number) {
    this.base = base;
    this.totalFrames = Math.floor(size / PAGE_SIZE);
    this.#owned = new Uint8Array(this.totalFrames);
  }

  /** Frames still free. */
  get freeFrames(): number {
    return this.totalFrames - this.#ownedCount;
  }

  /**
   * Takes frames from the pool.
   *
   * @param count How many.
   * @returns Their physical addresses, or `undefined` if the pool has too few.
   */
  allocate(count: number): number[] | undefined {
    if (count > this.freeFrames) return undefined;
    const frames: number[] = [];
    const owned = this.#owned;
    const freed = this.#freed;
    // Reuse freed frames lowest-first so allocation is deterministic.
    if (freed.length > 1) freed.sort((a, b) => b - a);
    while (frames.length < count) {
      const index = freed.length > 0 ? freed.pop()! : this.#next++;
      owned[index] = 1;
      frames.push(this.base + PAGE_SIZE * index);
    }
    this.#ownedCount += frames.length;
    return frames;
  }

  /**
   * Returns frames to the pool. The caller zeroes them first.
   *
   * @param frames Physical addresses from {@linkcode FrameAllocator.allocate}.
   */
  free(frames: readonly number[]): void {
    for (const frame of frames) {
      const index = this.#indexOf(frame);
      if (index < 0 || this.#owned[index] === 0) continue;
      this.#owned[index] = 0;
      this.#ownedCount--;
      this.#freed.push(index);
    }
  }

  /**
   * Whether a frame is currently allocated.
   *
   * @param frame A physical address.
   * @returns Whether it is owned by someone.
   */
  isAllocated(frame: number): boolean {
    const index = this.#indexOf(frame);
    return index >= 0 && this.#owned[index] === 1;
  }

  /** The pool index of a frame's address, or -1 if the address is not a frame of the pool. */
  #indexOf(frame: number): number {
    const index = (frame - this.base) / PAGE_SIZE;
    return Number.isInteger(index) && index >= 0 && index < this.totalFrames ? index : -1;
  }
}
