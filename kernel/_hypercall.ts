/**
 * Shared shape of a decoded hypercall (internal to kernel/).
 *
 * @module
 */

import type { OperationResult } from "./abi.ts";

/** Marks an invoke whose result comes later (the vCPU blocked or awaits injection). */
export const BLOCKED: unique symbol = Symbol("blocked");

/** What a decoded hypercall does: its cost, then its effect at the end of the kernel path. */
export interface DecodedHypercall {
  /** Cycles of the kernel path. */
  readonly cycles: number;
  /** Applies the effect; returns the result, or {@linkcode BLOCKED} if it comes later. */
  readonly invoke: () => OperationResult | typeof BLOCKED;
}
