/**
 * The per-core dispatcher: on each core, take kernel work and interrupts, pick the vCPU the
 * policy wants, inject its vIRQs, run its compute as a segment or step its next operation, and
 * run every kernel path for its cost in cycles.
 *
 * @module
 */

import { cyclesToNs } from "../hw/time.ts";
import type { OperationResult } from "./abi.ts";
import { affords, chargeNs, throttle } from "./budget.ts";
import { deliver, takeIrq } from "./interrupt_routing.ts";
import type { CoreSlot, KernelState } from "./_kernel_state.ts";
import {
  type PathKind,
  pathKind,
  traceKernelPath,
  tracePreempt,
  traceSwitch,
} from "./_kernel_records.ts";
import type { SchedulingContext } from "./objects/scheduling_context.ts";
import type { BlockReason, Vcpu } from "./objects/vcpu.ts";
import { step } from "./operations.ts";
import type { PolicyHost } from "./scheduler.ts";
import { endSegment, startSegment } from "./segments.ts";

/**
 * Connects each core to its interrupt controller output and gives the policy its host.
 *
 * @param kernel The kernel.
 */
export function attachCores(kernel: KernelState): void {
  for (const core of kernel.cores) {
    kernel.interrupts.connect(core.index, () => {
      core.irqSignalled = true;
      kick(kernel, core);
    });
  }
  kernel.policy.attach?.(policyHost(kernel));
}

function policyHost(kernel: KernelState): PolicyHost {
  return {
    now: () => kernel.engine.now,
    requestDecision: (core, at, work) => {
      timer(kernel, core, Math.max(at, kernel.engine.now), work ?? (() => {}));
    },
    running: (core) => {
      const current = kernel.cores[core].current;
      return current?.state === "running" ? current : undefined;
    },
    unaccountedNs: (vcpu) => {
      const core = kernel.cores[vcpu.affinity];
      return core.current === vcpu && core.inSegment ? kernel.engine.now - core.segmentStart : 0;
    },
    emit: (kind, fields) => kernel.emit(kind, "kernel", fields),
  };
}

/**
 * Makes a vCPU ready and lets its core reconsider, through an IPI from another core.
 *
 * @param kernel The kernel.
 * @param vcpu The vCPU.
 * @param result The result its pending operation returns.
 */
export function makeReady(kernel: KernelState, vcpu: Vcpu, result?: OperationResult): void {
  if (result !== undefined) vcpu.pendingResult = result;
  if (vcpu.wakeHandle >= 0) {
    kernel.engine.cancel(vcpu.wakeHandle);
    vcpu.wakeHandle = -1;
  }
  vcpu.queuedOn = undefined;
  if (vcpu.cell.state === "suspended") {
    // A wake-up in a suspended cell is kept for resume; the vCPU must not run before it.
    block(vcpu, "suspended");
    return;
  }
  if (kernel.policyHas.wake) kernel.policy.wake!(vcpu);
  vcpu.state = "ready";
  vcpu.blockedOn = "none";
  kernel.policy.enqueue(vcpu, false);
  notifyCore(kernel, vcpu.affinity);
}

/**
 * Blocks the running vCPU.
 *
 * @param vcpu The vCPU.
 * @param reason Why.
 */
export function block(vcpu: Vcpu, reason: BlockReason): void {
  vcpu.state = "blocked";
  vcpu.blockedOn = reason;
}

/**
 * Sets a vCPU's current priority and lets its core reconsider.
 *
 * @param kernel The kernel.
 * @param vcpu The vCPU.
 * @param priority 0..base.
 */
export function setPriority(kernel: KernelState, vcpu: Vcpu, priority: number): void {
  if (vcpu.state === "ready") {
    kernel.policy.remove(vcpu);
    vcpu.priority = priority;
    kernel.policy.enqueue(vcpu, false);
  } else {
    vcpu.priority = priority;
  }
  notifyCore(kernel, vcpu.affinity);
}

/**
 * Arms a kernel timer that runs kernel work on a core, charged as a timer interrupt.
 *
 * @param kernel The kernel.
 * @param core The core.
 * @param at When.
 * @param work What to do.
 * @returns The event handle.
 */
