/**
 * A cell: an isolated partition with an address space, vCPUs, a capability table, an image,
 * a memory quota and a lifecycle state.
 *
 * @module
 */

import type { GuestProgram } from "../abi.ts";
import { type RecordLayout, stringDigest } from "../../hw/fingerprint.ts";
import { AddressSpace } from "./address_space.ts";
import { CapTable } from "./cap_table.ts";
import type { Vcpu } from "./vcpu.ts";

/** Lifecycle state of a cell. */
export type CellState = "loaded" | "running" | "suspended" | "stopped" | "wiped" | "destroyed";

/** A cell's image: what was loaded and how it was signed. */
export interface CellImage {
  /** Image name. */
  readonly name: string;
  /** Version string. */
  readonly version: string;
  /** Signature bytes (verified by whoever loads it; the kernel only records it). */
  readonly signature?: Uint8Array;
}

/** What the kernel tells a guest program about its cell when it starts. */
export interface GuestContext {
  /** The cell's name. */
  readonly cell: string;
  /** The vCPU's index in its cell. */
  readonly vcpu: number;
  /** Named capability indices in the cell's table. */
  readonly caps: Readonly<Record<string, number>>;
  /** Named vIRQ numbers of the cell. */
  readonly virqs: Readonly<Record<string, number>>;
  /** Guest address and size of the cell's RAM. */
  readonly ram: { readonly base: number; readonly size: number };
  /** Named device and section windows: guest address and size. */
  readonly windows: Readonly<Record<string, { readonly base: number; readonly size: number }>>;
  /** The core clock, for converting time to cycles. */
  readonly clockHz: number;
  /** The image running. */
  readonly image: CellImage;
  /**
   * Emits a trace record from this guest (an instrumentation trace unit: no virtual time,
   * no effect on the model; nothing is built when nobody listens). The record is the fields,
   * then `time`, `kind` and `source` (the cell's name).
   *
   * A guest that emits a kind often may give its layout (see {@linkcode RecordLayout}): made by
   * `recordLayout` for this `kind`, it hashes the whole record in that field order, so the
   * fingerprint does not enumerate the record's fields. It may also give `fieldsHash`, the
   * hash of the fields alone (mixed from `RECORD_SEED` in field order, as the layout does
   * before `time`, `kind` and `source`): the kernel completes it, and while no plain
   * subscriber listens a record of a kind sinks only count (`COUNTED_KINDS` in trace_bus.ts)
   * is not built at all. Nor is one of a kind sinks take as a sample (`SAMPLED_KINDS`) when
   * the guest also gives the values of that kind's key and value fields, `sampleKey` and
   * `sampleValue`.
   */
  readonly trace: <F extends Record<string, string | number | boolean>>(
    kind: string,
    fields: () => F,
    layout?: RecordLayout<F & { time: number; kind: string; source: string }>,
    fieldsHash?: number,
    sampleKey?: string,
    sampleValue?: number,
  ) => void;
  /** A deterministic random stream for this guest (derived from the run seed). */
  readonly random: (name: string) => {
    int(low: number, high: number): number;
    float(): number;
    chance(numerator: number, denominator: number): boolean;
  };
}

/** A guest program factory: called on every start with the cell's context. */
export type ProgramFactory = (context: GuestContext) => GuestProgram;

/** What to do when a cell's access faults. */
export type FaultPolicy = "deliver" | "stop";

/**
 * One cell.
 *
 * @example Usage
 * ```ts
 * import { Cell } from "./cell.ts";
 * import assert from "node:assert/strict";
 * const cell = new Cell({ name: "pin", image: { name: "pin", version: "1.0" }, ramBytes: 65536 });
 * assert.equal(cell.state, "loaded");
 * ```
 */
export class Cell {
  /** The cell's unique name. */
  readonly name: string;
  /** The name's digest, as the fingerprint hashes it (kernel records hash it without a lookup). */
  readonly nameDigest: number;
  /** The loaded image. */
  image: CellImage;
  /** RAM quota in bytes (a multiple of 4 KiB). */
  readonly ramBytes: number;
  /** Lifecycle state. */
  state: CellState = "loaded";
  /** The stage-2 address space. */
  readonly space: AddressSpace;
  /** The capability table. */
  readonly caps: CapTable;
  /** The vCPUs. */
  readonly vcpus: Vcpu[] = [];
  /** Program factory per vCPU index. */
  readonly programs: ProgramFactory[] = [];
  /** Frames owned (RAM) by physical address. */
  frames: number[] = [];
  /** vIRQ names to numbers. */
  readonly virqNames: Map<string, number> = new Map();
  /** Named windows (devices, sections) in guest space. */
  readonly windows: Map<string, { base: number; size: number }> = new Map();
  /** Fault policy. */
  faultPolicy: FaultPolicy = "deliver";
  /** Faults taken. */
  faults = 0;
  #virqView: Record<string, number> = {};
  /** vIRQ names by number (numbers are dense from 0). */
  #virqNameList: string[] = [];
  /** Their digests (see `stringDigest`), for the records that name a vIRQ. */
  #virqDigestList: number[] = [];

  /**
   * Creates a cell with no vCPUs, capabilities or mappings yet.
   *
   * @param options Name, image and RAM quota.
   */
  constructor(options: { name: string; image: CellImage; ramBytes: number }) {
    this.name = options.name;
    this.nameDigest = stringDigest(options.name);
    this.image = options.image;
    this.ramBytes = options.ramBytes;
    this.space = new AddressSpace(options.name);
    this.caps = new CapTable(options.name);
  }

  /**
   * The vIRQ number for a name, allocating the next free one.
   *
   * @param name The vIRQ's name in this cell.
   * @returns Its number.
   */
  virq(name: string): number {
    let number = this.virqNames.get(name);
    if (number === undefined) {
      number = this.virqNames.size;
      this.virqNames.set(name, number);
      this.#virqView[name] = number;
      this.#virqNameList.push(name);
      this.#virqDigestList.push(stringDigest(name));
    }
    return number;
  }

  /** A live read-only view of vIRQ names to numbers (reflects vIRQs added later). */
  get virqView(): Readonly<Record<string, number>> {
    return this.#virqView;
  }

  /**
   * The name of a vIRQ number.
   *
   * @param number The vIRQ.
   * @returns Its name.
   */
  virqName(number: number): string {
    return this.#virqNameList[number] ?? `virq${number}`;
  }

  /**
   * The digest of a vIRQ number's name, as the fingerprint hashes it.
   *
   * @param number The vIRQ.
   * @returns The digest of {@linkcode Cell.virqName}.
   */
  virqNameDigest(number: number): number {
    return this.#virqDigestList[number] ?? stringDigest(this.virqName(number));
  }
}
