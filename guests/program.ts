/**
 * The guest programming model: typed helpers a guest program delegates to with `yield*`, one
 * per guest ABI operation, plus helpers for common shapes (periodic work, waiting for an IRQ).
 *
 * A guest program is a generator; `const r = yield* send(cap, bytes)` yields the operation to
 * its vCPU and returns the kernel's typed result.
 *
 * @example Usage
 * ```ts
 * import { compute, now, type Guest } from "./program.ts";
 * function* app(): Guest {
 *   yield* compute(1_000);
 *   const t = yield* now();
 *   if (t < 0) throw new Error("time runs forward");
 * }
 * app();
 * ```
 *
 * @module
 */

import type {
  CellAction,
  ComputeOutcome,
  DeliveredVirq,
  Operation,
  OperationResult,
  ReceivedMessage,
} from "../kernel/abi.ts";
import { CLOCK, computeOperation, outcomeOf, POLL, timeOf, virqsOf, WAIT } from "./_operations.ts";

/** A guest program's generator type. `T` is what the program returns. */
export type Guest<T = void> = Generator<Operation, T, OperationResult>;

/** Yields one operation and returns its result, typed. */
function* perform<T>(op: Operation): Guest<OperationResult<T>> {
  return (yield op) as OperationResult<T>;
}

/**
 * Runs preemptible work. With virtual interrupts enabled a vIRQ cuts it short; the outcome
 * then says how many cycles remain and which vIRQs arrived.
 *
 * @param cycles Work in core cycles.
 * @returns What happened.
 */
export function* compute(cycles: number): Guest<ComputeOutcome> {
  // Hot path: yield directly (no nested generator per call).
  return outcomeOf(yield computeOperation(cycles), cycles);
}

/**
 * Reads the cell's own memory through its address space.
 *
 * @param address Guest address.
 * @param length Bytes.
 * @returns The bytes, or a fault error.
 */
export function read(address: number, length: number): Guest<OperationResult<Uint8Array>> {
  return perform<Uint8Array>({ op: "read", address, length });
}

/**
 * Writes the cell's own memory through its address space.
 *
 * @param address Guest address.
 * @param bytes Data.
 * @returns Success or a fault error.
 */
export function write(address: number, bytes: Uint8Array): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "write", address, bytes });
}

/**
 * Sends on a channel (asynchronous; a full queue is an error).
 *
 * @param cap Channel send capability index.
 * @param bytes Payload.
 * @returns Success or the error.
 */
export function send(cap: number, bytes: Uint8Array): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "send", cap, bytes });
}

/**
 * Receives: from a channel (non-blocking: `undefined` when empty) or an endpoint (blocks for
 * a caller).
 *
 * @param cap Receive capability index.
 * @returns The message, `undefined`, or the error.
 */
export function receive(cap: number): Guest<OperationResult<ReceivedMessage | undefined>> {
  return perform<ReceivedMessage | undefined>({ op: "receive", cap });
}

/**
 * Calls an endpoint and blocks for the reply.
 *
 * @param cap Endpoint call capability index.
 * @param bytes Request.
 * @returns The reply or the error.
 */
export function call(cap: number, bytes: Uint8Array): Guest<OperationResult<ReceivedMessage>> {
  return perform<ReceivedMessage>({ op: "call", cap, bytes });
}

/**
 * Replies to the caller last received from.
 *
 * @param bytes Reply.
 * @returns Success or the error.
 */
export function reply(bytes: Uint8Array): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "reply", bytes });
}

/**
 * Blocks until a virtual IRQ is pending and returns the pending set.
 *
 * @returns The delivered vIRQs.
 */
export function* wait(): Guest<readonly DeliveredVirq[]> {
  return virqsOf(yield WAIT);
}

/**
 * Takes the pending vIRQs without blocking.
 *
 * @returns The delivered vIRQs (maybe none).
 */
export function* poll(): Guest<readonly DeliveredVirq[]> {
  return virqsOf(yield POLL);
}

/**
 * Raises a vIRQ in another cell through a signal capability.
 *
 * @param cap Signal capability index.
 * @param flags Flags to OR in.
 * @returns Success or the error.
 */
export function signal(cap: number, flags = 1): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "signal", cap, flags });
}

/**
 * Acknowledges a hardware IRQ the cell owns, unmasking its line.
 *
 * @param cap IRQ capability index.
 * @returns Success or the error.
 */
export function irqAck(cap: number): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "irqAck", cap });
}

/**
 * Sleeps for a duration of virtual time.
 *
 * @param durationNs Nanoseconds.
 * @returns When done.
 */
export function* sleep(durationNs: number): Guest<void> {
  const result = yield* perform<undefined>({ op: "sleep", durationNs: Math.round(durationNs) });
  if (!result.ok) throw new RangeError(`sleep(${durationNs}) failed: ${result.error.message}`);
}

