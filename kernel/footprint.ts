/**
 * The kernel's memory footprint: its image and its objects (TCBs, capability tables, page
 * tables, endpoints, channel queues), accounted against on-chip SRAM.
 *
 * Object sizes follow seL4 on 32-bit ARM where it publishes them [S6] (TCB 2^9 bytes, a
 * capability slot 2^4 bytes, an endpoint 2^4 bytes) and the ARMv6/v7 short-descriptor page
 * tables (first level 16 KiB, second level 1 KiB per MiB mapped with 4 KiB pages). The image
 * size is estimated (E).
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/physical_memory.ts";
import type { Cell } from "./objects/cell.ts";

/** Sizes used by the footprint model, in bytes. */
export const FOOTPRINT_SIZES = Object.freeze({
  /** Kernel text and data (E: an OKL4-class microvisor of about 10 kLoC). */
  kernelImage: 64 * 1024,
  /** Per-core kernel stack and state (E). */
  perCore: 4 * 1024,
  /** One TCB / vCPU object (seL4 aarch32: 2^9) [S6]. */
  tcb: 512,
  /** One capability slot (seL4 32-bit: 2^4) [S6]. */
  capSlot: 16,
  /** First-level page table per address space (ARMv6/v7 short descriptors). */
  pageTableL1: 16 * 1024,
  /** Second-level table per MiB mapped with small pages. */
  pageTableL2: 1024,
  /** An endpoint (seL4: 2^4) [S6]. */
  endpoint: 16,
  /** A channel header (E); its message buffers are added. */
  channelHeader: 32,
});

/** One line of the footprint report. */
export interface FootprintItem {
  /** What it is. */
  readonly what: string;
  /** Bytes. */
  readonly bytes: number;
}

/** The kernel's footprint against its SRAM. */
export interface FootprintReport {
  /** Every item. */
  readonly items: readonly FootprintItem[];
  /** The sum. */
  readonly totalBytes: number;
  /** The SRAM available. */
  readonly sramBytes: number;
  /** Whether it fits (always, for a kernel placed in DRAM). */
  readonly fits: boolean;
  /** Where the kernel image lives: on-chip SRAM (checked) or DRAM (not security-resident). */
  readonly placement: "sram" | "dram";
}

/**
 * Computes the footprint of a configuration.
 *
 * @param options Cores, cells, endpoint count, channels (slots × max bytes), SRAM size, and
 * optionally the kernel image size and where it lives (default 64 KiB in SRAM).
 * @returns The report.
 *
 * @example Usage
 * ```ts
 * import { footprint } from "./footprint.ts";
 * import assert from "node:assert/strict";
 * const report = footprint({ cores: 1, cells: [], endpoints: 0, channels: [], sramBytes: 256 * 1024 });
 * assert.equal(report.totalBytes, 64 * 1024 + 4 * 1024);
 * assert.equal(report.fits, true);
 * ```
 */
export function footprint(options: {
  cores: number;
  cells: readonly Cell[];
  endpoints: number;
  channels: readonly { slots: number; maxBytes: number }[];
  sramBytes: number;
  kernelImageBytes?: number;
  placement?: "sram" | "dram";
}): FootprintReport {
  const sizes = FOOTPRINT_SIZES;
  const placement = options.placement ?? "sram";
  const items: FootprintItem[] = [
    { what: "kernel image", bytes: options.kernelImageBytes ?? sizes.kernelImage },
    { what: `per-core state x${options.cores}`, bytes: sizes.perCore * options.cores },
  ];
  for (const cell of options.cells) {
    const tcbs = cell.vcpus.length * sizes.tcb;
    const caps = cell.caps.size * sizes.capSlot;
    // RAM in whole MiB maps with 1 MiB sections; the rest and windows need L2 tables.
    const mib = 1024 * 1024;
    const smallPages = new Set<number>();
    for (const [address, mapping] of cell.space.entries()) {
      if (mapping.kind !== "ram" || address >= Math.floor(cell.ramBytes / mib) * mib) {
        smallPages.add(Math.floor(address / mib));
      }
    }
    const remainder = cell.ramBytes % mib === 0 ? 0 : 1;
    const l2 = Math.max(smallPages.size, remainder) * sizes.pageTableL2;
    items.push({
      what:
        `cell "${cell.name}": ${cell.vcpus.length} TCB, ${cell.caps.size} cap slots, page tables`,
      bytes: tcbs + caps + sizes.pageTableL1 + l2,
    });
  }
  items.push({ what: `${options.endpoints} endpoints`, bytes: options.endpoints * sizes.endpoint });
  for (const channel of options.channels) {
    items.push({
      what: `channel ${channel.slots} x ${channel.maxBytes} B`,
      bytes: sizes.channelHeader + channel.slots * channel.maxBytes,
    });
  }
  const totalBytes = items.reduce((sum, item) => sum + item.bytes, 0);
  return {
    items,
    totalBytes,
    sramBytes: options.sramBytes,
    fits: placement === "dram" || totalBytes <= options.sramBytes,
    placement,
  };
}

/** Thrown when a configuration does not fit the kernel's SRAM. */
export class FootprintError extends Error {
  /** The report. */
  readonly report: FootprintReport;

  /**
   * @param report The failing report.
   */
  constructor(report: FootprintReport) {
    const lines = report.items.map((item) => `  ${item.what}: ${item.bytes} B`).join("\n");
    super(
      `Kernel footprint of ${report.totalBytes} bytes does not fit in ${report.sramBytes} bytes ` +
        `of on-chip SRAM (over by ${report.totalBytes - report.sramBytes}):\n${lines}`,
    );
    this.name = "FootprintError";
    this.report = report;
  }
}

/** Pages per MiB, for callers sizing windows. */
export const PAGES_PER_MIB = (1024 * 1024) / PAGE_SIZE;
