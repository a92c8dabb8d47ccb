/**
 * The OKL4 Microvisor profile (the default): fixed-priority preemptive scheduling with
 * round-robin among equals and optional budgets, servers that run on their own priority and
 * time, direct IRQ delivery to the owning cell, the handset/automotive cost tables as they are,
 * and a kernel small enough for on-chip SRAM [S7][S8].
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import { FixedPriorityPolicy } from "../scheduler.ts";
import type { KernelProfile } from "./profile.ts";

/** Options of {@linkcode okl4}. */
export interface Okl4Options {
  /** Round-robin slice among equal priorities, ns; default 10 ms. */
  readonly sliceNs?: number;
}

const OKL4_KEYS = { sliceNs: true } as const satisfies OptionKeys<Okl4Options>;

/**
 * The OKL4 Microvisor profile.
 *
 * @param options The round-robin slice.
 * @returns The profile.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { okl4 } from "./okl4.ts";
 * import assert from "node:assert/strict";
 * const profile = okl4();
 * assert.equal(profile.name, "okl4");
 * assert.equal(profile.policy({ cells: [] }).name, "fixed-priority");
 * ```
 */
export function okl4(options: Okl4Options = {}): KernelProfile {
  checkOptionKeys(options, OKL4_KEYS, { action: "Cannot create profiles.okl4" });
  return {
    kind: "kernel-profile",
    name: "okl4",
    title: "OKL4 Microvisor",
    scheduling: "fixed priority, round-robin among equals, optional budgets",
    ipcModel: "synchronous endpoints and channels; the server runs on its own time",
    irqPath: "direct",
    donation: false,
    timeoutFaults: false,
    image: {
      bytes: 64 * 1024,
      placement: "sram",
      source: "seed article (Heiser): OKL4 < 64 kB [unverified elsewhere]",
    },
    trusted: [{
      what: "OKL4 microvisor",
      loc: 10_000,
      bytes: 64 * 1024,
      source: "seed article (Heiser): all of OKL4 is about 10 kLoC, < 64 kB [unverified]",
    }],
    costs: (base: CostTable) => base,
    policy: () => new FixedPriorityPolicy({ sliceNs: options.sliceNs }),
  };
}
