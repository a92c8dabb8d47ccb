/**
 * The error for bad scenario input (a typo in a cell name, a bad unit or option). The runner
 * prints its message and exits with code 2 before any simulation runs.
 *
 * @module
 */

/**
 * Bad scenario input: the message names what was wrong, the value, and what is valid.
 *
 * @example Usage
 * ```ts
 * import { ScenarioError } from "./scenario_error.ts";
 * import assert from "node:assert/strict";
 * const error = new ScenarioError('Unknown cell "andriod": cells are "android", "baseband"');
 * assert.equal(error.name, "ScenarioError");
 * ```
 */
export class ScenarioError extends Error {
  /**
   * Creates a scenario error.
   *
   * @param message What was wrong, the value, and what is valid.
   */
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

// The suggestion and the quoted list live with the option-key check, which guests/ uses too.
export { didYouMean, quoteList } from "../hw/option_keys.ts";
