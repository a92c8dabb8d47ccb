/**
 * A shared memory section: frames that may be mapped into several cells, only through a
 * section capability.
 *
 * @module
 */

/**
 * A set of physical frames shared by capability.
 *
 * @example Usage
 * ```ts
 * import { Section } from "./section.ts";
 * import assert from "node:assert/strict";
 * const section = new Section("frames", [0x8000_0000, 0x8000_1000]);
 * assert.equal(section.bytes, 8192);
 * ```
 */
export class Section {
  /** The section's name. */
  readonly name: string;
  /** Its frames' physical addresses. */
  readonly frames: readonly number[];

  /**
   * Creates a section over physical frames.
   *
   * @param name The section's name.
   * @param frames Physical frames.
   */
  constructor(name: string, frames: readonly number[]) {
    this.name = name;
    this.frames = frames;
  }

  /** Size in bytes. */
  get bytes(): number {
    return this.frames.length * 4096;
  }
}
