/**
 * What `rig list` shows: the scenario files of a folder, each with the first sentence of its
 * header doc comment. Files are read, not imported, so listing runs nothing.
 *
 * @module
 */

/** One scenario file. */
export interface ListedScenario {
  /** Path as shown (the folder joined with the file name). */
  readonly file: string;
  /** The first sentence of its header doc comment ("" when it has none). */
  readonly summary: string;
}

/**
 * The first sentence of a source file's leading `/** … *\/` comment.
 *
 * @param source TypeScript source.
 * @returns The sentence, on one line ("" when there is no header comment).
 *
 * @example Usage
 * ```ts
 * import { firstSentence } from "./scenario_list.ts";
 * import assert from "node:assert/strict";
 * const source = "/**\n * Demo: a baseband keeps its deadline. More text.\n *\n * @module\n *\/\n";
 * assert.equal(firstSentence(source), "Demo: a baseband keeps its deadline.");
 * ```
 */
export function firstSentence(source: string): string {
  const match = /^\s*(?:\/\/[^\n]*\n\s*)*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (match === null) return "";
  const text = match[1]
    .split("\n")
    .map((line) => line.replace(/^\s*\* ?/, "").trim())
    .filter((line) => !line.startsWith("@"))
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  const end = /[.!?](\s|$)/.exec(text);
  return end === null ? text : text.slice(0, end.index + 1);
}

/**
 * Lists the scenario files (`*.ts`, not starting with `_`, not tests) of a folder, by name.
 *
 * @param dir The folder; default `scenarios`.
 * @returns The files with their summaries.
 * @throws {Deno.errors.NotFound} When the folder does not exist.
 *
 * @example Usage
 * ```ts
 * import { listScenarios } from "./scenario_list.ts";
 * import assert from "node:assert/strict";
 * const listed = await listScenarios(new URL("../../scenarios", import.meta.url).pathname);
 * assert.ok(listed.some((s) => s.file.endsWith("demo.ts") && s.summary.startsWith("Demo:")));
 * ```
 */
export async function listScenarios(dir = "scenarios"): Promise<ListedScenario[]> {
  const listed: ListedScenario[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (
      !entry.isFile || !entry.name.endsWith(".ts") || entry.name.startsWith("_") ||
      /_test\.ts$|\.test\.ts$|\.d\.ts$/.test(entry.name)
    ) continue;
    const file = `${dir.replace(/\/+$/, "")}/${entry.name}`;
    listed.push({ file, summary: firstSentence(await Deno.readTextFile(file)) });
  }
  return listed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
