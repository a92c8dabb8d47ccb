/**
 * Sparse physical memory: regions of on-chip SRAM, DRAM, flash and MMIO, with 4 KiB pages
 * allocated on first write so a 128 MiB DRAM costs nothing until it is used.
 *
 * @module
 */

import { checkWhole, hex } from "./_format.ts";
import { PageWalk } from "./_pages.ts";
import { BoardError } from "./board_error.ts";

/** What a memory region is: on-chip SRAM, DRAM, memory-mapped flash, or device registers. */
export type RegionKind = "sram" | "dram" | "flash" | "mmio";

/** One region of the physical address map. */
export interface RegionSpec {
  /** A unique name, e.g. `"dram"`. */
  readonly name: string;
  /** The first physical address. */
  readonly base: number;
  /** The size in bytes, a positive whole number. */
  readonly size: number;
  /** What the region is. */
  readonly kind: RegionKind;
}

/**
 * The page size of sparse memory: 4 KiB.
 *
 * @example Usage
 * ```ts
 * import { PAGE_SIZE } from "./physical_memory.ts";
 * import assert from "node:assert/strict";
 * assert.equal(PAGE_SIZE, 4096);
 * ```
 */
export const PAGE_SIZE = 4096;

/** A memory-mapped device: its register window and how it answers reads and writes. */
export interface MmioDevice {
  /** The device name, unique on a board. */
  readonly name: string;
  /** The physical address of the window. */
  readonly base: number;
  /** The window size in bytes. */
  readonly size: number;
  /**
   * Reads bytes from the window.
   *
   * @param offset Relative to the device base.
   * @param length How many bytes.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * Writes bytes to the window.
   *
   * @param offset Relative to the device base.
   * @param bytes What to write.
   * @param initiator Who writes (a cell or core name), for capture and tracing.
   */
  write(offset: number, bytes: Uint8Array, initiator: string): void;
}

/** Where a flash region's bytes live: the flash controller's store. */
export interface FlashBacking {
  /**
   * Reads flash contents.
   *
   * @param offset Relative to the flash region base.
   * @param length How many bytes.
   */
  read(offset: number, length: number): Uint8Array;
}

interface Region {
  readonly spec: RegionSpec;
  readonly end: number;
  readonly pages: Map<number, Uint8Array>;
  readonly devices: MmioDevice[];
  flash: FlashBacking | undefined;
}

function describe(region: RegionSpec): string {
  return `"${region.name}" (${hex(region.base)}..${hex(region.base + region.size - 1)})`;
}

/**
 * The physical address space of a board. RAM is sparse: a 4 KiB page is allocated on its
 * first write, and bytes never written read 0. Accesses to an MMIO region go to the attached
 * device; reads of a flash region go to the flash backing (see
 * {@linkcode PhysicalMemory.attachFlash}). Words are little-endian.
 *
 * @example Usage
 * ```ts
 * import { PhysicalMemory } from "./physical_memory.ts";
 * import assert from "node:assert/strict";
 * const memory = new PhysicalMemory([
 *   { name: "dram", base: 0x8000_0000, size: 128 * 1024 * 1024, kind: "dram" },
 * ]);
 * assert.equal(memory.readU32(0x8000_1000), 0);
 * memory.writeU32(0x8000_1000, 0xdead_beef);
 * assert.equal(memory.readU32(0x8000_1000), 0xdead_beef);
 * assert.equal(memory.allocatedPages, 1);
 * ```
 */
export class PhysicalMemory {
  #regions: Region[];
  #last: Region | undefined;
  #allocated = 0;
  #walk = new PageWalk(PAGE_SIZE);
  /** The regions, sorted by base address. */
  readonly regions: readonly RegionSpec[];

