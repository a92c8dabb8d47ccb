/**
 * Checks that a change kept every scenario's behaviour: runs every scenario file in
 * `scenarios/` under two seeds and compares each run's {@linkcode BehaviourDigest} with a
 * baseline saved before the change. The fingerprint cannot serve for this when the change
 * touches how records are hashed; the digest can.
 *
 * ```sh
 * deno run --allow-read --allow-write tools/behaviour_check.ts save baseline.json  # before
 * deno run --allow-read --allow-write tools/behaviour_check.ts check baseline.json # after
 * ```
 *
 * `check` prints each run that differs, with both digests, and exits 1 if any does; bad
 * arguments exit 2. Each run is reported on stderr as it finishes.
 *
 * @module
 */

import { BehaviourDigest } from "../rigs/behaviour_digest.ts";
import { registeredScenarios } from "../rigs/scenario.ts";

/** The seeds every scenario runs under: its default and one other. */
const SEEDS: readonly (number | undefined)[] = [undefined, 7];
const USAGE = "Usage: deno run --allow-read --allow-write tools/behaviour_check.ts " +
  "save|check FILE";

/**
 * Runs every registered scenario under {@linkcode SEEDS}.
 *
 * @returns A digest per run, keyed by scenario name and seed.
 */
export function digestScenarios(): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const entry of registeredScenarios()) {
    for (const seed of SEEDS) {
      const digest = new BehaviourDigest();
      const result = entry.scenario.execute({
        ...entry.options,
        ...(seed === undefined ? {} : { seed }),
        observe: (world) => digest.observe(world),
      });
      const key = `${entry.scenario.name} (seed ${seed ?? "default"})`;
      digests[key] = digest.digest(result);
      console.error(`  ${key}: ${digest.records.toLocaleString("en-US")} records`);
    }
  }
  return digests;
}

/**
 * Lists the runs whose digests differ between a baseline and now.
 *
 * @param baseline The saved digests.
 * @param now The new digests.
 * @returns One line per run that differs, is new, or is gone.
 */
export function differences(
  baseline: Readonly<Record<string, string>>,
  now: Readonly<Record<string, string>>,
): string[] {
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(baseline), ...Object.keys(now)])) {
    if (baseline[key] === now[key]) continue;
    lines.push(`${key}: was ${baseline[key] ?? "(no run)"}, now ${now[key] ?? "(no run)"}`);
  }
  return lines;
}

async function main(args: string[]): Promise<number> {
  const [command, file] = args;
  if ((command !== "save" && command !== "check") || file === undefined || args.length !== 2) {
    console.error(
      `Bad arguments ${JSON.stringify(args)}: expected save or check and a file\n${USAGE}`,
    );
    return 2;
  }
  let baseline: Record<string, string> | undefined;
  if (command === "check") {
    try {
      baseline = JSON.parse(await Deno.readTextFile(file));
    } catch (error) {
      console.error(`Cannot read the baseline ${file}: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
  }
  const directory = new URL("../scenarios/", import.meta.url);
  const files = [...Deno.readDirSync(directory)].map((entry) => entry.name)
    .filter((name) => name.endsWith(".ts")).sort();
  for (const name of files) await import(new URL(name, directory).href);
  const now = digestScenarios();
  if (baseline === undefined) {
    await Deno.writeTextFile(file, JSON.stringify(now, null, 2) + "\n");
    console.log(`saved ${Object.keys(now).length} run digests to ${file}`);
    return 0;
  }
  const lines = differences(baseline, now);
  for (const line of lines) console.log(line);
  console.log(
    lines.length === 0
      ? `behaviour: all ${Object.keys(now).length} runs identical`
      : `behaviour: ${lines.length} run(s) differ`,
  );
  return lines.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
