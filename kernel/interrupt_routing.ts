/**
 * Interrupt routing: hardware lines owned by cells through IRQ capabilities, taken on a core
 * and turned into pending virtual IRQs (optionally through a driver domain first), delivered
 * to the guest by injection, and acknowledged by the owner.
 *
 * @module
 */

import { SPURIOUS_INTERRUPT } from "../hw/interrupt_controller.ts";
import type { DeliveredVirq } from "./abi.ts";
import { makeReady, notifyCore, path, setPriority } from "./dispatcher.ts";
import type { CoreSlot, IrqRoute, KernelState } from "./_kernel_state.ts";
import { pathKind, traceVirqDeliver, traceVirqPending } from "./_kernel_records.ts";
import { Capability } from "./objects/capability.ts";
import type { Cell } from "./objects/cell.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/**
 * Gives a cell ownership of a hardware IRQ line through an IRQ capability. A line has
 * exactly one owner.
 *
 * @param kernel The kernel.
 * @param cell The owner.
 * @param line The line number or the name of the device that raises it.
 * @param options The vCPU (default 0), the vIRQ and capability names (default the line's name).
 * @returns The capability index in the cell's table.
 * @throws {RangeError} If the line is unknown or already owned.
 */
export function grantIrq(
  kernel: KernelState,
  cell: Cell,
  line: number | string,
  options: { vcpu?: number; name?: string; standby?: boolean },
): number {
  const number = typeof line === "number" ? line : kernel.board.irqLine(line);
  const name = options.name ?? (typeof line === "string" ? line : `irq${number}`);
  const capability = new Capability("irq", { line: number }, ["ack"]);
  if (options.standby === true) {
    // A standby instance (FOTA) holds the capability now; the line is routed to it only by
    // an atomic switchService(), and acknowledging it before then is refused.
    cell.virq(name);
  } else {
    const existing = kernel.routes.get(number);
    if (existing !== undefined) {
      throw new RangeError(
        `Cannot give IRQ line ${number} to cell "${cell.name}": it is owned by cell "${existing.cell.name}"`,
      );
    }
    const vcpu = cell.vcpus[options.vcpu ?? 0];
    if (vcpu === undefined) {
      throw new RangeError(`Cannot give IRQ to cell "${cell.name}": no vCPU ${options.vcpu}`);
    }
    const route: IrqRoute = { cell, vcpu, virq: cell.virq(name), capability };
    kernel.routes.set(number, route);
    kernel.interrupts.setTarget(number, vcpu.affinity);
    kernel.interrupts.enable(number);
  }
  return cell.caps.insert(capability, `irq:${name}`);
}

/**
 * Delivers a hardware interrupt a driver domain took to the line's owner, keeping the time
 * the line was asserted.
 *
 * @param kernel The kernel.
 * @param line The line.
 * @returns Whether an interrupt of that line was waiting to be forwarded.
 */
export function forwardIrq(kernel: KernelState, line: number): boolean {
  const assertedAt = kernel.forwarded.get(line);
  const route = kernel.routes.get(line);
  if (assertedAt === undefined || route === undefined) return false;
  kernel.forwarded.delete(line);
  postVirqLine(kernel, route.vcpu, route.virq, 0, line, assertedAt);
  return true;
}

/**
 * Marks a virtual IRQ pending on a vCPU: edge count, flags OR-ed in. A vCPU waiting for
 * vIRQs wakes; a computing vCPU with virtual interrupts enabled is interrupted.
 *
 * @param kernel The kernel.
 * @param vcpu The target.
 * @param virq The vIRQ number in its cell.
 * @param options Flags, and the hardware line and its assertion time for latency.
 */
export function postVirq(
  kernel: KernelState,
  vcpu: Vcpu,
  virq: number,
  options: { flags?: number; line?: number; assertedAt?: number },
): void {
  postVirqLine(
    kernel,
    vcpu,
    virq,
    options.flags ?? 0,
    options.line ?? -1,
    options.assertedAt ?? -1,
  );
}

/**
 * {@linkcode postVirq} with its options as arguments (the kernel's own calls allocate no
 * options object).
 *
 * @param kernel The kernel.
 * @param vcpu The target.
 * @param virq The vIRQ number in its cell.
 * @param flags Flags to OR in (0: none).
 * @param line The hardware line, or -1 for a software vIRQ.
 * @param assertedAt When the line was asserted, or -1.
 */
export function postVirqLine(
  kernel: KernelState,
  vcpu: Vcpu,
  virq: number,
  flags: number,
  line: number,
  assertedAt: number,
): void {
  if (vcpu.state === "halted") return;
  vcpu.virqs.post(virq, flags, line, assertedAt);
  if (line >= 0) {
    // An interrupt targeted at a vCPU restores its base priority (OKL4 semantics).
    if (vcpu.priority !== vcpu.basePriority) setPriority(kernel, vcpu, vcpu.basePriority);
  }
  if (kernel.trace.active) traceVirqPending(kernel.trace, vcpu, virq, line, kernel.engine.now);
  if (vcpu.state === "blocked" && vcpu.blockedOn === "wait") {
    vcpu.injectPending = true;
    makeReady(kernel, vcpu);
  } else if (vcpu.state === "running" && vcpu.virqInterrupts) {
    notifyCore(kernel, vcpu.affinity);
  }
}

/**
 * Drains a vCPU's pending vIRQs into delivery records (no latency record).
 *
 * @param vcpu The vCPU.
 * @returns The delivered vIRQs.
 */
export function drainVirqs(vcpu: Vcpu): DeliveredVirq[] {
  return take(undefined, vcpu);
}

/**
 * Empties a vCPU's pending vIRQs into fresh delivery records, in the order they became
 * pending; with a kernel whose trace is on, each hardware one is traced with its latency.
 */
function take(kernel: KernelState | undefined, vcpu: Vcpu): DeliveredVirq[] {
  const pending = vcpu.virqs;
  const size = pending.size;
  // Usually one vIRQ is pending: a list made whole for it holds one slot, where pushing onto an
  // empty list would reserve seventeen (each injection's list is the guest's to keep).
  const virqs: DeliveredVirq[] = size === 1 ? [delivered(vcpu, 0)] : [];
  const traced = kernel !== undefined && kernel.trace.active;
  for (let index = 0; index < size; index++) {
    if (size > 1) virqs.push(delivered(vcpu, index));
    const state = pending.stateAt(index);
    if (traced && state.line >= 0) {
      const virq = pending.numberAt(index);
      const name = vcpu.cell.virqName(virq);
      traceVirqDeliver(
        kernel.trace,
        vcpu,
        virq,
        name,
        state.line,
        state.assertedAt,
        kernel.engine.now,
      );
    }
  }
  pending.clear();
  return virqs;
}

/** The delivery record of a vCPU's pending vIRQ at an index. */
function delivered(vcpu: Vcpu, index: number): DeliveredVirq {
  const pending = vcpu.virqs;
  const virq = pending.numberAt(index);
  const state = pending.stateAt(index);
  return { virq, name: vcpu.cell.virqName(virq), count: state.count, flags: state.flags };
}

/**
 * Acknowledges a hardware line for its owner: re-enables it at the controller.
 *
 * @param kernel The kernel.
 * @param line The line.
 * @param cell The acknowledging cell; refused unless the line is routed to it.
 * @returns Whether the line was acknowledged.
 */
export function ackLine(kernel: KernelState, line: number, cell: Cell | undefined): boolean {
  if (cell !== undefined && kernel.routes.get(line)?.cell !== cell) return false;
  kernel.interrupts.enable(line);
  return true;
}

const IRQ_PATH = pathKind("irq");

/**
 * Takes the highest deliverable hardware interrupt of a core: a kernel path that masks the
 * line and makes it pending as a vIRQ in its owner (or its driver domain).
 *
 * @param kernel The kernel.
 * @param core The core.
 * @returns Whether to go on at once (no time passed).
 */
export function takeIrq(kernel: KernelState, core: CoreSlot): boolean {
  const line = kernel.interrupts.acknowledge(core.index);
  if (line === SPURIOUS_INTERRUPT) return true;
  const assertedAt = kernel.interrupts.assertedAt(line, core.index);
  return path(kernel, core, kernel.costs.row.irqEntry, IRQ_PATH, () => {
    // The line stays masked until its owner acknowledges it (level lines would storm).
    kernel.interrupts.disable(line);
    kernel.interrupts.endOfInterrupt(core.index, line);
    const route = kernel.routes.get(line);
    if (route === undefined) {
      kernel.emit("irq.unowned", "kernel", { line });
      return;
    }
    const via = kernel.irqVia;
    if (via !== undefined && via !== route.cell && via.state === "running") {
      kernel.forwarded.set(line, assertedAt);
      postVirqLine(kernel, via.vcpus[0], via.virq(`line:${line}`), 1, -1, -1);
      return;
    }
    postVirqLine(kernel, route.vcpu, route.virq, 0, line, assertedAt);
  }, undefined);
}

/**
 * Injects a vCPU's pending vIRQs: they become its pending operation's result (an interrupted
 * compute returns its remaining cycles with them), and each hardware one is traced with its
 * latency.
 *
 * @param kernel The kernel.
 * @param vcpu The vCPU.
 */
export function deliver(kernel: KernelState, vcpu: Vcpu): void {
  const virqs = take(kernel, vcpu);
  vcpu.injectPending = false;
  if (vcpu.computeRemaining > 0 && vcpu.computeInterruptible) {
    vcpu.pendingResult = { ok: true, value: { remainingCycles: vcpu.computeRemaining, virqs } };
    vcpu.computeRemaining = 0;
  } else {
    vcpu.pendingResult = { ok: true, value: virqs };
  }
}
