/**
 * A running vCPU's next operation: the clock and compute need no kernel entry, memory
 * accesses go through its address space (a fault is a kernel path), and everything else is a
 * hypercall that decodes, then runs as a kernel path charged to the vCPU.
 *
 * @module
 */

import type { Operation, OperationResult } from "./abi.ts";
import { affords, throttle } from "./budget.ts";
import { path, type PathEffect } from "./dispatcher.ts";
import { guestRead, guestWrite } from "./guest_memory.ts";
import { BLOCKED } from "./_hypercall.ts";
import { decodeHypercall } from "./hypercalls.ts";
import { invariant } from "./invariant.ts";
import { type PathKind, pathKind } from "./_kernel_records.ts";
import type { CoreSlot, KernelState } from "./_kernel_state.ts";
import { halt, stop } from "./lifecycle.ts";
import type { Vcpu } from "./objects/vcpu.ts";

const COMPUTE_DONE: OperationResult = Object.freeze({
  ok: true,
  value: Object.freeze({ remainingCycles: 0, virqs: Object.freeze([]) }),
});

/**
 * Takes a running vCPU's next operation (or the one it must issue again) and carries it out.
 *
 * @param kernel The kernel.
 * @param core The vCPU's core.
 * @param vcpu The running vCPU.
 * @returns Whether to go on at once (no time passed).
 */
export function step(kernel: KernelState, core: CoreSlot, vcpu: Vcpu): boolean {
  let op = vcpu.pendingOp;
  if (op === undefined) {
    const program = vcpu.program;
    // The rare cases are other functions, which keeps this one small enough for the compiler
    // to inline into the dispatcher.
    if (program === undefined) return noProgram(vcpu);
    const next = program.next(vcpu.pendingResult);
    if (next.done) return exit(kernel, vcpu);
    op = next.value;
    vcpu.pendingOp = op;
  }
  switch (op.op) {
    case "clock":
      // The virtual counter is readable without trapping (as ARM's CNTVCT or a timer
      // register mapped into the guest): no kernel entry, no virtual time.
      vcpu.pendingOp = undefined;
      vcpu.pendingResult = { ok: true, value: kernel.engine.now };
      return true;
    case "compute":
      vcpu.pendingOp = undefined;
      if (!Number.isSafeInteger(op.cycles) || op.cycles < 0) {
        return badCompute(kernel, vcpu, op.cycles);
      }
      vcpu.computeRemaining = op.cycles;
      vcpu.computeInterruptible = true;
      vcpu.computeResult = COMPUTE_DONE;
      if (op.cycles === 0) vcpu.pendingResult = COMPUTE_DONE;
      return true;
    case "read":
    case "write":
      return memoryAccess(kernel, core, vcpu, op);
    default:
      return hypercall(kernel, core, vcpu, op);
  }
}

function noProgram(vcpu: Vcpu): boolean {
  invariant(false, `running vCPU ${vcpu.name} has a program`);
  return true;
}

/** A program that returned: its vCPU halts. */
function exit(kernel: KernelState, vcpu: Vcpu): boolean {
  kernel.emit("vcpu.exit", vcpu.cell.name, { vcpu: vcpu.name });
  halt(kernel, vcpu);
  return true;
}

function badCompute(kernel: KernelState, vcpu: Vcpu, cycles: number): boolean {
  vcpu.pendingResult = refuse(
    kernel,
    vcpu,
    "compute",
    invalid(`compute cycles ${cycles} is not a non-negative integer`),
  );
  return true;
}

