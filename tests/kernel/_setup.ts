// Shared setup for kernel tests: an engine, a board, a kernel, and a trace recorder.
import { Board } from "../../hw/board.ts";
import { boards } from "../../hw/boards.ts";
import { Engine } from "../../hw/engine.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import assert from "node:assert/strict";
import type { GuestErrorKind, OperationResult } from "../../kernel/abi.ts";
import type { CostTable } from "../../kernel/cost_model.ts";
import type { Cell, ProgramFactory } from "../../kernel/objects/cell.ts";
import { Microvisor } from "../../kernel/microvisor.ts";
import type { SchedulingPolicy } from "../../kernel/scheduler.ts";

export interface Rig {
  engine: Engine;
  board: Board;
  kernel: Microvisor;
  records: TraceRecord[];
  of(kind: string): TraceRecord[];
}

export function makeRig(
  options: {
    board?: "handset" | "automotive";
    clockHz?: number;
    costs?: CostTable;
    policy?: SchedulingPolicy;
    seed?: number;
  } = {},
): Rig {
  const engine = new Engine({ seed: options.seed ?? 1 });
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  const preset = options.board ?? "handset";
  const spec = options.clockHz === undefined
    ? boards[preset]()
    : boards[preset]({ clockHz: options.clockHz });
  const board = new Board(engine, spec);
  const kernel = new Microvisor(board, { costs: options.costs, policy: options.policy });
  return {
    engine,
    board,
    kernel,
    records,
    of: (kind) => records.filter((record) => record.kind === kind),
  };
}

/** Asserts an operation failed with `kind` and that the failure was traced for `call`. */
export function assertRefused(
  rig: Rig,
  result: OperationResult | undefined,
  kind: GuestErrorKind,
  call: string,
): void {
  assert.ok(result !== undefined, `no result for ${call}`);
  assert.equal(result.ok, false, `${call} should fail with ${kind}`);
  if (result.ok) return;
  assert.equal(result.error.kind, kind, result.error.message);
  assert.ok(result.error.message.length > 0);
  const traced = kind === "Fault"
    ? rig.of("fault").some((record) => record.address === result.error.address)
    : rig.of("hypercall.error").some((record) => record.call === call && record.error === kind);
  assert.ok(traced, `no trace record for ${call} ${kind}`);
}

/** The value of a successful result (fails the test otherwise). */
export function valueOf<T>(result: OperationResult | undefined): T {
  assert.ok(result !== undefined && result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.value as T;
}

/** A cell with one vCPU running `program`, started. */
export function startCell(
  rig: Rig,
  name: string,
  program: ProgramFactory,
  options: { priority?: number; ramBytes?: number; affinity?: number; start?: boolean } = {},
): Cell {
  const cell = rig.kernel.createCell({
    name,
    ramBytes: options.ramBytes ?? 16 * 4096,
    vcpus: [{ priority: options.priority ?? 100, affinity: options.affinity, program }],
  });
  if (options.start !== false) rig.kernel.start(cell);
  return cell;
}
