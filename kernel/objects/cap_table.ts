/**
 * A cell's capability table: the only way a guest names kernel objects is by an index into
 * its own table, so capabilities cannot be forged.
 *
 * @module
 */

import type { GuestError } from "../abi.ts";
import type { Capability, CapabilityType } from "./capability.ts";

/** The default number of slots in a table. */
export const CAP_TABLE_SLOTS = 64;

/**
 * A fixed-size table of capability slots.
 *
 * @example Usage
 * ```ts
 * import { CapTable } from "./cap_table.ts";
 * import { Capability } from "./capability.ts";
 * import assert from "node:assert/strict";
 * const table = new CapTable("android");
 * const index = table.insert(new Capability("channel", {}, ["send"]), "to-baseband");
 * assert.equal(table.lookup(index, "channel", "send").ok, true);
 * assert.equal(table.lookup(index + 1, "channel", "send").ok, false);
 * ```
 */
export class CapTable {
  /** The owning cell's name. */
  readonly owner: string;
  /** The number of slots. */
  readonly size: number;
  #slots: (Capability | undefined)[];
  #names = new Map<string, number>();
  #view: Record<string, number> = {};

  /**
   * Creates a table of empty slots.
   *
   * @param owner The owning cell's name.
   * @param size The number of slots.
   */
  constructor(owner: string, size = CAP_TABLE_SLOTS) {
    this.owner = owner;
    this.size = size;
    this.#slots = new Array(size).fill(undefined);
  }

  /**
   * Puts a capability in the first free slot.
   *
   * @param cap The capability.
   * @param name An optional name the cell's program can look it up by.
   * @returns The slot index.
   * @throws {RangeError} If the table is full or the name is taken.
   */
  insert(cap: Capability, name?: string): number {
    const index = this.#slots.findIndex((slot) => slot === undefined || slot.revoked);
    if (index < 0) {
      throw new RangeError(
        `Cannot add a capability to cell "${this.owner}": all ${this.size} slots are in use`,
      );
    }
    // A reused slot (its capability was revoked) loses the name it had.
    for (const [held, slot] of this.#names) {
      if (slot === index) {
        this.#names.delete(held);
        delete this.#view[held];
      }
    }
    if (name !== undefined) {
      if (this.#names.has(name) && !this.#slots[this.#names.get(name)!]?.revoked) {
        throw new RangeError(
          `Cannot add capability "${name}" to cell "${this.owner}": the name is taken`,
        );
      }
      this.#names.set(name, index);
      this.#view[name] = index;
    }
    this.#slots[index] = cap;
    return index;
  }

  /**
   * The slot index of a named capability.
   *
   * @param name The name given at insert.
   * @returns The index, or `undefined`.
   */
  indexOf(name: string): number | undefined {
    return this.#names.get(name);
  }

  /**
   * A live read-only view of the named slots: it reflects later inserts (a capability granted
   * while the program runs, e.g. at a service switch) without a new lookup.
   *
   * @returns Name to index, kept current.
   */
  liveNames(): Readonly<Record<string, number>> {
    return this.#view;
  }

  /**
   * Named slots, as a snapshot.
   *
   * @returns Name to index.
   */
  names(): Record<string, number> {
    return Object.fromEntries(this.#names);
  }

  /**
   * The capability in a slot, without checks (kernel use).
   *
   * @param index The slot.
   * @returns The capability, or `undefined`.
   */
  at(index: number): Capability | undefined {
    return this.#slots[index];
  }

  /**
   * Decodes a guest's capability index: range, presence, revocation, type and right.
   *
   * @param index The guest's index.
   * @param type The required type.
   * @param right The required right.
   * @returns The capability, or the error for the guest.
   */
  lookup(
    index: number,
    type: CapabilityType,
    right: string,
  ): { ok: true; cap: Capability } | { ok: false; error: GuestError } {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      return fail(
        "InvalidCapability",
        `capability index ${index} is outside the table (valid: 0..${this.size - 1})`,
        index,
      );
    }
    const cap = this.#slots[index];
    if (cap === undefined) {
      return fail("InvalidCapability", `capability slot ${index} is empty`, index);
    }
    if (cap.revoked) {
      return fail("RevokedCapability", `capability ${index} was revoked`, index);
    }
    if (cap.type !== type) {
      return fail(
        "WrongCapabilityType",
        `capability ${index} is a ${cap.type} capability, expected ${type}`,
        index,
      );
    }
    if (!cap.rights.has(right)) {
      return fail(
        "MissingRight",
        `capability ${index} lacks right "${right}" (held: ${
          [...cap.rights].join(", ") || "none"
        })`,
        index,
      );
    }
    return { ok: true, cap };
  }

  /**
   * Empties every slot (destroying the cell), returning what was held.
   *
   * @returns The capabilities that were in the table.
   */
  clear(): Capability[] {
    const held = this.#slots.filter((slot): slot is Capability => slot !== undefined);
    this.#slots.fill(undefined);
    this.#names.clear();
    for (const key of Object.keys(this.#view)) delete this.#view[key];
    return held;
  }

  /** Live capabilities with their indices. */
  entries(): [number, Capability][] {
    const out: [number, Capability][] = [];
    this.#slots.forEach((cap, index) => {
      if (cap !== undefined && !cap.revoked) out.push([index, cap]);
    });
    return out;
  }
}

function fail(
  kind: GuestError["kind"],
  message: string,
  cap: number,
): { ok: false; error: GuestError } {
  return { ok: false, error: { kind, message, cap } };
}
