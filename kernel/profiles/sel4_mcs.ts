/**
 * The seL4 MCS profile [S6][S12]: fixed priorities with scheduling contexts (budget per
 * period, enforced as sporadic servers; cells get them from their recipes' `budgetNs` and
 * `periodNs`), donation on call — the server runs on the caller's context and priority while
 * serving, charged to the caller — returned on reply, and a timeout fault when a server
 * exhausts a donated budget. Costs are the base tables, whose rows are seL4 measurements
 * [S1][S2][S3]; the kernel is 8,700 lines of C and 600 of assembler [S12].
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import { FixedPriorityPolicy } from "../scheduler.ts";
import type { KernelProfile } from "./profile.ts";

/** Options of {@linkcode sel4Mcs}. */
export interface Sel4McsOptions {
  /** Round-robin slice among equal priorities, ns; default 10 ms. */
  readonly sliceNs?: number;
  /** Raise timeout faults on donated-budget exhaustion; default true. */
  readonly timeoutFaults?: boolean;
}

const SEL4_MCS_KEYS = {
  sliceNs: true,
  timeoutFaults: true,
} as const satisfies OptionKeys<Sel4McsOptions>;

/**
 * The seL4 MCS profile.
 *
 * @param options Slice and timeout faults.
 * @returns The profile.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { sel4Mcs } from "./sel4_mcs.ts";
 * import assert from "node:assert/strict";
 * const profile = sel4Mcs();
 * assert.equal(profile.name, "sel4-mcs");
 * assert.equal(profile.donation, true);
 * ```
 */
export function sel4Mcs(options: Sel4McsOptions = {}): KernelProfile {
  checkOptionKeys(options, SEL4_MCS_KEYS, { action: "Cannot create profiles.sel4Mcs" });
  return {
    kind: "kernel-profile",
    name: "sel4-mcs",
    title: "seL4 (MCS)",
    scheduling: "fixed priority with scheduling contexts (sporadic servers)",
    ipcModel: "call donates the caller's context and priority; reply returns it",
    irqPath: "direct",
    donation: true,
    timeoutFaults: options.timeoutFaults ?? true,
    image: {
      bytes: 128 * 1024,
      placement: "sram",
      source: "E (image size; the code size is [S12])",
    },
    trusted: [{
      what: "seL4 kernel",
      loc: 9_300,
      bytes: 128 * 1024,
      source: "[S12] 8,700 lines of C + 600 of assembler; bytes E",
    }],
    costs: (base: CostTable) => base,
    policy: () => new FixedPriorityPolicy({ sliceNs: options.sliceNs }),
  };
}
