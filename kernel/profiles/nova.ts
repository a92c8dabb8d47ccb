/**
 * The NOVA microhypervisor profile [S11]: fixed priorities; a portal is bound to one execution
 * context (here: an endpoint served by one vCPU) and a call through it donates the caller's
 * scheduling context (priority and time), returned on reply — the same donation as seL4 MCS,
 * without timeout faults. Costs are the base tables (NOVA's IPC, 288 cycles on a Core i7 [S3],
 * is of the same order as L4's; E for ARM). The code size (about 9 kLoC, from the NOVA paper)
 * is not verified here.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import { FixedPriorityPolicy } from "../scheduler.ts";
import type { KernelProfile } from "./profile.ts";

const NOVA_KEYS = { sliceNs: true } as const satisfies OptionKeys<
  NonNullable<Parameters<typeof nova>[0]>
>;

/**
 * The NOVA profile.
 *
 * @param options The round-robin slice among equals, ns (default 10 ms).
 * @returns The profile.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { nova } from "./nova.ts";
 * import assert from "node:assert/strict";
 * assert.equal(nova().donation, true);
 * assert.equal(nova().timeoutFaults, false);
 * ```
 */
export function nova(options: { readonly sliceNs?: number } = {}): KernelProfile {
  checkOptionKeys(options, NOVA_KEYS, { action: "Cannot create profiles.nova" });
  return {
    kind: "kernel-profile",
    name: "nova",
    title: "NOVA microhypervisor",
    scheduling: "fixed priority; scheduling contexts travel with portal calls",
    ipcModel: "portal call donates the caller's scheduling context; reply returns it",
    irqPath: "direct",
    donation: true,
    timeoutFaults: false,
    image: { bytes: 96 * 1024, placement: "sram", source: "E" },
    trusted: [{
      what: "NOVA microhypervisor",
      loc: 9_000,
      bytes: 96 * 1024,
      source: "E (about 9 kLoC per the NOVA paper; not verified here); bytes E",
    }],
    costs: (base: CostTable) => base,
    policy: () => new FixedPriorityPolicy({ sliceNs: options.sliceNs }),
  };
}
