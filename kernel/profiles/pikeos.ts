/**
 * The PikeOS / ARINC 653 profile [S15]: a major frame of partition windows per core; a cell
 * runs only inside its windows and is preempted at the window's end to the nanosecond; an
 * interrupt for a cell waits for its window; optionally unused window time is handed to other
 * cells by priority (PikeOS's background partition). Costs are the base tables (E: a
 * microkernel of the same class; no published PikeOS figures in REFERENCE.md). PikeOS's code
 * size has no figure here; it is reported as unknown.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../../hw/option_keys.ts";
import type { CostTable } from "../cost_model.ts";
import type { KernelProfile, ProfileContext } from "./profile.ts";
import { type PartitionWindow, WindowPolicy } from "./window_policy.ts";

/** Options of {@linkcode pikeos}. */
export interface PikeosOptions {
  /**
   * The major frame; default one window of `windowNs` per cell, in load order.
   */
  readonly frame?: readonly PartitionWindow[];
  /** Window length of the default frame, ns; default 1 ms. */
  readonly windowNs?: number;
  /** Hand unused window time to other cells by priority; default false. */
  readonly handOver?: boolean;
}

const PIKEOS_KEYS = {
  frame: true,
  windowNs: true,
  handOver: true,
} as const satisfies OptionKeys<PikeosOptions>;

const WINDOW_KEYS = { cells: true, ns: true } as const satisfies OptionKeys<PartitionWindow>;

/**
 * The PikeOS profile.
 *
 * @param options The frame, or the window length of the default frame, and hand-over.
 * @returns The profile.
 * @throws {TypeError} For an unknown option, also in a window of `frame`.
 *
 * @example Usage
 * ```ts
 * import { pikeos } from "./pikeos.ts";
 * import { WindowPolicy } from "./window_policy.ts";
 * import assert from "node:assert/strict";
 * const profile = pikeos({ frame: [{ cells: ["baseband"], ns: 2_000_000 }, { cells: ["android"], ns: 3_000_000 }] });
 * const policy = profile.policy({ cells: ["baseband", "android"] }) as WindowPolicy;
 * assert.equal(policy.majorFrameNs, 5_000_000);
 * ```
 */
export function pikeos(options: PikeosOptions = {}): KernelProfile {
  const action = "Cannot create profiles.pikeos";
  checkOptionKeys(options, PIKEOS_KEYS, { action });
  if (Array.isArray(options.frame)) {
    options.frame.forEach((window, i) =>
      checkOptionKeys(window, WINDOW_KEYS, { action, prefix: `frame.${i}.` })
    );
  }
  const windowNs = options.windowNs ?? 1_000_000;
  return {
    kind: "kernel-profile",
    name: "pikeos",
    title: "PikeOS (ARINC 653 time partitioning)",
    scheduling: "major frame of partition windows; fixed priority inside a window",
    ipcModel: "synchronous endpoints and channels; partners run only in their windows",
    irqPath: "direct",
    donation: false,
    timeoutFaults: false,
    image: { bytes: 128 * 1024, placement: "sram", source: "E" },
    trusted: [{
      what: "PikeOS separation kernel",
      bytes: 128 * 1024,
      source: "E (bytes); no code-size figure in REFERENCE.md",
    }],
    costs: (base: CostTable) => base,
    policy: (context: ProfileContext) =>
      new WindowPolicy({
        frame: options.frame ??
          (context.cells.length === 0
            ? [{ cells: [], ns: windowNs }]
            : context.cells.map((cell) => ({ cells: [cell], ns: windowNs }))),
        handOver: options.handOver,
      }),
  };
}
