/**
 * A window of virtual time that limits what the trace and VCD exporters write
 * (`--trace-window 1.2s..1.3s`).
 *
 * @module
 */

import { parseDuration } from "../../hw/time.ts";

/** A closed window of virtual time, in nanoseconds. */
export interface TimeWindow {
  /** First instant written. */
  readonly from: number;
  /** Last instant written (`Infinity` for the end of the run). */
  readonly to: number;
}

/** The whole run. */
export const WHOLE_RUN: TimeWindow = Object.freeze({ from: 0, to: Infinity });

/**
 * Parses a window such as `1.2s..1.3s`, `..500ms` (from the start) or `2s..` (to the end).
 *
 * @param text `A..B` with durations such as `250ms`.
 * @returns The window.
 * @throws {RangeError} With the expected form, for bad text or an empty window.
 *
 * @example Usage
 * ```ts
 * import { parseTraceWindow } from "./trace_window.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseTraceWindow("1.2s..1.3s"), { from: 1_200_000_000, to: 1_300_000_000 });
 * assert.deepEqual(parseTraceWindow("2s.."), { from: 2_000_000_000, to: Infinity });
 * assert.throws(() => parseTraceWindow("2s-3s"), /expected A\.\.B/);
 * ```
 */
export function parseTraceWindow(text: string): TimeWindow {
  const parts = text.split("..");
  if (parts.length !== 2) {
    throw new RangeError(
      `Invalid trace window "${text}": expected A..B with durations, e.g. 1.2s..1.3s, ..500ms or 2s..`,
    );
  }
  const from = parts[0].trim() === "" ? 0 : parseDuration(parts[0].trim());
  const to = parts[1].trim() === "" ? Infinity : parseDuration(parts[1].trim());
  if (!(to > from)) {
    throw new RangeError(`Invalid trace window "${text}": its end must be after its start`);
  }
  return { from, to };
}
