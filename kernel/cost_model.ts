/**
 * The cost model: the cycles every kernel path charges, from a per-board table whose rows
 * cite their source (see REFERENCE.md: M measured, D derived, E estimated).
 *
 * @module
 */

/** One row of a cost table: cycles, and where the figure comes from. */
export interface CostRow {
  /** Cycles charged. May be fractional for per-byte rows. */
  readonly cycles: number;
  /** The source key and quality, e.g. `"M [S2] sel4bench i.MX8MM"` or `"E"`. */
  readonly source: string;
}

/** The rows of a cost table. */
export interface CostTable {
  /** Table name, e.g. `"handset"`. */
  readonly name: string;
  /** Hypercall entry plus exit. */
  readonly hypercall: CostRow;
  /** Hardware IRQ entry to the kernel handler (also a kernel timer interrupt). */
  readonly irqEntry: CostRow;
  /** Virtual IRQ injection up to the guest handler's first instruction. */
  readonly virqInjection: CostRow;
  /** vCPU switch between two vCPUs of the same cell. */
  readonly switchSameCell: CostRow;
  /** vCPU switch across cells: the direct part (same as within a cell on ARM with ASIDs). */
  readonly switchCrossCellDirect: CostRow;
  /** vCPU switch across cells: the indirect part (cache and TLB refill). */
  readonly switchCrossCellIndirect: CostRow;
  /** One-way IPC with at most 4 words (16 bytes) in registers. */
  readonly ipcShort: CostRow;
  /** The slow-path step added to IPC above 4 words. */
  readonly ipcSlowStep: CostRow;
  /** IPC copy cost per byte above 16 bytes, hot cache (short and full IPC). */
  readonly ipcCopyPerByteHot: CostRow;
  /** IPC copy cost per byte above 256 bytes, cold cache (extended IPC). */
  readonly ipcCopyPerByteCold: CostRow;
  /** Cross-core IPI delivery. */
  readonly ipi: CostRow;
  /** Mapping or unmapping one page. */
  readonly mapPage: CostRow;
  /** Capability lookup, per CNode level (one level in this model). */
  readonly capLookup: CostRow;
  /** A memory fault delivered to the faulting cell, round trip. */
  readonly fault: CostRow;
  /** Guest memory access, per 4-byte word (guest work, not kernel). */
  readonly memoryWord: CostRow;
  /** Zeroing memory, per 4 KiB page (store bandwidth). */
  readonly zeroPage: CostRow;
}

/** A path the kernel charges, named by its rows. */
export type CostRowName = Exclude<keyof CostTable, "name">;

const row = (cycles: number, source: string): CostRow => Object.freeze({ cycles, source });

/**
 * The default table for the 1-core ARM11 532 MHz handset (REFERENCE.md, "Default cost
 * tables").
 */
export const HANDSET_COSTS: CostTable = Object.freeze({
  name: "handset",
  hypercall: row(80, "E"),
  irqEntry: row(150, "E"),
  virqInjection: row(600, "D [S1] seL4 IRQ notify on Cortex-A9"),
  switchSameCell: row(190, "D [S3] one-way IPC ARM11"),
  switchCrossCellDirect: row(190, "D [S3]"),
  switchCrossCellIndirect: row(1_000, "E (500-2,000)"),
  ipcShort: row(188, "M [S3] seL4 ARM11 532 MHz"),
  ipcSlowStep: row(300, "E"),
  ipcCopyPerByteHot: row(0.5, "E"),
  ipcCopyPerByteCold: row(3, "E"),
  ipi: row(0, "n/a (one core)"),
  mapPage: row(450, "E"),
  capLookup: row(30, "E"),
  fault: row(1_000, "E (cf. ~1,220 M [S2] on Cortex-A53)"),
  memoryWord: row(1, "E"),
  zeroPage: row(1_024, "E (4 bytes per cycle)"),
});

/** The default table for the 4-core Cortex-A53 1.2 GHz automotive board. */
export const AUTOMOTIVE_COSTS: CostTable = Object.freeze({
  name: "automotive",
  hypercall: row(132, "M [S2] sel4bench i.MX8MM null syscall"),
  irqEntry: row(200, "E"),
  virqInjection: row(800, "E (460 M [S2] to a same-AS user handler)"),
  switchSameCell: row(285, "M [S2]"),
  switchCrossCellDirect: row(280, "M [S2]"),
  switchCrossCellIndirect: row(2_000, "E (1,000-5,000)"),
  ipcShort: row(280, "M [S2] IPC call cross-AS"),
  ipcSlowStep: row(490, "M [S2] 10-word slow path minus fast path"),
  ipcCopyPerByteHot: row(0.25, "E"),
  ipcCopyPerByteCold: row(1.5, "E"),
  ipi: row(1_500, "E"),
  mapPage: row(500, "M [S2] map one page"),
  capLookup: row(25, "E"),
  fault: row(1_220, "M [S2] fault round trip"),
  memoryWord: row(1, "E"),
  zeroPage: row(512, "E (8 bytes per cycle)"),
});