/**
 * Programs the vCPU's periodic virtual timer (vIRQ "timer"); period 0 stops it.
 *
 * @param periodNs Period.
 * @param firstNs Delay to the first expiry; default one period.
 * @returns Success or the error.
 */
export function timer(periodNs: number, firstNs?: number): Guest<OperationResult<undefined>> {
  return perform<undefined>(
    firstNs === undefined ? { op: "timer", periodNs } : { op: "timer", periodNs, firstNs },
  );
}

/**
 * Arms the vCPU's virtual timer as a one-shot at an absolute time (vIRQ `timer`); at once if
 * that time has passed. Replaces any earlier setting.
 *
 * @param atNs The time, ns.
 * @returns Success, or an error for a negative time.
 *
 * @example Usage
 * ```ts
 * import { timerAt } from "./program.ts";
 * import assert from "node:assert/strict";
 * const op = timerAt(2_500_000).next().value;
 * assert.deepEqual(op, { op: "timerAt", atNs: 2_500_000 });
 * ```
 */
export function timerAt(atNs: number): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "timerAt", atNs });
}

/**
 * Enables or disables virtual interrupts cutting computes short (a guest's CPSR I bit).
 *
 * @param enabled Whether vIRQs interrupt compute.
 * @returns Success.
 */
export function interrupts(enabled: boolean): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "interrupts", enabled });
}

/**
 * Lowers the vCPU's current priority (an interrupt restores its base).
 *
 * @param priority 0..base.
 * @returns Success or the error.
 */
export function waive(priority: number): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "waive", priority });
}

/**
 * Gives the core to an equal-priority vCPU.
 *
 * @returns Success.
 */
export function yieldCore(): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "yield" });
}

/**
 * Reads the virtual time from the counter, without trapping into the kernel (no cost).
 *
 * @returns Nanoseconds since the start of the run.
 */
export function* now(): Guest<number> {
  return timeOf(yield CLOCK);
}

/**
 * Reads the virtual time through a hypercall (charged like any kernel entry); `now()` reads
 * the counter without trapping and is what guests normally use.
 *
 * @returns Nanoseconds since the start of the run.
 */
export function* nowByHypercall(): Guest<number> {
  const result = yield* perform<number>({ op: "now" });
  return result.ok ? result.value : -1;
}

/**
 * Derives a capability with fewer rights into the cell's own table.
 *
 * @param cap Source index.
 * @param rights Rights of the copy.
 * @returns The new index or the error.
 */
export function derive(cap: number, rights: readonly string[]): Guest<OperationResult<number>> {
  return perform<number>({ op: "derive", cap, rights });
}

/**
 * Revokes every capability derived from one.
 *
 * @param cap Index.
 * @returns How many were revoked, or the error.
 */
export function revoke(cap: number): Guest<OperationResult<number>> {
  return perform<number>({ op: "revoke", cap });
}

/**
 * Maps a shared section at a guest address.
 *
 * @param cap Section capability index.
 * @param address Page-aligned guest address above RAM.
 * @returns Success or the error.
 */
export function map(cap: number, address: number): Guest<OperationResult<undefined>> {
  return perform<undefined>({ op: "map", cap, address });
}

/**
 * Controls another cell's lifecycle through a cell capability.
 *
 * @param cap Cell capability index.
 * @param action The action.
 * @returns The action's result or the error.
 */
export function cellControl(cap: number, action: CellAction): Guest<OperationResult<unknown>> {
  return perform<unknown>({ op: "cellControl", cap, action });
}

/**
 * Atomically switches a service's channels and IRQ lines from one cell to another.
 *
 * @param fromCap Cell capability of the old instance (right "switch").
 * @param toCap Cell capability of the new instance (right "switch").
 * @returns What moved, or the error.
 */
export function cellSwitch(
  fromCap: number,
  toCap: number,
): Guest<OperationResult<{ channels: number; lines: number }>> {
  return perform<{ channels: number; lines: number }>({ op: "cellSwitch", cap: fromCap, toCap });
}

/**
 * Converts nanoseconds of work to cycles at a clock, rounding up.
 *
 * @param durationNs Nanoseconds.
 * @param clockHz The core clock.
 * @returns Cycles.
 *
 * @example Usage
 * ```ts
 * import { cyclesFor } from "./program.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cyclesFor(1_000, 532_000_000), 532);
 * ```
 */
export function cyclesFor(durationNs: number, clockHz: number): number {
  return Math.ceil((durationNs * clockHz) / 1e9 - 1e-9);
}

/**
 * Loops forever: wait for vIRQs, run a handler for each delivery.
 *
 * @param handler Called with each pending set.
 * @returns Never (the loop ends only when the cell stops).
 */
export function* serveInterrupts(
  handler: (virqs: readonly DeliveredVirq[]) => Guest<void>,
): Guest<void> {
  for (;;) {
    const virqs = yield* wait();
    yield* handler(virqs);
  }
}
