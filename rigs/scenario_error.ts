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

/**
 * Suggests the closest valid name for a typo, for error messages.
 *
 * @param name The name given.
 * @param valid The valid names.
 * @returns A phrase like ` (did you mean "android"?)`, or an empty string.
 *
 * @example Usage
 * ```ts
 * import { didYouMean } from "./scenario_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(didYouMean("andriod", ["android", "pin"]), ' (did you mean "android"?)');
 * ```
 */
export function didYouMean(name: string, valid: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean "${best}"?)`
    : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/**
 * Lists names for an error message: `"a", "b"`.
 *
 * @param names The names.
 * @returns Quoted, comma-separated, or `none`.
 *
 * @example Usage
 * ```ts
 * import { quoteList } from "./scenario_error.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quoteList(["a", "b"]), '"a", "b"');
 * ```
 */
export function quoteList(names: Iterable<string>): string {
  const list = [...names].map((name) => `"${name}"`).join(", ");
  return list === "" ? "none" : list;
}
