/**
 * The Xen profile: the credit scheduler (weights, caps, 30 ms slices, a credit debit per 10 ms
 * tick, BOOST on wake-up; see {@linkcode CreditPolicy}), the driver-domain model — every device
 * IRQ is taken by a dom0 cell first, which handles it and forwards it over an event channel to
 * the owning cell (an extra hop and an extra scheduling decision) — and higher hypercall,
 * switch and IPC costs. Varanasi & Heiser [S17] report Samsung's Xen on ARM running Linux at
 * about half native speed with overheads about an order of magnitude above OKL4's; the factors
 * below are estimates (E) in that order, not measurements. The footprint is Xen on ARM, about
 * 2 MB, plus dom0's Linux, 14 MB, both in the trusted base [S17, from the seed article;
 * unverified elsewhere]; neither fits in on-chip SRAM.
 *
 * @module
 */

import type { DeliveredVirq, Operation, OperationResult } from "../abi.ts";
import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import type { Microvisor } from "../microvisor.ts";
import type { GuestContext } from "../objects/cell.ts";
import { CreditPolicy, type CreditPolicyOptions } from "./credit_policy.ts";
import { type KernelProfile, scaleCosts } from "./profile.ts";

/** The driver domain's cell name. */
export const DOM0 = "dom0";

/** Cycles dom0's Linux spends handling one device IRQ before it forwards it (E). */
export const DOM0_IRQ_CYCLES = 5_000;

const E17 = "E, order of magnitude above OKL4 [S17]";

/** Options of {@linkcode xen}. */
export interface XenOptions extends CreditPolicyOptions {
  /** Cycles dom0 spends per forwarded IRQ; default {@linkcode DOM0_IRQ_CYCLES}. */
  readonly dom0IrqCycles?: number;
}

const XEN_KEYS = {
  weights: true,
  caps: true,
  tickNs: true,
  sliceNs: true,
  dom0IrqCycles: true,
} as const satisfies OptionKeys<XenOptions>;

/** dom0's program: take each forwarded line, handle it, notify the owner over its event channel. */
function* dom0Program(
  ctx: GuestContext,
  cycles: number,
): Generator<Operation, void, OperationResult> {
  const forward = ctx.caps["forward:irq"];
  for (;;) {
    const woke = yield { op: "wait" };
    const virqs = woke.ok ? (woke.value as readonly DeliveredVirq[]) : [];
    for (const virq of virqs) {
      if (!virq.name.startsWith("line:")) continue;
      yield { op: "compute", cycles };
      yield { op: "signal", cap: forward, flags: Number(virq.name.slice(5)) };
    }
  }
}

/**
 * The Xen profile.
 *
 * @param options Credit weights and caps per cell, tick and slice, dom0's IRQ cost.
 * @returns The profile.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { xen } from "./xen.ts";
 * import { HANDSET_COSTS } from "../cost_model.ts";
 * import assert from "node:assert/strict";
 * const profile = xen();
 * assert.equal(profile.irqPath, "driver-domain");
 * assert.equal(profile.costs(HANDSET_COSTS).hypercall.cycles, 800);
 * ```
 */
export function xen(options: XenOptions = {}): KernelProfile {
  checkOptionKeys(options, XEN_KEYS, { action: "Cannot create profiles.xen" });
  const dom0Cycles = options.dom0IrqCycles ?? DOM0_IRQ_CYCLES;
  return {
    kind: "kernel-profile",
    name: "xen",
    title: "Xen (credit scheduler, dom0 driver domain)",
    scheduling: "credit: weights and caps, 30 ms slices, 10 ms debit ticks, BOOST on wake",
    ipcModel: "event channels and grant copies; device I/O through dom0",
    irqPath: "driver-domain",
    donation: false,
    timeoutFaults: false,
    image: {
      bytes: 2 * 1024 * 1024,
      placement: "dram",
      source: "[S17] Xen on ARM about 2 MB (seed article; unverified)",
    },
    trusted: [
      {
        what: "Xen hypervisor",
        loc: 100_000,
        bytes: 2 * 1024 * 1024,
        source: "[S17] seed article: Xen about 100 kLoC, 2 MB on ARM [unverified]",
      },
      {
        what: "dom0 Linux",
        loc: 400_000,
        bytes: 14 * 1024 * 1024,
        source: "[S17] seed article: dom0 14 MB [unverified]; LoC E ('many 100s of kLoC')",
      },
    ],
    costs: (base: CostTable) =>
      scaleCosts(base, "xen", {
        hypercall: [10, E17],
        irqEntry: [2, E17],
        virqInjection: [3, E17],
        switchSameCell: [3, E17],
        switchCrossCellDirect: [5, E17],
        switchCrossCellIndirect: [3, E17],
        ipcShort: [10, E17],
        ipcSlowStep: [3, E17],
        mapPage: [4, E17],
        fault: [3, E17],
      }),
    policy: () => new CreditPolicy(options),
    install(kernel: Microvisor) {
      const dom0 = kernel.createCell({
        name: DOM0,
        image: { name: "dom0-linux", version: "1.0" },
        ramBytes: 14 * 1024 * 1024,
        vcpus: [{ priority: 255, program: (ctx) => dom0Program(ctx, dom0Cycles) }],
      });
      kernel.grant(dom0, "virq", { cell: dom0, virq: -1, forward: true }, {
        rights: ["signal"],
        name: "forward:irq",
      });
      kernel.routeIrqsThrough(dom0);
      kernel.start(dom0);
    },
  };
}
