/**
 * A kernel profile: what makes one hypervisor design differ from another in this model — its
 * scheduling policy, its IPC and interrupt path (donation, timeout faults, a driver domain or
 * host kernel in the IRQ path), its cost table and its footprint and trusted base. The same
 * scenario runs on any profile; `bootKernel` builds the kernel a profile describes.
 *
 * @module
 */

import type { Board } from "../../hw/board.ts";
import type { CostRowName, CostTable } from "../cost_model.ts";
import { Microvisor } from "../microvisor.ts";
import type { SchedulingPolicy } from "../scheduler.ts";

/** One part of a profile's trusted computing base. */
export interface TrustedPart {
  /** What it is, e.g. `"Xen hypervisor"`. */
  readonly what: string;
  /** Lines of code, if a figure exists. */
  readonly loc?: number;
  /** Bytes of memory it occupies. */
  readonly bytes: number;
  /** Where the figures come from (REFERENCE.md keys; E = estimated). */
  readonly source: string;
}

/** How a hardware interrupt reaches its owner. */
export type IrqPath = "direct" | "driver-domain" | "host-kernel";

/** What a profile's policy factory learns about the scenario. */
export interface ProfileContext {
  /** The cells in load order. */
  readonly cells: readonly string[];
}

/** A hypervisor design, as a bundle the kernel is built from. */
export interface KernelProfile {
  /** Marks a profile (so `.kernel()` can tell it from plain options). */
  readonly kind: "kernel-profile";
  /** Short name, e.g. `"okl4"`; used by `--kernel NAME`. */
  readonly name: string;
  /** Long name, e.g. `"OKL4 Microvisor"`. */
  readonly title: string;
  /** The scheduling model in a few words. */
  readonly scheduling: string;
  /** The IPC model in a few words. */
  readonly ipcModel: string;
  /** How device interrupts reach their owner. */
  readonly irqPath: IrqPath;
  /** Scheduling-context donation on call (seL4 MCS, NOVA). */
  readonly donation: boolean;
  /** Timeout faults when a donated budget runs out (seL4 MCS). */
  readonly timeoutFaults: boolean;
  /** The kernel image: bytes, where it lives, and the source of the figure. */
  readonly image: {
    readonly bytes: number;
    readonly placement: "sram" | "dram";
    readonly source: string;
  };
  /** The trusted computing base beside the cells' own code. */
  readonly trusted: readonly TrustedPart[];
  /**
   * The profile's cost table, derived from the board's base table.
   *
   * @param base The board's table (or the scenario's choice, e.g. `zero`).
   * @returns The table to charge.
   */
  costs(base: CostTable): CostTable;
  /**
   * A fresh scheduling policy for one run.
   *
   * @param context The scenario's cells.
   * @returns The policy.
   */
  policy(context: ProfileContext): SchedulingPolicy;
  /**
   * Adds the profile's own cells and routes to a booted kernel (Xen's dom0), before the
   * scenario's cells load.
   *
   * @param kernel The kernel.
   */
  install?(kernel: Microvisor): void;
}

/**
 * Builds the kernel a profile describes on a board.
 *
 * @param board The board.
 * @param profile The profile.
 * @param options The base cost table (default: the board's handset table given by the
 * caller), a policy that overrides the profile's, and the scenario's cells.
 * @returns The booted kernel, with the profile's own cells installed.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../../hw/engine.ts";
 * import { Board } from "../../hw/board.ts";
 * import { boards } from "../../hw/boards.ts";
 * import { HANDSET_COSTS } from "../cost_model.ts";
 * import { bootKernel } from "./profile.ts";
 * import { xen } from "./xen.ts";
 * import assert from "node:assert/strict";
 * const kernel = bootKernel(new Board(new Engine(), boards.handset()), xen(), {
 *   costs: HANDSET_COSTS,
 *   cells: [],
 * });
 * assert.equal(kernel.policy.name, "xen-credit");
 * assert.ok(kernel.cells.has("dom0"));
 * ```
 */
export function bootKernel(
  board: Board,
  profile: KernelProfile,
  options: { costs: CostTable; policy?: SchedulingPolicy; cells: readonly string[] },
): Microvisor {
  const kernel = new Microvisor(board, {
    costs: profile.costs(options.costs),
    policy: options.policy ?? profile.policy({ cells: options.cells }),
    donation: profile.donation,
    timeoutFaults: profile.timeoutFaults,
    image: { bytes: profile.image.bytes, placement: profile.image.placement },
  });
  profile.install?.(kernel);
  return kernel;
}

/**
 * A cost table scaled row by row from a base table (for designs with no per-row measurements
 * of their own); every scaled row says so in its source.
 *
 * @param base The base table.
 * @param name The new table's name.
 * @param factors Factor and source per row; other rows are kept.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { HANDSET_COSTS } from "../cost_model.ts";
 * import { scaleCosts } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const table = scaleCosts(HANDSET_COSTS, "slow", { hypercall: [10, "E"] });
 * assert.equal(table.hypercall.cycles, 800);
 * assert.equal(table.ipcShort.cycles, 188);
 * ```
 */
export function scaleCosts(
  base: CostTable,
  name: string,
  factors: Partial<Record<CostRowName, readonly [number, string]>>,
): CostTable {
  const table: Record<string, unknown> = { ...base, name: `${name}/${base.name}` };
  for (const [row, [factor, source]] of Object.entries(factors)) {
    const old = base[row as CostRowName];
    table[row] = Object.freeze({
      cycles: Math.round(old.cycles * factor * 100) / 100,
      source: `${source} (x${factor} of ${base.name}: ${old.source})`,
    });
  }
  return Object.freeze(table) as unknown as CostTable;
}

/**
 * The trusted code of a profile in lines, when every part has a figure.
 *
 * @param profile The profile.
 * @returns Lines of code, or `undefined` if a part has no figure.
 *
 * @example Usage
 * ```ts
 * import { trustedLoc } from "./profile.ts";
 * import { sel4Mcs } from "./sel4_mcs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(trustedLoc(sel4Mcs()), 9_300);
 * ```
 */
export function trustedLoc(profile: KernelProfile): number | undefined {
  let sum = 0;
  for (const part of profile.trusted) {
    if (part.loc === undefined) return undefined;
    sum += part.loc;
  }
  return sum;
}

/**
 * The memory the trusted base occupies, bytes.
 *
 * @param profile The profile.
 * @returns Bytes.
 *
 * @example Usage
 * ```ts
 * import { trustedBytes } from "./profile.ts";
 * import { okl4 } from "./okl4.ts";
 * import assert from "node:assert/strict";
 * assert.equal(trustedBytes(okl4()), 64 * 1024);
 * ```
 */
export function trustedBytes(profile: KernelProfile): number {
  return profile.trusted.reduce((sum, part) => sum + part.bytes, 0);
}
