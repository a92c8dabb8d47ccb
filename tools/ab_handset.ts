/**
 * Compares the handset benchmark's speed in two checkouts, interleaved in one process: this
 * checkout's `scenarios/coexistence.ts` and another's run by turns, in pairs, and the verdict is
 * the median of the pairs' speed ratios.
 *
 * The host's speed comes and goes: separate processes of one build differ by 5-30% on the
 * project's machines, and even in one process a single run may take half again as long as the
 * next. Two runs taken one right after the other see nearly the same host, so each pair gives
 * a ratio of this checkout's speed over the other's, the order inside a pair alternates (so
 * neither build always runs second, warmer or colder), and the median of many such ratios
 * shrugs off the pairs a load spike hit. With the defaults (40 pairs of 20-s runs, about half
 * a minute) a checkout compared with itself gives a median within about 1.5% of 1, so a
 * change that moves the median by 3% or more is real; the interquartile range of the ratios is
 * printed beside it.
 *
 * ```sh
 * git worktree add ../before HEAD~1   # or: mkdir ../before && git archive HEAD~1 | tar -x -C ../before
 * deno run --allow-read tools/ab_handset.ts ../before
 * ```
 *
 * Prints the median ratio (this checkout over the other) with its interquartile range, each
 * build's best and median events per wall second, events per run and fingerprint (and, when
 * the two builds' runs take different events, the ratio of their real-time factors), so that a
 * change which was meant to keep behaviour shows whether it kept the records too. Exits 0, or
 * 2 on bad arguments.
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
  /** How many pairs of runs (each build runs once per pair). */
  readonly rounds: number;
  /** The simulated length of each run, e.g. "60s". */
  readonly duration: string;
  /** Whether the other checkout runs first in the first pair (the order alternates). */
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
  let rounds = 40;
  let duration = "20s";
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

/** One build's runs. */
export interface AbSide {
  /** The checkout. */
  readonly root: string;
  /** Its best events per wall second. */
  readonly eventsPerS: number;
  /** Its median events per wall second. */
  readonly medianEventsPerS: number;
  /** Its runs' fingerprint. */
  readonly fingerprint: string;
  /** The events of one of its runs. */
  readonly events: number;
}

/** What a comparison found. */
export interface AbResult {
  /** This checkout. */
  readonly here: AbSide;
  /** The other checkout. */
  readonly there: AbSide;
  /** The median over the pairs of this checkout's speed over the other's. */
  readonly ratio: number;
  /** The first and third quartiles of those ratios. */
  readonly ratioQuartiles: readonly [number, number];
  /**
   * The median over the pairs of this checkout's real-time factor over the other's (the other's
   * wall time over this one's): the same as `ratio` unless a change alters the events a run
   * takes, when this is the figure that says whether the run got faster.
   */
  readonly realtimeRatio: number;
}

/**
 * A quantile of some numbers, by linear interpolation between the closest ranks.
 *
 * @param values The numbers (not changed).
 * @param q The quantile, 0 to 1.
 * @returns The quantile.
 */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}

/**
 * Runs the comparison.
 *
 * @param options What to compare.
 * @param progress Told after each pair.
 * @returns Each build's speeds and the median ratio.
 */
export async function compareHandset(
  options: AbOptions,
  progress: (round: number) => void = () => {},
): Promise<AbResult> {
  const here = resolve(new URL("..", import.meta.url).pathname);
  const there = isAbsolute(options.other) ? options.other : resolve(options.other);
  const roots = [here, there];
  const scenarios = [await loadHandset(here), await loadHandset(there)];
  const rates: [number[], number[]] = [[], []];
  const walls: [number[], number[]] = [[], []];
  const ratios: number[] = [];
  const realtimeRatios: number[] = [];
  const fingerprints = ["", ""];
  const events = [0, 0];
  // A few short runs of each first, so neither build's timed runs are its interpreted ones.
  for (let warmup = 0; warmup < 3; warmup++) {
    for (const scenario of scenarios) scenario.execute({ for: "5s" });
  }
  for (let round = 1; round <= options.rounds; round++) {
    const otherFirst = options.swap === (round % 2 === 1);
    for (const side of otherFirst ? [1, 0] : [0, 1]) {
      const started = performance.now();
      const result = scenarios[side].execute({ for: options.duration });
      const wallS = (performance.now() - started) / 1000;
      rates[side].push(result.events / wallS);
      walls[side].push(wallS);
      fingerprints[side] = result.fingerprint;
      events[side] = result.events;
    }
    ratios.push(rates[0][round - 1] / rates[1][round - 1]);
    realtimeRatios.push(walls[1][round - 1] / walls[0][round - 1]);
    progress(round);
  }
  const side = (index: number): AbSide => ({
    root: roots[index],
    eventsPerS: Math.max(...rates[index]),
    medianEventsPerS: quantile(rates[index], 0.5),
    fingerprint: fingerprints[index],
    events: events[index],
  });
  return {
    here: side(0),
    there: side(1),
    ratio: quantile(ratios, 0.5),
    ratioQuartiles: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    realtimeRatio: quantile(realtimeRatios, 0.5),
  };
}

if (import.meta.main) {
  try {
    const options = parseAbArguments(Deno.args);
    const { here, there, ratio, ratioQuartiles, realtimeRatio } = await compareHandset(
      options,
      (round) => console.error(`pair ${round}/${options.rounds}`),
    );
    const rate = (side: AbSide) =>
      `best ${(side.eventsPerS / 1e6).toFixed(3)}, median ${
        (side.medianEventsPerS / 1e6).toFixed(3)
      } M events/s`;
    const run = (side: AbSide) =>
      `${side.events.toLocaleString("en-US")} events a run, fingerprint ${side.fingerprint}`;
    console.log(`this checkout   ${rate(here)}  ${run(here)}`);
    console.log(`other checkout  ${rate(there)}  ${run(there)}`);
    console.log(
      `ratio (this / other) ${ratio.toFixed(3)}: median of ${options.rounds} pairs, ` +
        `interquartile range ${ratioQuartiles[0].toFixed(3)}-${ratioQuartiles[1].toFixed(3)}`,
    );
    if (here.events !== there.events) {
      // Fewer events for the same simulated time lower events/s without slowing the run.
      console.log(
        `the runs take different events: real-time factor ratio ${realtimeRatio.toFixed(3)}`,
      );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    Deno.exit(2);
  }
}
