/**
 * Copies of IPC message bytes (internal to kernel/): the kernel copies a message when it is
 * sent, so the sender may reuse its buffer at once. Each copy is a view into a shared arena
 * rather than a typed array of its own: a typed array with its own buffer costs several
 * hundred nanoseconds to allocate, a view into an arena a tenth of that. Arena space is never
 * reused; a full arena is left to the copies that view it (a copy a guest keeps keeps its
 * arena alive) and a new one is started.
 *
 * @module
 */

/** Bytes per arena; a message larger than a quarter of it gets a buffer of its own. */
const ARENA_BYTES = 64 * 1024;

/**
 * Hands out copies of byte strings as views into arenas.
 *
 * @example Usage
 * ```ts
 * import { MessageCopies } from "./_message_copies.ts";
 * import assert from "node:assert/strict";
 * const copies = new MessageCopies();
 * const sent = new Uint8Array([1, 2, 3]);
 * const copy = copies.copy(sent);
 * sent[0] = 9;
 * assert.deepEqual([...copy], [1, 2, 3]);
 * ```
 */
export class MessageCopies {
  #arena = new Uint8Array(ARENA_BYTES);
  #used = 0;

  /**
   * Copies bytes.
   *
   * @param bytes The bytes.
   * @returns A copy that nothing else writes.
   */
  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (length > ARENA_BYTES / 4) return bytes.slice();
    let used = this.#used;
    if (used + length > ARENA_BYTES) {
      this.#arena = new Uint8Array(ARENA_BYTES);
      used = 0;
    }
    const copy = this.#arena.subarray(used, used + length);
    copy.set(bytes);
    this.#used = used + length;
    return copy;
  }
}