/** A table where every path is free: results can be checked against theory. */
export const ZERO_COSTS: CostTable = Object.freeze({
  name: "zero",
  hypercall: row(0, "zero model"),
  irqEntry: row(0, "zero model"),
  virqInjection: row(0, "zero model"),
  switchSameCell: row(0, "zero model"),
  switchCrossCellDirect: row(0, "zero model"),
  switchCrossCellIndirect: row(0, "zero model"),
  ipcShort: row(0, "zero model"),
  ipcSlowStep: row(0, "zero model"),
  ipcCopyPerByteHot: row(0, "zero model"),
  ipcCopyPerByteCold: row(0, "zero model"),
  ipi: row(0, "zero model"),
  mapPage: row(0, "zero model"),
  capLookup: row(0, "zero model"),
  fault: row(0, "zero model"),
  memoryWord: row(0, "zero model"),
  zeroPage: row(0, "zero model"),
});

/** Every row name, in table order. */
const ROW_NAMES: readonly CostRowName[] = Object.freeze(
  Object.keys(ZERO_COSTS).filter((key) => key !== "name") as CostRowName[],
);

/** The size of a register-only (short fast-path) IPC payload, in bytes. */
export const IPC_REGISTER_BYTES = 16;
/** Short IPC: at most 64 bytes. */
export const IPC_SHORT_MAX_BYTES = 64;
/** Full IPC: at most 256 bytes (the UTCB). */
export const IPC_FULL_MAX_BYTES = 256;
/** Extended IPC: at most 2 KiB. */
export const IPC_EXTENDED_MAX_BYTES = 2_048;

/**
 * Charges kernel paths from a cost table.
 *
 * @example Usage
 * ```ts
 * import { CostModel, HANDSET_COSTS } from "./cost_model.ts";
 * import assert from "node:assert/strict";
 * const costs = new CostModel(HANDSET_COSTS);
 * assert.equal(costs.ipcCycles(8), 188);
 * assert.equal(costs.ipcCycles(64), 188 + 300 + 0.5 * 48);
 * ```
 */
export class CostModel {
  /** The table. */
  readonly table: CostTable;

  /**
   * Creates a cost model that charges from a table.
   *
   * @param table The rows to charge.
   */
  constructor(table: CostTable) {
    this.table = table;
    const rows: Partial<Record<CostRowName, number>> = {};
    for (const name of ROW_NAMES) rows[name] = table[name].cycles;
    this.row = Object.freeze(rows as Record<CostRowName, number>);
  }

  /**
   * Cycles of every row by name, read once from the table (the kernel's hot paths read
   * `costs.row.irqEntry`, a plain property, rather than calling {@linkcode CostModel.cycles}).
   */
  readonly row: Readonly<Record<CostRowName, number>>;

  /**
   * Cycles of one row.
   *
   * @param name The row.
   * @returns Its cycles.
   */
  cycles(name: CostRowName): number {
    return this.row[name];
  }

  /**
   * Cycles of one IPC transfer of a payload: the fast path up to 16 bytes; above that the
   * slow-path step plus a hot-cache copy per byte up to 256 bytes and a cold-cache copy per
   * byte beyond (extended IPC).
   *
   * @param bytes Payload size.
   * @returns Cycles.
   */
  ipcCycles(bytes: number): number {
    const t = this.table;
    if (bytes <= IPC_REGISTER_BYTES) return t.ipcShort.cycles;
    const hot = Math.min(bytes, IPC_FULL_MAX_BYTES) - IPC_REGISTER_BYTES;
    const cold = Math.max(0, bytes - IPC_FULL_MAX_BYTES);
    return t.ipcShort.cycles + t.ipcSlowStep.cycles + hot * t.ipcCopyPerByteHot.cycles +
      cold * t.ipcCopyPerByteCold.cycles;
  }

  /**
   * Cycles of a vCPU switch.
   *
   * @param sameCell Whether both vCPUs belong to the same cell (or the address space is
   * already loaded).
   * @returns Cycles, direct plus indirect across cells.
   */
  switchCycles(sameCell: boolean): number {
    const t = this.table;
    return sameCell
      ? t.switchSameCell.cycles
      : t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles;
  }
}

/** Named cost tables. */
export const costTables: Readonly<Record<"handset" | "automotive" | "zero", CostTable>> = Object
  .freeze({ handset: HANDSET_COSTS, automotive: AUTOMOTIVE_COSTS, zero: ZERO_COSTS });
