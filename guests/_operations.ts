// Operations and result readers for guests' hot loops: a loop that yields an operation
// directly (`timeOf(yield CLOCK)`) saves the generator that `yield* now()` creates per call.
// Each reader gives exactly what the matching helper in program.ts returns.

import type { ComputeOutcome, DeliveredVirq, Operation, OperationResult } from "../kernel/abi.ts";

/** What `wait()` yields. */
export const WAIT: Operation = Object.freeze({ op: "wait" });
/** What `poll()` yields. */
export const POLL: Operation = Object.freeze({ op: "poll" });
/** What `now()` yields. */
export const CLOCK: Operation = Object.freeze({ op: "clock" });

/** What `interrupts(true)` yields. */
export const INTERRUPTS_ON: Operation = Object.freeze({ op: "interrupts", enabled: true });
/** What `interrupts(false)` yields. */
export const INTERRUPTS_OFF: Operation = Object.freeze({ op: "interrupts", enabled: false });

/** What `compute(cycles)` yields. */
export function computeOperation(cycles: number): Operation {
  return { op: "compute", cycles: Math.ceil(cycles) };
}

/** The time a `CLOCK` operation returned, as `now()` returns it. */
export function timeOf(result: OperationResult): number {
  return result.ok ? result.value as number : -1;
}

/** The vIRQs a `WAIT` or `POLL` operation returned, as `wait()` and `poll()` return them. */
export function virqsOf(result: OperationResult): readonly DeliveredVirq[] {
  return result.ok ? result.value as readonly DeliveredVirq[] : [];
}

/**
 * What a compute operation of `cycles` returned, as `compute(cycles)` returns it.
 *
 * @throws {RangeError} If the kernel refused the compute.
 */
export function outcomeOf(result: OperationResult, cycles: number): ComputeOutcome {
  if (!result.ok) throw new RangeError(`compute(${cycles}) failed: ${result.error.message}`);
  return (result.value as ComputeOutcome | undefined) ?? { remainingCycles: 0, virqs: [] };
}
