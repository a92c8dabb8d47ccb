/**
 * Compares the handset benchmark's speed in two checkouts, interleaved in one process: this
 * checkout's `scenarios/coexistence.ts` and another's run by turns (A, B, A, B, …), and the
 * best rate of each is kept. Separate processes of the same build differ by 5-10% on the
 * project's machines (V8 compiles each differently, and the host's load comes and goes); runs
 * taken by turns in one process see the same host at the same moments. That narrows the noise
 * but does not remove it: one comparison of a build with an equally fast one still gives a
 * ratio anywhere from about 0.94 to 1.09. Run it several times, half of them with `--swap`
 * (the other checkout first in each round), and take the middle of the ratios; trust only a
 * difference that every run agrees on.
 *
 * ```sh
 * git worktree add ../before HEAD~1   # or: mkdir ../before && git archive HEAD~1 | tar -x -C ../before
 * deno run --allow-read tools/ab_handset.ts ../before
 * deno run --allow-read tools/ab_handset.ts ../before --swap
 * ```
 *
 * Prints each build's best events per wall second, their ratio (this checkout over the
 * other), and each build's fingerprint, so that a change which was meant to keep behaviour
 * shows whether it kept the records too. Exits 0, or 2 on bad arguments.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseDuration } from "../hw/time.ts";

const USAGE = "Usage: deno run --allow-read tools/ab_handset.ts OTHER_CHECKOUT " +
  "[--rounds N] [--for DURATION] [--swap]";

/** What the comparison needs from a checkout's scenario registry. */
interface Runnable {
  execute(options: { for: string }): { events: number; fingerprint: string };
}

/** The options of one comparison. */
export interface AbOptions {
  /** The other checkout's root folder. */
  readonly other: string;
  /** How many turns each build gets. */
  readonly rounds: number;
  /** The simulated length of each run, e.g. "60s". */
  readonly duration: string;
  /** Whether the other checkout runs first in each round. */
  readonly swap: boolean;
}

/** A bad argument: printed with the usage, exit code 2. */
class UsageError extends Error {}

/**
 * Parses the command line.
 *
 * @param args The arguments after the file.
 * @returns The options.
 * @throws {UsageError} On a bad argument, saying what was wrong and what is valid.
 */
export function parseAbArguments(args: readonly string[]): AbOptions {
  let other: string | undefined;
  let rounds = 8;
  let duration = "60s";
  let swap = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--swap") swap = true;
    else if (arg === "--rounds") {
      const text = args[++i];
      rounds = Number(text);
      if (text === undefined || !Number.isInteger(rounds) || rounds < 1 || rounds > 1000) {
        throw new UsageError(
          `--rounds must be a whole number from 1 to 1000, got ${quoted(text)}`,
        );
      }
    } else if (arg === "--for") {
      const text = args[++i];
      if (text === undefined || !(durationOf(text) > 0)) {
        throw new UsageError(
          `--for needs a duration above 0 such as 60s or 500ms, got ${quoted(text)}`,
        );
      }
      duration = text;
    } else if (arg.startsWith("--")) {
      throw new UsageError(`Unknown option "${arg}": valid options are --rounds, --for, --swap`);
    } else if (other === undefined) other = arg;
    else throw new UsageError(`One other checkout only, got "${other}" and "${arg}"`);
  }
  if (other === undefined) throw new UsageError("Name the other checkout to compare with");
  return { other, rounds, duration, swap };
}

/** A duration in ns as the scenario runner reads it, or NaN if it is none. */
function durationOf(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    return NaN;
  }
}

/** An argument's value for a message: quoted, or "nothing" when it is missing. */
function quoted(text: string | undefined): string {
  return text === undefined ? "nothing" : `"${text}"`;
}

/** Loads a checkout's reference handset scenario (a fresh module graph per checkout). */
async function loadHandset(root: string): Promise<Runnable> {
  const base = pathToFileURL(root.endsWith("/") ? root : `${root}/`);
  const registry = new URL("rigs/scenario.ts", base);
  const file = new URL("scenarios/coexistence.ts", base);
  try {
    await Deno.stat(file);
  } catch {
    throw new UsageError(`${root} is not a microvisor-rig checkout: no scenarios/coexistence.ts`);
  }
  const { registeredScenarios } = await import(registry.href);
  await import(file.href);
  const entry = registeredScenarios().find((registered: { scenario: { name: string } }) =>
    registered.scenario.name.startsWith("RTOS and rich OS")
  );
  if (entry === undefined) throw new Error(`${file.href} registered no handset scenario`);
  return entry.scenario as Runnable;
}

/** One build's best run. */
export interface AbSide {
  /** The checkout. */
  readonly root: string;
  /** Its best events per wall second. */
  readonly eventsPerS: number;
  /** Its runs' fingerprint. */
  readonly fingerprint: string;
}

/**
 * Runs the comparison.
 *
 * @param options What to compare.
 * @param progress Told after each round.
 * @returns This checkout's side, then the other's.
 */
export async function compareHandset(
  options: AbOptions,
  progress: (round: number) => void = () => {},
): Promise<[AbSide, AbSide]> {
  const here = resolve(new URL("..", import.meta.url).pathname);
  const there = isAbsolute(options.other) ? options.other : resolve(options.other);
  const roots = [here, there];
  const scenarios = [await loadHandset(here), await loadHandset(there)];
  const best = [0, 0];
  const fingerprints = ["", ""];
  // A short run of each first, so neither build's first timed run is its interpreted one.
  for (const scenario of scenarios) scenario.execute({ for: "5s" });
  const order = options.swap ? [1, 0] : [0, 1];
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of order) {
      const started = performance.now();
      const result = scenarios[side].execute({ for: options.duration });
      const wallS = (performance.now() - started) / 1000;
      best[side] = Math.max(best[side], result.events / wallS);
      fingerprints[side] = result.fingerprint;
    }
    progress(round);
  }
  const side = (index: number): AbSide => ({
    root: roots[index],
    eventsPerS: best[index],
    fingerprint: fingerprints[index],
  });
  return [side(0), side(1)];
}

if (import.meta.main) {
  try {
    const options = parseAbArguments(Deno.args);
    const [here, there] = await compareHandset(
      options,
      (round) => console.error(`round ${round}/${options.rounds}`),
    );
    const rate = (side: AbSide) => `${(side.eventsPerS / 1e6).toFixed(3)} M events/s`;
    console.log(`this checkout   ${rate(here)}  fingerprint ${here.fingerprint}`);
    console.log(`other checkout  ${rate(there)}  fingerprint ${there.fingerprint}`);
    console.log(`ratio (this / other) ${(here.eventsPerS / there.eventsPerS).toFixed(3)}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}
