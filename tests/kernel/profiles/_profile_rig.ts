// Shared setup for profile tests: a handset board at 1 GHz (a cycle is a nanosecond), a kernel
// booted from a profile over the zero cost table, and a trace recorder.
import { Board } from "../../../hw/board.ts";
import { boards } from "../../../hw/boards.ts";
import { Engine } from "../../../hw/engine.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { type CostTable, ZERO_COSTS } from "../../../kernel/cost_model.ts";
import type { Microvisor } from "../../../kernel/microvisor.ts";
import type { Cell, ProgramFactory } from "../../../kernel/objects/cell.ts";
import { bootKernel, type KernelProfile } from "../../../kernel/profiles/profile.ts";

export interface ProfileRig {
  engine: Engine;
  board: Board;
  kernel: Microvisor;
  of(kind: string): TraceRecord[];
  cell(name: string, program: ProgramFactory, options?: CellExtras): Cell;
}

export interface CellExtras {
  priority?: number;
  budgetNs?: number;
  periodNs?: number;
}

export function profileRig(
  profile: KernelProfile,
  options: { costs?: CostTable; cells: readonly string[] },
): ProfileRig {
  const engine = new Engine({ seed: 1 });
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  const board = new Board(engine, boards.handset({ clockHz: 1_000_000_000 }));
  const kernel = bootKernel(board, profile, {
    costs: options.costs ?? ZERO_COSTS,
    cells: options.cells,
  });
  return {
    engine,
    board,
    kernel,
    of: (kind) => records.filter((record) => record.kind === kind),
    cell: (name, program, extras = {}) =>
      kernel.createCell({
        name,
        ramBytes: 16 * 4096,
        vcpus: [{
          priority: extras.priority ?? 100,
          program,
          ...(extras.budgetNs === undefined ? {} : { budgetNs: extras.budgetNs }),
          ...(extras.periodNs === undefined ? {} : { periodNs: extras.periodNs }),
        }],
      }),
  };
}

/** A program that computes forever. */
export const hog: ProgramFactory = function* () {
  for (;;) yield { op: "compute", cycles: 1_000_000_000 };
};

/** Guest run slices of a cell as [start, duration]. */
export function runs(rig: ProfileRig, cell: string): [number, number][] {
  return rig.of("cpu.run").filter((r) => r.source === cell).map((r) => [
    Number(r.start),
    Number(r.durationNs),
  ]);
}