export function timer(kernel: KernelState, core: number, at: number, work: () => void): number {
  const slot = kernel.cores[core];
  // The event's callback depends only on the core and the work, so the core keeps the last
  // one it made: a periodic timer, which passes the same work at every expiry, makes one.
  let callback = slot.timerCallback;
  if (slot.timerWork !== work || callback === undefined) {
    callback = () => timerFired(kernel, core, work);
    slot.timerWork = work;
    slot.timerCallback = callback;
  }
  return kernel.engine.schedule(at, callback);
}

/**
 * Runs a kernel timer's work on a core now, as the timer interrupt of an expiry that is due
 * at this instant (what a timer armed by {@linkcode timer} does when its event comes).
 *
 * @param kernel The kernel.
 * @param core The core.
 * @param work What to do.
 */
export function timerFired(kernel: KernelState, core: number, work: () => void): void {
  const slot = kernel.cores[core];
  slot.work[slot.workCount++] = work;
  kick(kernel, slot);
}

/**
 * Takes a vCPU off its core if it is running there, accounting its partial segment.
 *
 * @param kernel The kernel.
 * @param vcpu The vCPU.
 */
export function leaveCore(kernel: KernelState, vcpu: Vcpu): void {
  const core = kernel.cores[vcpu.affinity];
  if (core.current !== vcpu) return;
  if (core.inSegment) endSegment(kernel, core, false);
  core.current = undefined;
  notifyCore(kernel, core.index);
}

/**
 * Lets a core reconsider: at once from itself or outside a kernel path, else by an IPI.
 *
 * @param kernel The kernel.
 * @param core The core's index.
 */
export function notifyCore(kernel: KernelState, core: number): void {
  const slot = kernel.cores[core];
  const from = kernel.activeCore;
  const ipiCycles = kernel.costs.row.ipi;
  if (from >= 0 && from !== core && ipiCycles > 0) {
    slot.ipisInFlight++;
    kernel.engine.after(cyclesToNs(ipiCycles, slot.clockHz), () => {
      slot.ipisInFlight--;
      kick(kernel, slot);
    });
  } else {
    kick(kernel, slot);
  }
}

function kick(kernel: KernelState, core: CoreSlot): void {
  if (core.inRun || core.busy) return;
  if (core.inSegment) {
    if (!shouldInterrupt(kernel, core)) return;
    endSegment(kernel, core, false);
  }
  run(kernel, core);
}

function shouldInterrupt(kernel: KernelState, core: CoreSlot): boolean {
  if (core.workCount > 0 || irqDeliverable(kernel, core)) return true;
  const current = core.current!;
  if (wantsInjection(current)) return true;
  const policy = kernel.policy;
  const best = policy.peek(core.index);
  if (best === undefined) return false;
  if (policy.preempts(best, current)) return true;
  // An equal became ready after this segment was planned without a slice limit: re-plan it
  // so the round-robin slice holds.
  if (core.segmentEndsAt > core.sliceEndsAt && policy.hasEqual(current)) return true;
  // Likewise for a policy's own run limit (a fair share's slice shrinks as vCPUs arrive).
  if (!kernel.policyHas.runLimitNs) return false;
  const limit = policy.runLimitNs!(current, kernel.engine.now);
  return core.segmentEndsAt > kernel.engine.now + limit;
}

/**
 * Whether the core's interrupt controller has a deliverable line for it. The controller
 * signals the core's input whenever a line becomes deliverable, so the controller is asked
 * only after a signal, until it answers no (most dispatch steps ask nothing).
 */
function irqDeliverable(kernel: KernelState, core: CoreSlot): boolean {
  if (!core.irqSignalled) return false;
  if (kernel.interrupts.hasDeliverable(core.index)) return true;
  core.irqSignalled = false;
  return false;
}

function wantsInjection(vcpu: Vcpu): boolean {
  return vcpu.injectPending ||
    (vcpu.virqInterrupts && vcpu.computeInterruptible && vcpu.computeRemaining > 0 &&
      vcpu.virqs.size > 0);
}

/**
 * Dispatches on a free core until time must pass.
 *
 * @param kernel The kernel.
 * @param core The core.
 */
export function run(kernel: KernelState, core: CoreSlot): void {
  if (core.busy || core.inRun || core.inSegment) return;
  stretch(kernel, core, undefined, undefined);
}

