/**
 * A scenario plan: the plain data a scenario builder records (board, kernel, cells, channels,
 * endpoints, sections, script, expectations) before anything runs.
 *
 * @module
 */

import type { BoardSpec } from "../hw/board_spec.ts";
import type { GuestRecipe } from "../guests/recipe.ts";
import type { CostTable } from "../kernel/cost_model.ts";
import type { SchedulingPolicy } from "../kernel/scheduler.ts";
import type { KernelProfile } from "../kernel/profiles/profile.ts";
import type { Assertion } from "./metric.ts";
import type { ScriptEvent, ScriptStep } from "./event_script.ts";
import type { Expectations } from "./expectations.ts";

/** One cell of a plan. */
export interface PlannedCell {
  /** Unique name. */
  readonly name: string;
  /** What to load. */
  readonly recipe: GuestRecipe;
}

/** One channel of a plan. */
export interface PlannedChannel {
  /** Sending cell. */
  readonly from: string;
  /** Receiving cell. */
  readonly to: string;
  /** Queue capacity in messages. */
  readonly slots: number;
  /** Largest message in bytes. */
  readonly maxBytes: number;
}

/** One shared section of a plan. */
export interface PlannedSection {
  /** Unique name. */
  readonly name: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** Rights per cell name. */
  readonly cells: Readonly<Record<string, readonly string[]>>;
}

/** Everything a scenario run needs. */
export interface Plan {
  /** The scenario's name. */
  readonly name: string;
  /** The board. */
  board: BoardSpec | undefined;
  /** The kernel cost table. */
  costs: CostTable | undefined;
  /** The scheduling policy factory (a policy holds per-run state); overrides the profile's. */
  policy: (() => SchedulingPolicy) | undefined;
  /** The kernel profile; default OKL4 (`okl4()`). */
  profile: KernelProfile | undefined;
  /** Profiles configured for this scenario, used when it runs on one of them by name. */
  readonly variants: KernelProfile[];
  /** Cells in load order. */
  readonly cells: PlannedCell[];
  /** Channels. */
  readonly channels: PlannedChannel[];
  /** Endpoints: client → server. */
  readonly endpoints: { readonly client: string; readonly server: string }[];
  /** Sections. */
  readonly sections: PlannedSection[];
  /** Extra IRQ ownership: cell → device. */
  readonly irqs: { readonly cell: string; readonly device: string }[];
  /** Scripted events. */
  readonly events: ScriptEvent[];
  /** Named steps. */
  readonly steps: ScriptStep[];
  /** Expectation builders. */
  readonly expectations: ((r: Expectations) => Assertion[] | Assertion)[];
  /** Default run length. */
  durationNs: number | undefined;
  /** Default seed. */
  seed: number;
  /** Secrets registered by text. */
  readonly secrets: string[];
}

/**
 * An empty plan.
 *
 * @param name The scenario's name.
 * @returns The plan.
 *
 * @example Usage
 * ```ts
 * import { emptyPlan } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(emptyPlan("x").cells.length, 0);
 * ```
 */
export function emptyPlan(name: string): Plan {
  return {
    name,
    board: undefined,
    costs: undefined,
    policy: undefined,
    profile: undefined,
    variants: [],
    cells: [],
    channels: [],
    endpoints: [],
    sections: [],
    irqs: [],
    events: [],
    steps: [],
    expectations: [],
    durationNs: undefined,
    seed: 1,
    secrets: [],
  };
}
