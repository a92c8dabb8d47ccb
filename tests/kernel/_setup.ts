// Shared setup for kernel tests: an engine, a board, a kernel, and a trace recorder.
import { Board } from "../../hw/board.ts";
import { boards } from "../../hw/boards.ts";
import { Engine } from "../../hw/engine.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { CostTable } from "../../kernel/cost_model.ts";
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
