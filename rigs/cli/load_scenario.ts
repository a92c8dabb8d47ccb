/**
 * Finds the scenarios a scenario file defines: imports it (its top-level `run()` then only
 * registers the scenario, since the file is not the main module) and reads the new entries
 * of `registeredScenarios()`.
 *
 * @module
 */

import { type RegisteredScenario, registeredScenarios } from "../scenario.ts";

/** A scenario file that cannot be loaded; the CLI prints the message and exits 2. */
export class LoadError extends Error {
  /**
   * Creates it.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "LoadError";
  }
}

/**
 * The file URL of a path given on the command line (relative to the working directory).
 *
 * @param file A path such as `scenarios/demo.ts`, or a `file:` URL.
 * @returns Its URL.
 *
 * @example Usage
 * ```ts
 * import { fileUrl } from "./load_scenario.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fileUrl("/tmp/x.ts"), "file:///tmp/x.ts");
 * ```
 */
export function fileUrl(file: string): string {
  if (file.startsWith("file:")) return file;
  const absolute = file.startsWith("/") ? file : `${Deno.cwd()}/${file}`;
  return new URL(`file://${absolute.split("/").map(encodeURIComponent).join("/")}`).href;
}

/** Scenarios by file URL: a module is evaluated once, so its scenarios register once. */
const loaded = new Map<string, readonly RegisteredScenario[]>();

/**
 * Imports a scenario file (once per process) and returns the scenarios it registered.
 *
 * @param file Path or URL of the scenario file.
 * @returns Its scenarios with their `run()` options, in order.
 * @throws {LoadError} If the file is missing, fails to import, or defines no scenario.
 *
 * @example Usage
 * ```ts
 * import { loadScenarios } from "./load_scenario.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(() => loadScenarios("no/such/file.ts"), /Cannot find "no\/such\/file.ts"/);
 * ```
 */
export async function loadScenarios(file: string): Promise<readonly RegisteredScenario[]> {
  const url = fileUrl(file);
  const cached = loaded.get(url);
  if (cached !== undefined) return cached;
  try {
    const info = await Deno.stat(new URL(url));
    if (!info.isFile) throw new LoadError(`"${file}" is not a file: give a scenario .ts file`);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    if (error instanceof Deno.errors.NotFound) {
      throw new LoadError(`Cannot find "${file}": give the path of a scenario file`);
    }
    throw error;
  }
  const before = registeredScenarios().length;
  try {
    await import(url);
  } catch (error) {
    throw new LoadError(`Cannot load "${file}": ${(error as Error).message ?? error}`);
  }
  const found = registeredScenarios().slice(before);
  if (found.length === 0) {
    throw new LoadError(
      `"${file}" defines no scenario: a scenario file ends with await scenario(...)...run()`,
    );
  }
  loaded.set(url, found);
  return found;
}

/**
 * Picks one scenario of a file: the one named, or the only one.
 *
 * @param found The file's scenarios.
 * @param file The file, for messages.
 * @param name The scenario's name, when the file defines several.
 * @returns The scenario.
 * @throws {LoadError} When the name matches none, or no name was given and there are several.
 *
 * @example Usage
 * ```ts
 * import { pickScenario } from "./load_scenario.ts";
 * import { scenario } from "../scenario.ts";
 * import assert from "node:assert/strict";
 * const a = { scenario: scenario("a"), options: {} };
 * assert.equal(pickScenario([a], "x.ts").scenario.name, "a");
 * assert.throws(() => pickScenario([a], "x.ts", "b"), /no scenario named "b"/);
 * ```
 */
export function pickScenario(
  found: readonly RegisteredScenario[],
  file: string,
  name?: string,
): RegisteredScenario {
  const names = found.map((f) => JSON.stringify(f.scenario.name)).join(", ");
  if (name !== undefined) {
    const match = found.find((f) => f.scenario.name === name);
    if (match === undefined) {
      throw new LoadError(`"${file}" has no scenario named "${name}": it has ${names}`);
    }
    return match;
  }
  if (found.length > 1) {
    throw new LoadError(
      `"${file}" defines ${found.length} scenarios (${names}): pick one with --scenario NAME`,
    );
  }
  return found[0];
}

/**
 * A path as shown in replay commands: relative to the working directory when below it.
 *
 * @param file A path or file URL.
 * @returns The display path.
 *
 * @example Usage
 * ```ts
 * import { displayPath } from "./load_scenario.ts";
 * import assert from "node:assert/strict";
 * assert.equal(displayPath(`${Deno.cwd()}/scenarios/demo.ts`), "scenarios/demo.ts");
 * ```
 */
export function displayPath(file: string): string {
  const path = decodeURIComponent(new URL(fileUrl(file)).pathname);
  const cwd = Deno.cwd();
  return path.startsWith(cwd + "/") ? path.slice(cwd.length + 1) : path;
}
