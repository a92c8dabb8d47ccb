/**
 * Budgets: what kernel paths charge a budgeted vCPU, what happens when its scheduling context
 * is exhausted, and scheduling-context donation from a caller to the server of its call.
 *
 * @module
 */

import { cyclesToNs } from "../hw/time.ts";
import { makeReady, setPriority, timer } from "./dispatcher.ts";
import { invariant } from "./invariant.ts";
import type { CoreSlot, KernelState } from "./_kernel_state.ts";
import type { SchedulingContext } from "./objects/scheduling_context.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/**
 * What a kernel path of `durationNs` charges a budgeted vCPU: all of it, but never more than the
 * whole budget (a longer path waits for the full budget and takes all of it; the rest is kernel
 * time charged to no one).
 *
 * @param sc The vCPU's scheduling context.
 * @param durationNs The path's duration.
 * @returns The nanoseconds charged.
 */
export function chargeNs(sc: SchedulingContext, durationNs: number): number {
  return Math.min(durationNs, sc.budgetNs);
}

/**
 * Whether a budgeted vCPU has the budget a kernel path of `cycles` charges it now.
 *
 * @param kernel The kernel.
 * @param core The vCPU's core.
 * @param vcpu The vCPU.
 * @param cycles The path's cost.
 * @returns Whether it can pay.
 */
export function affords(kernel: KernelState, core: CoreSlot, vcpu: Vcpu, cycles: number): boolean {
  const sc = vcpu.sc;
  if (sc === undefined || sc.unlimited) return true;
  const needed = chargeNs(sc, cyclesToNs(cycles, core.clockHz));
  return needed === 0 || sc.available(kernel.engine.now) >= needed;
}

/**
 * Handles an exhausted scheduling context: a timeout fault for a server on a donated budget
 * (when enabled), else the vCPU blocks until its next refill.
 *
 * @param kernel The kernel.
 * @param core The vCPU's core.
 * @param vcpu The running vCPU.
 */
export function throttle(kernel: KernelState, core: CoreSlot, vcpu: Vcpu): void {
  const sc = vcpu.sc!;
  sc.exhaustions++;
  const donor = vcpu.donor;
  if (donor !== undefined && kernel.timeoutFaults) {
    // A timeout fault: the call is aborted and the server goes on with its own context.
    if (kernel.trace.active) {
      kernel.emit("sc.timeout", vcpu.cell.name, { vcpu: vcpu.name, caller: donor.name });
    }
    vcpu.replyTo = undefined;
    returnDonation(kernel, vcpu);
    if (donor.state === "blocked" && donor.blockedOn === "reply") {
      makeReady(kernel, donor, {
        ok: false,
        error: {
          kind: "Timeout",
          message: `${vcpu.name} exhausted the budget ${donor.name} donated before replying`,
        },
      });
    }
    return;
  }
  vcpu.state = "blocked";
  vcpu.blockedOn = "budget";
  core.current = undefined;
  const at = sc.nextRefillAt(kernel.engine.now);
  invariant(
    at !== undefined,
    `an exhausted scheduling context of ${vcpu.name} has a future refill`,
  );
  if (kernel.trace.active) {
    kernel.emit("budget.exhausted", vcpu.cell.name, { vcpu: vcpu.name, refillAt: at });
  }
  vcpu.wakeHandle = timer(kernel, vcpu.affinity, at, () => {
    vcpu.wakeHandle = -1;
    if (vcpu.state === "blocked" && vcpu.blockedOn === "budget") makeReady(kernel, vcpu);
  });
}

/**
 * Donates a caller's scheduling context and priority to the server that takes its call
 * (when the kernel donates; otherwise nothing happens). The server's own are kept.
 *
 * @param kernel The kernel.
 * @param server The vCPU receiving the call.
 * @param caller The calling vCPU.
 */
export function donate(kernel: KernelState, server: Vcpu, caller: Vcpu): void {
  if (!kernel.donation || server.donor !== undefined) return;
  server.donor = caller;
  server.ownSc = server.sc;
  server.ownPriority = server.priority;
  server.sc = caller.sc;
  if (kernel.trace.active) {
    kernel.emit("sc.donate", server.cell.name, {
      vcpu: server.name,
      from: caller.name,
      priority: caller.priority,
    });
  }
  if (server.priority !== caller.priority) setPriority(kernel, server, caller.priority);
}

/**
 * Returns a donated scheduling context and priority (at reply, fault or halt).
 *
 * @param kernel The kernel.
 * @param server The serving vCPU.
 */
export function returnDonation(kernel: KernelState, server: Vcpu): void {
  const donor = server.donor;
  if (donor === undefined) return;
  server.donor = undefined;
  server.sc = server.ownSc;
  server.ownSc = undefined;
  const priority = server.ownPriority;
  server.ownPriority = -1;
  if (kernel.trace.active) {
    kernel.emit("sc.return", server.cell.name, { vcpu: server.name, to: donor.name });
  }
  if (server.state !== "halted" && server.priority !== priority) {
    setPriority(kernel, server, priority);
  }
}