  /**
   * Creates an address space; no memory is allocated yet.
   *
   * @param regions The regions; they must not overlap.
   * @throws {BoardError} If a region has a bad base or size, or two overlap or share a name.
   */
  constructor(regions: readonly RegionSpec[]) {
    const sorted = [...regions].sort((a, b) => a.base - b.base);
    const names = new Set<string>();
    for (let i = 0; i < sorted.length; i++) {
      const region = sorted[i];
      const index = regions.indexOf(region);
      if (!Number.isSafeInteger(region.base) || region.base < 0) {
        throw new BoardError(
          `Invalid memory: region "${region.name}" base ${region.base} is not a non-negative ` +
            `whole number`,
          `memory[${index}].base`,
        );
      }
      if (!Number.isSafeInteger(region.size) || region.size <= 0) {
        throw new BoardError(
          `Invalid memory: region "${region.name}" size ${region.size} is not a positive ` +
            `whole number of bytes`,
          `memory[${index}].size`,
        );
      }
      if (names.has(region.name)) {
        throw new BoardError(
          `Invalid memory: region name "${region.name}" is used twice, names must be unique`,
          `memory[${index}].name`,
        );
      }
      names.add(region.name);
      const previous = sorted[i - 1];
      if (previous !== undefined && previous.base + previous.size > region.base) {
        throw new BoardError(
          `Invalid memory: region "${region.name}" base ${hex(region.base)} overlaps region ` +
            describe(previous),
          `memory[${index}].base`,
        );
      }
    }
    this.regions = Object.freeze(sorted.map((spec) => Object.freeze({ ...spec })));
    this.#regions = this.regions.map((spec) => ({
      spec,
      end: spec.base + spec.size,
      pages: new Map(),
      devices: [],
      flash: undefined,
    }));
  }

  /**
   * Finds the region holding an address.
   *
   * @param address A physical address.
   * @returns The region, or `undefined` if no region holds it.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "sram", base: 0x1000, size: 0x1000, kind: "sram" }]);
   * assert.equal(memory.regionAt(0x1fff)?.name, "sram");
   * assert.equal(memory.regionAt(0x2000), undefined);
   * ```
   */
  regionAt(address: number): RegionSpec | undefined {
    return this.#find(address)?.spec;
  }

  /**
   * Finds a region by name.
   *
   * @param name The region name.
   * @returns The region, or `undefined`.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "sram", base: 0x1000, size: 0x1000, kind: "sram" }]);
   * assert.equal(memory.regionNamed("sram")?.base, 0x1000);
   * ```
   */
  regionNamed(name: string): RegionSpec | undefined {
    return this.regions.find((region) => region.name === name);
  }

  /**
   * Attaches a device; its window must lie inside one MMIO region and overlap no other device.
   *
   * @param device The device.
   * @throws {RangeError} If the window is outside every MMIO region, straddles one, or
   * overlaps another device.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "io", base: 0x4000_0000, size: 0x10000, kind: "mmio" }]);
   * memory.attach({
   *   name: "id", base: 0x4000_0000, size: 4,
   *   read: () => new Uint8Array([0x31, 0, 0, 0]), write: () => {},
   * });
   * assert.equal(memory.readU32(0x4000_0000), 0x31);
   * ```
   */
  attach(device: MmioDevice): void {
    const region = this.#find(device.base);
    if (
      region === undefined || region.spec.kind !== "mmio" ||
      !(device.size > 0) || device.base + device.size > region.end
    ) {
      throw new RangeError(
        `Cannot attach device "${device.name}" at ${hex(device.base)} size ${device.size}: ` +
          `it must lie inside one mmio region: ${this.#mmioList()}`,
      );
    }
    for (const other of region.devices) {
      if (device.base < other.base + other.size && other.base < device.base + device.size) {
        throw new RangeError(
          `Cannot attach device "${device.name}" at ${hex(device.base)}: it overlaps device ` +
            `"${other.name}" (${hex(other.base)}..${hex(other.base + other.size - 1)})`,
        );
      }
    }
    region.devices.push(device);
    region.devices.sort((a, b) => a.base - b.base);
  }

  /**
   * Makes reads of a flash region come from a backing store (the flash controller's).
   *
   * @param backing Reads flash contents by offset from the region base.
   * @param options The flash region's name; default the first flash region.
   * @throws {RangeError} If there is no such flash region.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "flash", base: 0xa000_0000, size: 0x10000, kind: "flash" }]);
   * memory.attachFlash({ read: (_offset, length) => new Uint8Array(length).fill(0xff) });
   * assert.equal(memory.readU32(0xa000_0000), 0xffff_ffff);
   * ```
   */
  attachFlash(backing: FlashBacking, options: { readonly region?: string } = {}): void {
    const region = this.#regions.find((r) =>
      r.spec.kind === "flash" && (options.region === undefined || r.spec.name === options.region)
    );
    if (region === undefined) {
      const flash = this.#regions.filter((r) => r.spec.kind === "flash").map((r) => r.spec.name);
      throw new RangeError(
        `Cannot attach flash backing to region "${options.region ?? "(any flash)"}": ` +
          `flash regions are ${flash.length > 0 ? flash.join(", ") : "none"}`,
      );
    }
    region.flash = backing;
  }

  /**
   * Reads bytes. Never-written RAM reads 0.
   *
   * @param address The first physical address.
   * @param length How many bytes.
   * @param _initiator Who reads (unused for RAM; kept for symmetry with `write`).
   * @returns A fresh copy of the bytes.
   * @throws {RangeError} If the range is outside every region, straddles regions, or hits an
   * MMIO address with no device.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "sram", base: 0, size: 0x10000, kind: "sram" }]);
   * memory.write(0x0ffe, new Uint8Array([1, 2, 3, 4]));
   * assert.deepEqual(memory.read(0x0ffd, 6), new Uint8Array([0, 1, 2, 3, 4, 0]));
   * ```
   */
  read(address: number, length: number, _initiator?: string): Uint8Array {
    const region = this.#locate(address, length, "read");
    const kind = region.spec.kind;
    if (kind === "mmio") {
      const device = this.#device(region, address, length, "read");
      return device.read(address - device.base, length);
    }
    const offset = address - region.spec.base;
    if (kind === "flash" && region.flash !== undefined) {
      return region.flash.read(offset, length);
    }
    const out = new Uint8Array(length);
    const pages = region.pages;
    const walk = this.#walk.over(offset, length);
    while (walk.next()) {
      const page = pages.get(walk.index);
      if (page !== undefined) {
        out.set(page.subarray(walk.start, walk.start + walk.count), walk.done);
      }
    }
    return out;
  }

  /**
   * Writes bytes. RAM pages are allocated on first write.
   *
   * @param address The first physical address.
   * @param bytes What to write.
   * @param initiator Who writes; passed to MMIO devices. Default `"unknown"`.
   * @throws {RangeError} If the range is outside every region, straddles regions, hits an
   * MMIO address with no device, or is in a flash region.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "dram", base: 0, size: 0x10000, kind: "dram" }]);
   * memory.write(0x2000, new TextEncoder().encode("4711"));
   * assert.equal(new TextDecoder().decode(memory.read(0x2000, 4)), "4711");
   * ```
   */
  write(address: number, bytes: Uint8Array, initiator = "unknown"): void {
    const length = bytes.length;
    const region = this.#locate(address, length, "write");
    const kind = region.spec.kind;
    if (kind === "mmio") {
      const device = this.#device(region, address, length, "write");
      device.write(address - device.base, bytes, initiator);
      return;
    }
    if (kind === "flash") {
      throw new RangeError(
        `Cannot write ${length} bytes at ${hex(address)} in region ${describe(region.spec)}: ` +
          `flash is written through the flash controller`,
      );
    }
    const offset = address - region.spec.base;
    const pages = region.pages;
    const walk = this.#walk.over(offset, length);
    while (walk.next()) {
      let page = pages.get(walk.index);
      if (page === undefined) {
        page = new Uint8Array(PAGE_SIZE);
        pages.set(walk.index, page);
        this.#allocated++;
      }
      page.set(bytes.subarray(walk.done, walk.done + walk.count), walk.start);
    }
  }

  /**
   * Reads a little-endian 32-bit word.
   *
   * @param address The physical address.
   * @returns The unsigned value.
   * @throws {RangeError} As {@linkcode PhysicalMemory.read}.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "sram", base: 0, size: 0x1000, kind: "sram" }]);
   * memory.write(0x10, new Uint8Array([0x78, 0x56, 0x34, 0x12]));
   * assert.equal(memory.readU32(0x10), 0x1234_5678);
   * ```
   */
  readU32(address: number): number {
    const b = this.read(address, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  /**
   * Writes a little-endian 32-bit word.
   *
   * @param address The physical address.
   * @param value The value; taken modulo 2^32.
   * @param initiator Who writes; passed to MMIO devices.
   * @throws {RangeError} As {@linkcode PhysicalMemory.write}.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "sram", base: 0, size: 0x1000, kind: "sram" }]);
   * memory.writeU32(0x10, 0x1234_5678);
   * assert.deepEqual(memory.read(0x10, 4), new Uint8Array([0x78, 0x56, 0x34, 0x12]));
   * ```
   */
  writeU32(address: number, value: number, initiator?: string): void {
    const v = value >>> 0;
    this.write(
      address,
      new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]),
      initiator,
    );
  }

  /**
   * Zeroes a RAM range: whole pages are dropped (freed, and read 0 again), partial pages are
   * zero-filled.
   *
   * @param address The first physical address.
   * @param length How many bytes.
   * @throws {RangeError} If the range is not inside one SRAM or DRAM region.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "dram", base: 0, size: 0x10000, kind: "dram" }]);
   * memory.write(0x1000, new Uint8Array(8192).fill(7));
   * assert.equal(memory.allocatedPages, 2);
   * memory.zero(0x1000, 8192);
   * assert.equal(memory.allocatedPages, 0);
   * assert.ok(memory.isZero(0x1000, 8192));
   * ```
   */
  zero(address: number, length: number): void {
    const region = this.#locate(address, length, "zero");
    if (region.spec.kind !== "sram" && region.spec.kind !== "dram") {
      throw new RangeError(
        `Cannot zero ${length} bytes at ${hex(address)}: region ${describe(region.spec)} is ` +
          `${region.spec.kind}, only sram and dram can be zeroed`,
      );
    }
    const offset = address - region.spec.base;
    const pages = region.pages;
    const walk = this.#walk.over(offset, length);
    while (walk.next()) {
      const page = pages.get(walk.index);
      if (page !== undefined) {
        if (walk.count === PAGE_SIZE) {
          pages.delete(walk.index);
          this.#allocated--;
        } else {
          page.fill(0, walk.start, walk.start + walk.count);
        }
      }
    }
  }

  /**
   * Tells whether every byte of a range reads 0.
   *
   * @param address The first physical address.
   * @param length How many bytes.
   * @returns `true` if all bytes are zero.
   * @throws {RangeError} As {@linkcode PhysicalMemory.read}.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "dram", base: 0, size: 0x10000, kind: "dram" }]);
   * assert.ok(memory.isZero(0, 0x10000));
   * memory.write(0x8000, new Uint8Array([1]));
   * assert.equal(memory.isZero(0, 0x10000), false);
   * ```
   */
  isZero(address: number, length: number): boolean {
    const region = this.#locate(address, length, "read");
    if (region.spec.kind === "sram" || region.spec.kind === "dram") {
      const walk = this.#walk.over(address - region.spec.base, length);
      while (walk.next()) {
        const page = region.pages.get(walk.index);
        if (page !== undefined) {
          const end = walk.start + walk.count;
          for (let i = walk.start; i < end; i++) if (page[i] !== 0) return false;
        }
      }
      return true;
    }
    const bytes = this.read(address, length);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
    return true;
  }

  /**
   * The number of 4 KiB RAM pages allocated, over all regions.
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "dram", base: 0, size: 1 << 27, kind: "dram" }]);
   * memory.read(0, 1 << 20);
   * assert.equal(memory.allocatedPages, 0);
   * ```
   */
  get allocatedPages(): number {
    return this.#allocated;
  }

  /**
   * Every allocated RAM page (SRAM and DRAM pages written at least once), in address order
   * within each region: what an inspector scans for secrets without touching the rest.
   *
   * @returns Pairs of the page's physical address and its live bytes (do not modify).
   *
   * @example Usage
   * ```ts
   * import { PhysicalMemory } from "./physical_memory.ts";
   * import assert from "node:assert/strict";
   * const memory = new PhysicalMemory([{ name: "dram", base: 0x8000_0000, size: 1 << 20, kind: "dram" }]);
   * memory.write(0x8000_1004, new Uint8Array([7]));
   * assert.deepEqual([...memory.allocatedRamPages()].map(([address]) => address), [0x8000_1000]);
   * ```
   */
  *allocatedRamPages(): Generator<[number, Uint8Array]> {
    for (const region of this.#regions) {
      if (region.spec.kind !== "sram" && region.spec.kind !== "dram") continue;
      const indices = [...region.pages.keys()].sort((a, b) => a - b);
      for (const index of indices) {
        yield [region.spec.base + index * PAGE_SIZE, region.pages.get(index)!];
      }
    }
  }

  #find(address: number): Region | undefined {
    const last = this.#last;
    if (last !== undefined && address >= last.spec.base && address < last.end) return last;
    const regions = this.#regions;
    let low = 0, high = regions.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const region = regions[middle];
      if (address < region.spec.base) high = middle - 1;
      else if (address >= region.end) low = middle + 1;
      else {
        this.#last = region;
        return region;
      }
    }
    return undefined;
  }

  #locate(address: number, length: number, action: string): Region {
    // Messages are built only on failure: this runs on every memory access.
    if (!Number.isSafeInteger(address) || address < 0) {
      checkWhole(address, "address", `Cannot ${action} memory`);
    }
    if (!Number.isSafeInteger(length) || length < 0) {
      checkWhole(length, "length", `Cannot ${action} memory at ${hex(address)}`);
    }
    const region = this.#find(address);
    if (region === undefined) {
      throw new RangeError(
        `Cannot ${action} ${length} bytes at ${hex(address)}: the address is outside every ` +
          `region; regions are ${this.regions.map(describe).join(", ")}`,
      );
    }
    if (address + length > region.end) {
      const next = this.#find(address + length - 1);
      throw new RangeError(
        `Cannot ${action} ${length} bytes at ${hex(address)}: the range ends at ` +
          `${hex(address + length - 1)}, past the end of region ${describe(region.spec)}` +
          (next === undefined ? "" : ` into region ${describe(next.spec)}`) +
          `; an access must lie inside one region`,
      );
    }
    return region;
  }

  #device(region: Region, address: number, length: number, action: string): MmioDevice {
    const devices = region.devices;
    for (let i = 0; i < devices.length; i++) {
      const device = devices[i];
      if (address >= device.base && address < device.base + device.size) {
        if (address + length > device.base + device.size) {
          throw new RangeError(
            `Cannot ${action} ${length} bytes at ${hex(address)}: the range runs past the end ` +
              `of device "${device.name}" (${hex(device.base)}..` +
              `${hex(device.base + device.size - 1)})`,
          );
        }
        return device;
      }
    }
    const names = devices.map((d) => `"${d.name}" (${hex(d.base)}..${hex(d.base + d.size - 1)})`);
    throw new RangeError(
      `Cannot ${action} ${length} bytes at ${hex(address)}: no device there in mmio region ` +
        `${describe(region.spec)}; devices are ${names.length > 0 ? names.join(", ") : "none"}`,
    );
  }

  #mmioList(): string {
    const mmio = this.regions.filter((r) => r.kind === "mmio").map(describe);
    return mmio.length > 0 ? mmio.join(", ") : "none";
  }
}
