// Shared setup for guest tests: a board and kernel, and a minimal loader for guest recipes that
// follows the capability naming conventions of guests/recipe.ts (the scenario builder in rigs/
// does the same, with more checks).
import { Board } from "../../hw/board.ts";
import { boards, type BoardSpec } from "../../hw/mod.ts";
import { Engine } from "../../hw/engine.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { CostTable } from "../../kernel/cost_model.ts";
import { Microvisor } from "../../kernel/microvisor.ts";
import type { Cell, GuestContext } from "../../kernel/objects/cell.ts";
import type { GuestRecipe } from "../../guests/recipe.ts";

export interface Rig {
  engine: Engine;
  board: Board;
  kernel: Microvisor;
  records: TraceRecord[];
  of(kind: string, source?: string): TraceRecord[];
}

export function makeRig(
  options: { spec?: BoardSpec; costs?: CostTable; seed?: number } = {},
): Rig {
  const engine = new Engine({ seed: options.seed ?? 1 });
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  const board = new Board(engine, options.spec ?? boards.handset());
  const kernel = new Microvisor(board, { costs: options.costs });
  return {
    engine,
    board,
    kernel,
    records,
    of: (kind, source) =>
      records.filter((record) =>
        record.kind === kind && (source === undefined || record.source === source)
      ),
  };
}

/** Creates a cell from a recipe and gives it its IRQ lines and device windows (not started). */
export function load(rig: Rig, name: string, recipe: GuestRecipe): Cell {
  const cell = rig.kernel.createCell({
    name,
    ramBytes: recipe.ramBytes,
    image: recipe.image,
    faultPolicy: recipe.faultPolicy,
    vcpus: recipe.vcpus,
  });
  for (const irq of recipe.irqs ?? []) rig.kernel.grantIrq(cell, irq);
  for (const device of recipe.devices ?? []) {
    rig.kernel.grantDevice(cell, device.name, device.rights);
  }
  return cell;
}

/** Connects two cells by a channel named `FROM->TO`. */
export function connect(rig: Rig, from: Cell, to: Cell, slots: number, maxBytes = 256): void {
  rig.kernel.createChannel({ name: `${from.name}->${to.name}`, from, to, slots, maxBytes });
}

/**
 * A context for driving a guest program by hand, outside any kernel: 1 GHz, no capabilities,
 * a random stream that always answers its lower bound, trace kinds pushed onto `traced`.
 */
export function handContext(cell: string, image: string, traced: string[] = []): GuestContext {
  const stream = { int: (low: number) => low, float: () => 0, chance: () => false };
  return {
    cell,
    vcpu: 0,
    caps: {},
    virqs: {},
    ram: { base: 0, size: 0 },
    windows: {},
    clockHz: 1e9,
    image: { name: image, version: "1.0" },
    trace: (kind) => traced.push(kind),
    random: () => stream,
  };
}