/**
 * One stretch of kernel activity on a core: a path's effect, if any, then dispatching until
 * time must pass. An effect that occupies the core (starts a segment or a path) ends it.
 */
function stretch(
  kernel: KernelState,
  core: CoreSlot,
  effect: PathEffect | undefined,
  chargeTo: Vcpu | undefined,
): void {
  core.inRun = true;
  const previous = kernel.activeCore;
  kernel.activeCore = core.index;
  try {
    if (effect !== undefined) effect(kernel, chargeTo, core);
    if (!core.busy && !core.inSegment) { while (dispatchOnce(kernel, core)); }
  } finally {
    core.inRun = false;
    kernel.activeCore = previous;
  }
}

/** Does one thing on a free core; returns whether to go on at once (no time passed). */
function dispatchOnce(kernel: KernelState, core: CoreSlot): boolean {
  const policy = kernel.policy;
  const count = core.workCount;
  if (count > 0) {
    // Taken from the front without `shift` or `pop`, which would trim the array's storage for
    // the next item to allocate again (usually one item is queued).
    const queued = core.work;
    const work = queued[0]!;
    for (let index = 1; index < count; index++) queued[index - 1] = queued[index];
    queued[count - 1] = undefined;
    core.workCount = count - 1;
    return path(kernel, core, kernel.costs.row.irqEntry, TIMER_PATH, work, undefined);
  }
  if (irqDeliverable(kernel, core)) return takeIrq(kernel, core);
  let current = core.current;
  if (current !== undefined && current.state !== "running") {
    core.current = current = undefined;
  }
  if (current !== undefined && kernel.policyHas.mayRun && !policy.mayRun!(current)) {
    current.state = "ready";
    policy.enqueue(current, true);
    core.current = undefined;
    if (kernel.trace.active) {
      kernel.emit("vcpu.preempt", current.cell.name, { vcpu: current.name, by: "policy" });
    }
    current = undefined;
  }
  const best = policy.peek(core.index);
  if (best !== undefined && (current === undefined || policy.preempts(best, current))) {
    if (current !== undefined) {
      current.state = "ready";
      // A preempted vCPU keeps the rest of its round-robin slice (it goes back to the head of
      // its level); otherwise frequent preemption would restart its slice forever and starve
      // its equals. One preempted just as its slice ran out has no rest: its turn is over, and
      // it goes to the back, as it would had its slice ended a moment earlier.
      const left = core.sliceEndsAt - kernel.engine.now;
      current.sliceLeftNs = left > 0 ? left : -1;
      policy.enqueue(current, left > 0);
      if (kernel.trace.active) tracePreempt(kernel.trace, current, best, kernel.engine.now);
    }
    policy.remove(best);
    return switchTo(kernel, core, best);
  }
  if (current === undefined) {
    if (!core.idle) {
      core.idle = true;
      if (kernel.trace.active) kernel.emit("core.idle", "kernel", { core: core.index });
    }
    return false;
  }
  const now = kernel.engine.now;
  if (core.sliceEndsAt <= now) {
    if (policy.hasEqual(current)) {
      current.state = "ready";
      policy.enqueue(current, false);
      core.current = undefined;
      return true;
    }
    core.sliceEndsAt = now + policy.sliceNs;
  }
  const sc = current.sc;
  if (sc !== undefined && !sc.unlimited && sc.available(now) <= 0) {
    throttle(kernel, core, current);
    return true;
  }
  if (wantsInjection(current)) {
    if (!affords(kernel, core, current, kernel.costs.row.virqInjection)) {
      throttle(kernel, core, current);
      return true;
    }
    return path(kernel, core, kernel.costs.row.virqInjection, INJECT_PATH, inject, current);
  }
  if (current.computeRemaining > 0) {
    startSegment(kernel, core, current);
    return false;
  }
  if (++core.zeroTimeOperations > kernel.zeroTimeMax) {
    throw new RangeError(
      `vCPU "${current.name}" made ${kernel.zeroTimeMax} operations without virtual time passing ` +
        `at ${now} ns: a guest livelock (use a non-zero cost model or compute between operations)`,
    );
  }
  return step(kernel, core, current);
}

const TIMER_PATH = pathKind("timer");
const INJECT_PATH = pathKind("inject");
const SWITCH_PATH = pathKind("switch");

