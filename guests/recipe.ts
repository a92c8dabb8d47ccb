/**
 * A guest recipe: everything the scenario builder needs to load one cell — its RAM, vCPUs
 * with their programs, the device IRQ lines and MMIO windows it must own — plus world-side
 * hooks for scripted events. Guest factories (`rtos()`, `richOs()`, `pinEntry()`,
 * `manager()`) return recipes; the builder wires capabilities by these naming conventions:
 *
 * - device IRQ `D`: capability `irq:D`, vIRQ `D`;
 * - device window `D`: capability `device:D`, window `ctx.windows[D]`;
 * - channel from cell A to cell B: `send:A->B` in A, `receive:A->B` and vIRQ `channel:A->B`
 *   in B;
 * - endpoint served by cell S: `serve:S` (receive) in S, `call:S` in each client;
 * - control of cell T: `cell:T`; signal to cell T's vIRQ N: `signal:T:N`.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { CellImage, FaultPolicy, ProgramFactory } from "../kernel/objects/cell.ts";

/** One vCPU of a recipe. */
export interface RecipeVcpu {
  /** Base priority 0-255. */
  readonly priority: number;
  /** Core; default 0. */
  readonly affinity?: number;
  /** Budget per period, ns. */
  readonly budgetNs?: number;
  /** Period of the budget, ns. */
  readonly periodNs?: number;
  /** The program. */
  readonly program: ProgramFactory;
}

/** What it takes to load one cell. */
export interface GuestRecipe {
  /** What kind of guest this is, e.g. `"rtos"`. */
  readonly kind: string;
  /** RAM in bytes, a multiple of 4 KiB. */
  readonly ramBytes: number;
  /** The vCPUs. */
  readonly vcpus: readonly RecipeVcpu[];
  /** Device IRQ lines the cell owns (by device name). */
  readonly irqs?: readonly string[];
  /** Device MMIO windows mapped into the cell (by device name), with rights. */
  readonly devices?: readonly { readonly name: string; readonly rights?: readonly string[] }[];
  /** The image. */
  readonly image?: CellImage;
  /** Fault policy; default deliver. */
  readonly faultPolicy?: FaultPolicy;
  /**
   * A world-side control object for scripted events (e.g. a rich OS's burst and compromise
   * hooks). The scenario rig finds it by cell name; it never reaches kernel objects.
   */
  readonly control?: unknown;
}

/** The keys of the options of {@linkcode native}, checked because `deno run` does not type-check. */
const NATIVE_KEYS = {
  priority: true,
  program: true,
  ramBytes: true,
  affinity: true,
  budgetNs: true,
  periodNs: true,
  irqs: true,
  devices: true,
} as const satisfies OptionKeys<Parameters<typeof native>[0]>;

/**
 * A cell running the user's own program, with no OS.
 *
 * @param options Priority, program, RAM, and the IRQs and devices it owns.
 * @returns The recipe.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { native } from "./recipe.ts";
 * import { compute } from "./program.ts";
 * import assert from "node:assert/strict";
 * const recipe = native({ priority: 90, *program() { yield* compute(1_000); } });
 * assert.equal(recipe.kind, "native");
 * ```
 */
export function native(options: {
  readonly priority: number;
  readonly program: ProgramFactory;
  readonly ramBytes?: number;
  readonly affinity?: number;
  readonly budgetNs?: number;
  readonly periodNs?: number;
  readonly irqs?: readonly string[];
  readonly devices?: readonly string[];
}): GuestRecipe {
  checkOptionKeys(options, NATIVE_KEYS, { action: "Cannot create native" });
  return {
    kind: "native",
    ramBytes: options.ramBytes ?? 64 * 1024,
    vcpus: [{
      priority: options.priority,
      affinity: options.affinity,
      budgetNs: options.budgetNs,
      periodNs: options.periodNs,
      program: options.program,
    }],
    irqs: options.irqs ?? [],
    devices: (options.devices ?? []).map((name) => ({ name })),
  };
}
