/**
 * The KVM profile: the host Linux kernel is the hypervisor. Each vCPU is a host thread under a
 * CFS-like fair scheduler with weights from nice values and no fixed priorities for guests
 * (see {@linkcode FairSharePolicy}); device IRQs are taken by the host kernel and injected
 * (irqfd), and every exit goes through the host, so IRQ entry, hypercalls (VM exits), switches
 * and IPC (virtio through the host) cost more. The factors are estimates (E) in the order
 * Varanasi & Heiser [S17] report for enterprise hypervisors on ARM, not measurements. The whole
 * Linux host kernel is in the trusted base; its size here is an estimate (E).
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import { FairSharePolicy, type FairSharePolicyOptions } from "./fair_share_policy.ts";
import { type KernelProfile, scaleCosts } from "./profile.ts";

const E17 = "E, enterprise-hypervisor overhead order [S17]";

const KVM_KEYS = {
  nice: true,
  latencyNs: true,
  minGranularityNs: true,
  wakeupGranularityNs: true,
} as const satisfies OptionKeys<FairSharePolicyOptions>;

/**
 * The KVM profile.
 *
 * @param options Nice values per cell and CFS tunables.
 * @returns The profile.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { kvm } from "./kvm.ts";
 * import assert from "node:assert/strict";
 * const profile = kvm({ nice: { baseband: -5 } });
 * assert.equal(profile.policy({ cells: [] }).name, "cfs");
 * assert.equal(profile.image.placement, "dram");
 * ```
 */
export function kvm(options: FairSharePolicyOptions = {}): KernelProfile {
  checkOptionKeys(options, KVM_KEYS, { action: "Cannot create profiles.kvm" });
  return {
    kind: "kernel-profile",
    name: "kvm",
    title: "KVM (Linux host, CFS)",
    scheduling: "CFS: virtual runtime, weights from nice, no guest priorities",
    ipcModel: "virtio and eventfd through the host kernel",
    irqPath: "host-kernel",
    donation: false,
    timeoutFaults: false,
    image: { bytes: 8 * 1024 * 1024, placement: "dram", source: "E (Linux host kernel)" },
    trusted: [{
      what: "Linux host kernel with KVM",
      loc: 1_000_000,
      bytes: 8 * 1024 * 1024,
      source: "E (an embedded Linux configuration; the seed article puts all of Linux in the TCB)",
    }],
    costs: (base: CostTable) =>
      scaleCosts(base, "kvm", {
        hypercall: [15, E17],
        irqEntry: [6, E17],
        virqInjection: [3, E17],
        switchSameCell: [5, E17],
        switchCrossCellDirect: [5, E17],
        switchCrossCellIndirect: [3, E17],
        ipcShort: [20, E17],
        ipcSlowStep: [3, E17],
        mapPage: [4, E17],
        fault: [3, E17],
      }),
    policy: () => new FairSharePolicy(options),
  };
}
