/**
 * Compute segments: a running vCPU's compute runs on its core as one engine event, limited by
 * its budget, its round-robin slice and the policy's run limit, and is accounted when it ends
 * or is interrupted.
 *
 * @module
 */

import { cyclesToNs, nsToCycles } from "../hw/time.ts";
import { run } from "./dispatcher.ts";
import { invariant } from "./invariant.ts";
import type { CoreSlot, KernelState } from "./_kernel_state.ts";
import { traceGuestRun } from "./_kernel_records.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/**
 * Starts a segment of a vCPU's remaining compute on its core.
 *
 * @param kernel The kernel.
 * @param core The core.
 * @param vcpu The running vCPU.
 */
export function startSegment(kernel: KernelState, core: CoreSlot, vcpu: Vcpu): void {
  const now = kernel.engine.now;
  const policy = kernel.policy;
  let limit = cyclesToNs(vcpu.computeRemaining, core.clockHz);
  let reason: CoreSlot["segmentReason"] = "compute";
  const sc = vcpu.sc;
  if (sc !== undefined && !sc.unlimited) {
    const available = sc.available(now);
    if (available < limit) {
      limit = available;
      reason = "budget";
    }
  }
  const sliceLeft = core.sliceEndsAt - now;
  if (sliceLeft < limit && policy.hasEqual(vcpu)) {
    limit = sliceLeft;
    reason = "slice";
  }
  if (kernel.policyHas.runLimitNs) {
    const policyLeft = policyLimit(kernel, vcpu, now, limit);
    if (policyLeft < limit) {
      limit = policyLeft;
      reason = "policy";
    }
  }
  core.zeroTimeOperations = 0;
  core.segmentStart = now;
  core.segmentReason = reason;
  core.segmentEndsAt = now + limit;
  kernel.engine.postLane(core.lane, limit, core.onSegmentEnd);
  core.inSegment = true;
}

/**
 * The run limit a policy that has one gives a vCPU now (checked when it would cut the
 * segment shorter than `limit`); kept apart from the common case.
 */
function policyLimit(kernel: KernelState, vcpu: Vcpu, now: number, limit: number): number {
  const policy = kernel.policy;
  const left = policy.runLimitNs!(vcpu, now);
  if (left < limit && !(left > 0)) {
    invariant(false, `policy ${policy.name} gives ${vcpu.name} a run limit > 0`);
  }
  return left;
}

/**
 * Ends a segment at its planned time and dispatches again.
 *
 * @param kernel The kernel.
 * @param core The core.
 */
export function onSegmentEnd(kernel: KernelState, core: CoreSlot): void {
  core.inSegment = false;
  const reason = core.segmentReason;
  endSegment(kernel, core, true);
  if (reason !== "compute") core.work[core.workCount++] = NOTHING;
  run(kernel, core);
}

/** Kernel work that does nothing: a timer interrupt taken only to decide again. */
const NOTHING = () => {};

/**
 * Accounts a segment that ended (`natural`) or is cut short now.
 *
 * @param kernel The kernel.
 * @param core The core.
 * @param natural Whether the segment's own event ended it.
 */
export function endSegment(kernel: KernelState, core: CoreSlot, natural: boolean): void {
  const vcpu = core.current!;
  if (!natural) cancelSegment(kernel, core);
  const start = core.segmentStart;
  const elapsed = kernel.engine.now - start;
  const done = natural && core.segmentReason === "compute"
    ? vcpu.computeRemaining
    : Math.min(vcpu.computeRemaining, nsToCycles(elapsed, core.clockHz));
  vcpu.computeRemaining -= done;
  if (vcpu.computeRemaining === 0) vcpu.pendingResult = vcpu.computeResult;
  vcpu.runNs += elapsed;
  if (vcpu.sc !== undefined) vcpu.sc.consume(start, elapsed);
  if (elapsed > 0 && kernel.policyHas.account) kernel.policy.account!(vcpu, elapsed);
  if (kernel.trace.active && elapsed > 0) {
    traceGuestRun(kernel.trace, core.index, vcpu, start, elapsed, kernel.engine.now);
  }
}

/** Cancels a segment's own end event (apart from `endSegment`, to keep it small). */
function cancelSegment(kernel: KernelState, core: CoreSlot): void {
  kernel.engine.clearLane(core.lane);
  core.inSegment = false;
}

/**
 * Reports the guest time of segments still running, as "cpu.run" records marked partial.
 *
 * @param kernel The kernel.
 */
export function settle(kernel: KernelState): void {
  if (!kernel.trace.active) return;
  for (const core of kernel.cores) {
    const vcpu = core.current;
    if (!core.inSegment || vcpu === undefined) continue;
    const start = core.segmentStart;
    const durationNs = kernel.engine.now - start;
    if (durationNs > 0) {
      kernel.emit("cpu.run", vcpu.cell.name, {
        core: core.index,
        vcpu: vcpu.name,
        start,
        durationNs,
        partial: true,
      });
    }
  }
}
