/**
 * The error thrown when a board description is invalid.
 *
 * @module
 */

/**
 * Thrown when a board description is invalid: the message names the field, the bad value and
 * what would be valid, and {@linkcode BoardError.field} holds the field's path.
 *
 * @example Usage
 * ```ts
 * import { BoardError } from "./board_error.ts";
 * import assert from "node:assert/strict";
 * const error = new BoardError('Invalid board "x": cores is empty, give at least one core', "cores");
 * assert.equal(error.name, "BoardError");
 * assert.equal(error.field, "cores");
 * assert.ok(error instanceof Error);
 * ```
 */
export class BoardError extends Error {
  /** The path of the offending field, e.g. `"memory[1].base"` or `"devices[2].irq"`. */
  readonly field: string;

  /**
   * Creates a board error.
   *
   * @param message What is wrong, the value, and what would be valid.
   * @param field The path of the offending field.
   */
  constructor(message: string, field: string) {
    super(message);
    this.name = "BoardError";
    this.field = field;
  }
}