function memoryAccess(
  kernel: KernelState,
  core: CoreSlot,
  vcpu: Vcpu,
  op: Extract<Operation, { op: "read" | "write" }>,
): boolean {
  vcpu.pendingOp = undefined;
  const length = op.op === "read" ? op.length : op.bytes?.length;
  if (!Number.isSafeInteger(length) || length < 0 || length > 1 << 20) {
    vcpu.pendingResult = refuse(
      kernel,
      vcpu,
      op.op,
      invalid(`memory ${op.op} length ${length} is not an integer in 0..1048576`),
    );
    return true;
  }
  if (!Number.isSafeInteger(op.address) || op.address < 0) {
    vcpu.pendingResult = refuse(
      kernel,
      vcpu,
      op.op,
      invalid(`memory ${op.op} address ${op.address} is not a non-negative integer`),
    );
    return true;
  }
  // A fault path is charged to the vCPU: it needs that budget before it touches memory.
  if (
    vcpu.sc !== undefined && !vcpu.sc.unlimited &&
    !vcpu.cell.space.translate(op.address, length, op.op).ok &&
    !affords(kernel, core, vcpu, kernel.costs.row.fault)
  ) {
    vcpu.pendingOp = op;
    throttle(kernel, core, vcpu);
    return true;
  }
  const result = op.op === "read"
    ? guestRead(kernel, vcpu.cell, op.address, op.length)
    : guestWrite(kernel, vcpu.cell, op.address, op.bytes);
  if (!result.ok) {
    if (vcpu.cell.faultPolicy === "stop") {
      const cell = vcpu.cell;
      return path(
        kernel,
        core,
        kernel.costs.row.fault,
        FAULT_PATH,
        () => stop(kernel, cell),
        undefined,
      );
    }
    return path(kernel, core, kernel.costs.row.fault, FAULT_PATH, () => {
      vcpu.pendingResult = result;
    }, vcpu);
  }
  const cycles = Math.ceil(length / 4) * kernel.costs.row.memoryWord;
  vcpu.computeResult = result;
  vcpu.computeInterruptible = false;
  vcpu.computeRemaining = cycles;
  if (cycles === 0) vcpu.pendingResult = result;
  return true;
}

function hypercall(kernel: KernelState, core: CoreSlot, vcpu: Vcpu, op: Operation): boolean {
  const decoded = decodeHypercall(kernel.microvisor, vcpu, op);
  if (!affords(kernel, core, vcpu, decoded.cycles)) {
    throttle(kernel, core, vcpu);
    return true;
  }
  vcpu.pendingOp = undefined;
  core.pathOp = op;
  core.pathCall = decoded;
  return path(kernel, core, decoded.cycles, hypercallPath(op.op), endHypercall, vcpu);
}

const FAULT_PATH = pathKind("fault");

/** The path kinds of hypercalls, by name, made as they are first seen. */
const hypercallPaths = new Map<string, PathKind>();

function hypercallPath(name: string): PathKind {
  let kind = hypercallPaths.get(name);
  if (kind === undefined) hypercallPaths.set(name, kind = pathKind(name));
  return kind;
}

/** A hypercall path's effect: the decoded call takes effect for the vCPU that made it. */
const endHypercall: PathEffect = (kernel, chargedTo, core) => {
  const vcpu = chargedTo!;
  const op = core.pathOp!;
  const decoded = core.pathCall!;
  core.pathOp = undefined;
  core.pathCall = undefined;
  if (vcpu.state !== "running") {
    // Stopped or suspended from another core during the path: the call has no effect; a
    // suspended vCPU issues it again when resumed.
    if (vcpu.blockedOn === "suspended") vcpu.pendingOp = op;
    return;
  }
  const result = decoded.invoke();
  if (result === BLOCKED) return;
  vcpu.pendingResult = refuse(kernel, vcpu, op.op, result);
};

/** Traces a failed operation as "hypercall.error"; returns the result unchanged. */
function refuse(
  kernel: KernelState,
  vcpu: Vcpu,
  call: string,
  result: OperationResult,
): OperationResult {
  if (!result.ok && kernel.trace.active) {
    kernel.emit("hypercall.error", vcpu.cell.name, {
      vcpu: vcpu.name,
      call,
      error: result.error.kind,
      cap: result.error.cap ?? -1,
    });
  }
  return result;
}

function invalid(message: string): OperationResult {
  return { ok: false, error: { kind: "InvalidArgument", message } };
}
