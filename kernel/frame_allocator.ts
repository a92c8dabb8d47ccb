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
  #freed: number[] = [];
  #owned = new Set<number>();

  /**
   * Creates an allocator over a pool of physical frames.
   *
   * @param base First address (page aligned).
   * @param size Bytes in the pool.
   */
  constructor(base: number, size: number) {
    this.base = base;
    this.totalFrames = Math.floor(size / PAGE_SIZE);
  }

  /** Frames still free. */
  get freeFrames(): number {
    return this.totalFrames - this.#owned.size;
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
    // Reuse freed frames lowest-first so allocation is deterministic.
    this.#freed.sort((a, b) => b - a);
    while (frames.length < count && this.#freed.length > 0) frames.push(this.#freed.pop()!);
    while (frames.length < count) frames.push(this.base + PAGE_SIZE * this.#next++);
    for (const frame of frames) this.#owned.add(frame);
    return frames;
  }

  /**
   * Returns frames to the pool. The caller zeroes them first.
   *
   * @param frames Physical addresses from {@linkcode FrameAllocator.allocate}.
   */
  free(frames: readonly number[]): void {
    for (const frame of frames) {
      if (this.#owned.delete(frame)) this.#freed.push(frame);
    }
  }

  /**
   * Whether a frame is currently allocated.
   *
   * @param frame A physical address.
   * @returns Whether it is owned by someone.
   */
  isAllocated(frame: number): boolean {
    return this.#owned.has(frame);
  }
}
