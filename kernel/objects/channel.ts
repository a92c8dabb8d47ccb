/**
 * An asynchronous channel: a bounded queue of messages of bounded size. The receiver is
 * notified by a virtual IRQ; a full queue or an oversized message is an error to the sender.
 *
 * @module
 */

import type { ReceivedMessage } from "../abi.ts";
import { MessageCopies } from "../_message_copies.ts";
import type { Cell } from "./cell.ts";

/**
 * A bounded message queue between cells.
 *
 * @example Usage
 * ```ts
 * import { Channel } from "./channel.ts";
 * import assert from "node:assert/strict";
 * const channel = new Channel({ name: "audio", slots: 2, maxBytes: 8 });
 * assert.equal(channel.offer({ bytes: new Uint8Array(4), badge: 1 }), true);
 * assert.equal(channel.offer({ bytes: new Uint8Array(4), badge: 1 }), true);
 * assert.equal(channel.offer({ bytes: new Uint8Array(4), badge: 1 }), false);
 * assert.equal(channel.take()?.bytes.length, 4);
 * ```
 */
export class Channel {
  /** The channel's name. */
  readonly name: string;
  /** Queue capacity in messages. */
  readonly slots: number;
  /** Largest message in bytes. */
  readonly maxBytes: number;
  /** The cell notified of new messages (may be switched atomically). */
  receiver: Cell | undefined;
  /** The receiver's vIRQ number raised on each message. */
  receiverVirq: number = -1;
  #copies = new MessageCopies();
  #queue: ReceivedMessage[] = [];
  #head = 0;
  /** Messages accepted so far. */
  accepted = 0;
  /** Sends refused because the queue was full. */
  refusedFull = 0;

  /**
   * Creates an empty channel.
   *
   * @param options Name, capacity and maximum message size.
   */
  constructor(options: { name: string; slots: number; maxBytes: number }) {
    this.name = options.name;
    this.slots = options.slots;
    this.maxBytes = options.maxBytes;
  }

  /** Messages queued. */
  get depth(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Copies a message's bytes as the kernel does on send, into storage that only this
   * channel's messages share, so the sender may reuse its buffer at once.
   *
   * @param bytes The bytes sent.
   * @returns The copy.
   */
  copyBytes(bytes: Uint8Array): Uint8Array {
    return this.#copies.copy(bytes);
  }

  /**
   * Enqueues a message if there is room.
   *
   * @param message The message (already copied).
   * @returns Whether it was queued.
   */
  offer(message: ReceivedMessage): boolean {
    if (this.depth >= this.slots) {
      this.refusedFull++;
      return false;
    }
    this.#queue.push(message);
    this.accepted++;
    return true;
  }

  /**
   * Dequeues the oldest message.
   *
   * @returns The message, or `undefined` when empty.
   */
  take(): ReceivedMessage | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const message = this.#queue[this.#head++];
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** Drops every queued message. */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
  }
}
