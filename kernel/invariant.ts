/**
 * Internal consistency checks of the kernel model. An {@linkcode InvariantError} always means
 * a bug in this project, never something a guest did (a guest's error is a returned value).
 *
 * @module
 */

/** Thrown when the model's own invariant breaks: a bug in the simulator. */
export class InvariantError extends Error {
  /**
   * @param message What broke.
   */
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

/**
 * Checks a condition of the model itself.
 *
 * @param condition Must hold.
 * @param message What broke, for the bug report.
 * @throws {InvariantError} If the condition is false.
 *
 * @example Usage
 * ```ts
 * import { invariant } from "./invariant.ts";
 * import assert from "node:assert/strict";
 * invariant(1 + 1 === 2, "arithmetic");
 * assert.throws(() => invariant(false, "broken"), /broken/);
 * ```
 */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(`Kernel model invariant broken: ${message}`);
}