/** The injection path's effect: the charged vCPU takes its pending vIRQs. */
const inject: PathEffect = (kernel, vcpu) => deliver(kernel, vcpu!);

function switchTo(kernel: KernelState, core: CoreSlot, next: Vcpu): boolean {
  const sameCell = core.lastCell === next.cell;
  core.current = next;
  core.idle = false;
  next.state = "running";
  core.lastCell = next.cell;
  const left = next.sliceLeftNs;
  next.sliceLeftNs = -1;
  core.sliceEndsAt = kernel.engine.now + (left > 0 ? left : kernel.policy.sliceNs);
  if (kernel.trace.active) {
    traceSwitch(kernel.trace, core.index, next, sameCell, kernel.engine.now);
  }
  return path(kernel, core, kernel.costs.switchCycles(sameCell), SWITCH_PATH, undefined, undefined);
}

/**
 * What a kernel path does at its end; it gets the kernel and the vCPU the path is charged to
 * (so a path's effect can be a shared function rather than a fresh closure).
 */
export type PathEffect = (kernel: KernelState, chargedTo: Vcpu | undefined, core: CoreSlot) => void;

/**
 * Runs a kernel path of `cycles` on a core; the effect applies at its end. The path's state
 * lives in the core's slot (a core runs one path at a time), so starting one allocates nothing.
 *
 * @param kernel The kernel.
 * @param core The core.
 * @param cycles The path's cost.
 * @param kind The path's name in traces (made once with `pathKind`).
 * @param effect What it does at its end.
 * @param chargeTo The vCPU whose budget pays for it, if any.
 * @returns Whether the path took no time (the caller goes on); false if an event was scheduled.
 */
export function path(
  kernel: KernelState,
  core: CoreSlot,
  cycles: number,
  kind: PathKind,
  effect: PathEffect | undefined,
  chargeTo: Vcpu | undefined,
): boolean {
  const duration = cyclesToNs(cycles, core.clockHz);
  if (duration === 0) return instantPath(kernel, core, effect, chargeTo);
  core.zeroTimeOperations = 0;
  core.busy = true;
  core.pathKind = kind;
  core.pathStart = kernel.engine.now;
  core.pathDurationNs = duration;
  core.pathEffect = effect;
  core.pathChargeTo = chargeTo;
  if (chargeTo === undefined) {
    core.pathSc = undefined;
    core.pathChargedNs = 0;
  } else chargePath(core, chargeTo.sc, duration);
  kernel.engine.postLane(core.lane, duration, core.onPathEnd);
  return false;
}

/** A path of no time (a zero-cost model): its effect applies at once. */
function instantPath(
  kernel: KernelState,
  core: CoreSlot,
  effect: PathEffect | undefined,
  chargeTo: Vcpu | undefined,
): boolean {
  effect?.(kernel, chargeTo, core);
  return true;
}

/** Notes what a path charged to a vCPU takes from its scheduling context, if limited. */
function chargePath(core: CoreSlot, sc: SchedulingContext | undefined, duration: number): void {
  core.pathSc = sc;
  core.pathChargedNs = sc === undefined || sc.unlimited ? 0 : chargeNs(sc, duration);
}

/**
 * Ends the kernel path in progress on a core: accounts and traces it, applies its effect and
 * dispatches again.
 *
 * @param kernel The kernel.
 * @param core The core.
 */
export function onPathEnd(kernel: KernelState, core: CoreSlot): void {
  const duration = core.pathDurationNs;
  const start = core.pathStart;
  const chargeTo = core.pathChargeTo;
  const chargedNs = core.pathChargedNs;
  const effect = core.pathEffect;
  core.pathEffect = undefined;
  core.pathChargeTo = undefined;
  core.busy = false;
  kernel.kernelNs[core.index] += duration;
  if (chargedNs > 0) core.pathSc!.consume(start, chargedNs);
  core.pathSc = undefined;
  if (kernel.trace.active) {
    const time = kernel.engine.now;
    traceKernelPath(
      kernel.trace,
      core.index,
      core.pathKind,
      start,
      duration,
      time,
      chargeTo,
      chargedNs,
    );
  }
  stretch(kernel, core, effect, chargeTo);
}
