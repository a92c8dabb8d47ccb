/**
 * Names in error messages: the check that rejects an unknown key in an options object, the
 * closest valid name to suggest for a typo, and a quoted list of the valid names. `deno run`
 * does not type-check a scenario, so a misspelled option would otherwise be ignored.
 *
 * @module
 */

/**
 * The keys of an options type, as an object a key list can be checked against: write it with
 * `satisfies OptionKeys<T>` and the compiler reports a key the type lacks and a key it misses,
 * so the list cannot drift from the type.
 *
 * @typeParam T The options type.
 */
export type OptionKeys<T> = { readonly [K in keyof T]-?: true };

/** How {@linkcode checkOptionKeys} names what it checks. */
export interface CheckOptionKeysOptions {
  /** What failed, e.g. `Cannot create richOs`, the start of the message. */
  readonly action: string;
  /** Put before each key, e.g. `ui.` for a nested object; default none. */
  readonly prefix?: string;
}

/**
 * Rejects an options object with a key that is not a valid option. A value that is not an
 * object (an omitted options object) passes, as do symbol keys.
 *
 * @param options The options object as given.
 * @param keys The valid keys, e.g. `{ priority: true, vcpus: true }`.
 * @param naming What failed and the key prefix, for the message.
 * @throws {TypeError} For an unknown key, naming it, the closest valid key and all of them.
 *
 * @example Usage
 * ```ts
 * import { checkOptionKeys } from "./option_keys.ts";
 * import assert from "node:assert/strict";
 * const keys = { priority: true, vcpus: true } as const;
 * checkOptionKeys({ priority: 1 }, keys, { action: "Cannot create richOs" });
 * assert.throws(
 *   () => checkOptionKeys({ vcpu: 1 }, keys, { action: "Cannot create richOs" }),
 *   {
 *     name: "TypeError",
 *     message: 'Cannot create richOs: unknown option "vcpu" (did you mean "vcpus"?); ' +
 *       'valid options are "priority", "vcpus"',
 *   },
 * );
 * ```
 */
export function checkOptionKeys(
  options: unknown,
  keys: Readonly<Record<string, true>>,
  naming: CheckOptionKeysOptions,
): void {
  if (options === null || typeof options !== "object") return;
  const prefix = naming.prefix ?? "";
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(keys, key)) continue;
    const valid = Object.keys(keys).map((name) => prefix + name);
    throw new TypeError(
      `${naming.action}: unknown option "${prefix}${key}"${
        didYouMean(prefix + key, valid)
      }; valid options are ${quoteList(valid)}`,
    );
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
 * import { didYouMean } from "./option_keys.ts";
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
 * import { quoteList } from "./option_keys.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quoteList(["a", "b"]), '"a", "b"');
 * ```
 */
export function quoteList(names: Iterable<string>): string {
  const list = [...names].map((name) => `"${name}"`).join(", ");
  return list === "" ? "none" : list;
}
