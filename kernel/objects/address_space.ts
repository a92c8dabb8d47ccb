/**
 * A cell's stage-2 address space: guest-physical pages mapped to physical frames with R/W/X
 * rights. Every guest memory access goes through it.
 *
 * @module
 */

import { PAGE_SIZE } from "../../hw/physical_memory.ts";

/** The kind of access a guest makes. */
export type Access = "read" | "write" | "execute";

/** One page mapping. */
export interface PageMapping {
  /** Physical address of the frame (or device page). */
  readonly frame: number;
  /** Readable. */
  readonly read: boolean;
  /** Writable. */
  readonly write: boolean;
  /** Executable. */
  readonly execute: boolean;
  /** What backs the page. */
  readonly kind: "ram" | "section" | "device";
  /** The section or device name for shared mappings. */
  readonly object?: string;
}

/** A translated piece of a guest access. */
export interface Translation {
  /** Physical address. */
  readonly physical: number;
  /** Bytes in this piece (never crosses a page). */
  readonly length: number;
}

/** Why a translation failed. */
export interface TranslationFault {
  /** The guest address that faulted. */
  readonly address: number;
  /** No mapping, or a mapping without the right. */
  readonly reason: "unmapped" | "permission";
}

/**
 * A page table from guest-physical pages to frames.
 *
 * @example Usage
 * ```ts
 * import { AddressSpace } from "./address_space.ts";
 * import assert from "node:assert/strict";
 * const space = new AddressSpace("pin");
 * space.map(0x1000, { frame: 0x8000_0000, read: true, write: false, execute: false, kind: "ram" });
 * assert.equal(space.translate(0x1004, 4, "read").ok, true);
 * assert.equal(space.translate(0x1004, 4, "write").ok, false);
 * ```
 */
export class AddressSpace {
  /** The owning cell. */
  readonly owner: string;
  #pages = new Map<number, PageMapping>();

  /**
   * Creates an empty address space.
   *
   * @param owner The owning cell's name.
   */
  constructor(owner: string) {
    this.owner = owner;
  }

  /** The number of mapped pages. */
  get size(): number {
    return this.#pages.size;
  }

  /**
   * Maps one page.
   *
   * @param guestAddress A page-aligned guest address.
   * @param mapping The frame and rights.
   */
  map(guestAddress: number, mapping: PageMapping): void {
    this.#pages.set(Math.floor(guestAddress / PAGE_SIZE), mapping);
  }

  /**
   * Unmaps one page.
   *
   * @param guestAddress A guest address in the page.
   * @returns The mapping removed, if any.
   */
  unmap(guestAddress: number): PageMapping | undefined {
    const page = Math.floor(guestAddress / PAGE_SIZE);
    const mapping = this.#pages.get(page);
    this.#pages.delete(page);
    return mapping;
  }

  /**
   * The mapping of the page holding an address.
   *
   * @param guestAddress A guest address.
   * @returns The mapping, if any.
   */
  lookup(guestAddress: number): PageMapping | undefined {
    return this.#pages.get(Math.floor(guestAddress / PAGE_SIZE));
  }

  /**
   * Translates a guest access, page by page, checking the right on every page.
   *
   * @param address Guest address.
   * @param length Bytes.
   * @param access The kind of access.
   * @returns The physical pieces, or the first fault.
   */
  translate(
    address: number,
    length: number,
    access: Access,
  ): { ok: true; pieces: Translation[] } | { ok: false; fault: TranslationFault } {
    const pieces: Translation[] = [];
    let at = address;
    const end = address + length;
    while (at < end) {
      const page = Math.floor(at / PAGE_SIZE);
      const mapping = this.#pages.get(page);
      if (mapping === undefined) return { ok: false, fault: { address: at, reason: "unmapped" } };
      if (!mapping[access]) return { ok: false, fault: { address: at, reason: "permission" } };
      const offset = at - page * PAGE_SIZE;
      const piece = Math.min(PAGE_SIZE - offset, end - at);
      pieces.push({ physical: mapping.frame + offset, length: piece });
      at += piece;
    }
    return { ok: true, pieces };
  }

  /** Every mapping with its guest address. */
  entries(): [number, PageMapping][] {
    return [...this.#pages].map(([page, mapping]) => [page * PAGE_SIZE, mapping]);
  }

  /** Removes every mapping. */
  clear(): void {
    this.#pages.clear();
  }
}
