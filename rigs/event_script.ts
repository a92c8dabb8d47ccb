/**
 * The event script: what happens to the system and when. A cursor moves with `at` and
 * `after`; each verb adds an event at the cursor. `every` and the random arrival verbs repeat
 * a sub-script; `step` names a part of the story so reports say where something failed.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import { type Duration, formatDuration, toDuration } from "../hw/time.ts";
import type { Plan } from "./plan.ts";
import { ScenarioError } from "./scenario_error.ts";
import type { World } from "./world.ts";

/** One scripted event. */
export interface ScriptEvent {
  /** When it first fires. */
  readonly at: number;
  /** What it is, for traces and reports. */
  readonly label: string;
  /** The step it belongs to. */
  readonly step: string | undefined;
  /** Checks it against the plan before the run (bad names are ScenarioErrors). */
  readonly check: (plan: Plan) => void;
  /** Does it. */
  readonly run: (world: World, at: number) => void;
  /** For random arrivals: the first time, drawn when the run starts (default `at`). */
  readonly first?: (world: World) => number;
  /** For repeating events: the next time, or undefined to stop. */
  readonly next?: (world: World, at: number) => number | undefined;
}

/** A named part of the story. */
export interface ScriptStep {
  /** Name. */
  readonly name: string;
  /** Start. */
  readonly from: number;
  /** End (exclusive): the next step's start, or Infinity (the end of the run). */
  to: number;
}

/** A verb: what an event does, and how it is checked. */
export interface Verb {
  /** Label. */
  readonly label: string;
  /** Plan check. */
  readonly check: (plan: Plan) => void;
  /** Action. */
  readonly run: (world: World, at: number) => void;
}

/** Options of repeating verbs. */
export interface RepeatOptions {
  /** First possible time; default the cursor. */
  readonly from?: Duration | string;
  /** Stop before this time; default the end of the run. */
  readonly until?: Duration | string;
  /** At most this many occurrences. */
  readonly count?: number;
}

const REPEAT_KEYS = {
  from: true,
  until: true,
  count: true,
} as const satisfies OptionKeys<RepeatOptions>;

/** The verbs a script can use; implemented in verbs.ts and mixed into {@linkcode EventScript}. */
export type VerbFactory = (script: EventScript) => void;

/**
 * Builds a scenario's events. Verbs (irq, keypad, ipcBurst, compromise, remoteWipe, fota, …)
 * are added by {@linkcode ScriptVerbs} in verbs.ts.
 *
 * @example Usage
 * ```ts
 * import { EventScript } from "./event_script.ts";
 * import { emptyPlan } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const plan = emptyPlan("x");
 * new EventScript(plan).at("1ms").custom("mark", () => {}).after("2ms").custom("mark", () => {});
 * assert.deepEqual(plan.events.map((e) => e.at), [1_000_000, 3_000_000]);
 * ```
 */
export class EventScript {
  readonly #plan: Plan;
  #cursor = 0;
  #step: string | undefined;
  #sequence = 0;

  /**
   * Creates an event script that adds events to a plan.
   *
   * @param plan The plan events are added to.
   */
  constructor(plan: Plan) {
    this.#plan = plan;
  }

  /** The cursor: where the next verb lands. */
  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Moves the cursor to an absolute time.
   *
   * @param time `ms(100)` or `"100ms"`.
   * @returns The script.
   */
  at(time: Duration | string): this {
    this.#cursor = toDuration(time, "script time");
    return this;
  }

  /**
   * Moves the cursor forward.
   *
   * @param delay `ms(5)` or `"5ms"`.
   * @returns The script.
   */
  after(delay: Duration | string): this {
    this.#cursor += toDuration(delay, "script delay");
    return this;
  }

  /**
   * Groups events under a name; metrics can be scoped to it with `r.step(name)`.
   *
   * @param name Step name, unique.
   * @param build Adds the step's events.
   * @returns The script.
   */
  step(name: string, build: (t: this) => unknown): this {
    if (this.#plan.steps.some((s) => s.name === name)) {
      throw new ScenarioError(`Duplicate step "${name}": step names must be unique`);
    }
    const start = this.#cursor;
    const outer = this.#step;
    this.#step = name;
    build(this);
    this.#step = outer;
    const times = this.#plan.events.filter((e) => e.step === name).map((e) => e.at);
    // A step runs from its first event until the next step starts (or the run ends).
    const step: ScriptStep = {
      name,
      from: times.length > 0 ? Math.min(...times) : start,
      to: Infinity,
    };
    const previous = this.#plan.steps.at(-1);
    if (previous !== undefined && previous.to === Infinity) {
      previous.to = Math.max(previous.from + 1, step.from);
    }
    this.#plan.steps.push(step);
    return this;
  }

  /**
   * Repeats verbs with a fixed period.
   *
   * @param period The gap between occurrences.
   * @param build The verbs to repeat (their own `at`/`after` are ignored).
   * @param options Window and count.
   * @returns The script.
   */
  every(
    period: Duration | string,
    build: (t: this) => unknown,
    options: RepeatOptions = {},
  ): this {
    const periodNs = toDuration(period, "every() period");
    if (periodNs <= 0) throw new ScenarioError(`Invalid every() period ${period}: must be above 0`);
    return this.#repeat(
      `every ${formatDuration(periodNs)}`,
      build,
      options,
      (_w, at) => at + periodNs,
    );
  }

  /**
   * Repeats verbs at Poisson arrivals (exponential gaps) from a seeded stream.
   *
   * @param mean The mean gap.
   * @param build The verbs to repeat.
   * @param options Window and count.
   * @returns The script.
   */
  poisson(
    mean: Duration | string,
    build: (t: this) => unknown,
    options: RepeatOptions = {},
  ): this {
    const meanNs = toDuration(mean, "poisson() mean gap");
    if (meanNs <= 0) throw new ScenarioError(`Invalid poisson() mean ${mean}: must be above 0`);
    const stream = `script.poisson.${this.#sequence}`;
    return this.#repeat(
      `poisson mean ${formatDuration(meanNs)}`,
      build,
      options,
      (w, at) => at + Math.max(1, w.engine.random(stream).exponentialNs(meanNs)),
      (w, from) => from + w.engine.random(stream).exponentialNs(meanNs),
    );
  }

  /**
   * Repeats verbs with gaps drawn uniformly from [min, max] from a seeded stream.
   *
   * @param min Smallest gap.
   * @param max Largest gap.
   * @param build The verbs to repeat.
   * @param options Window and count.
   * @returns The script.
   */
  uniform(
    min: Duration | string,
    max: Duration | string,
    build: (t: this) => unknown,
    options: RepeatOptions = {},
  ): this {
    const low = toDuration(min, "uniform() min gap");
    const high = toDuration(max, "uniform() max gap");
    if (high < low || high <= 0) {
      throw new ScenarioError(`Invalid uniform() gaps ${min}..${max}: need 0 < max and min <= max`);
    }
    const stream = `script.uniform.${this.#sequence}`;
    return this.#repeat(
      `uniform ${formatDuration(low)}..${formatDuration(high)}`,
      build,
      options,
      (w, at) => at + Math.max(1, w.engine.random(stream).int(low, high)),
    );
  }

  /**
   * Repeats verbs in a burst: `count` occurrences `gap` apart from the cursor.
   *
   * @param count How many.
   * @param gap Gap between them.
   * @param build The verbs.
   * @returns The script.
   */
  burst(count: number, gap: Duration | string, build: (t: this) => unknown): this {
    if (!Number.isInteger(count) || count < 1) {
      throw new ScenarioError(`Invalid burst() count ${count}: must be a positive integer`);
    }
    const gapNs = toDuration(gap, "burst() gap");
    return this.#repeat(`burst of ${count}`, build, { count }, (_w, at) => at + Math.max(1, gapNs));
  }

  /**
   * Adds an event that runs your own function on the world (escape hatch).
   *
   * @param label What it is.
   * @param action What to do.
   * @returns The script.
   */
  custom(label: string, action: (world: World, at: number) => void): this {
    return this.add({ label, check: () => {}, run: action });
  }

  /**
   * Adds a verb at the cursor (used by the verb implementations).
   *
   * @param verb The verb.
   * @returns The script.
   */
  add(verb: Verb): this {
    this.#sequence++;
    this.#plan.events.push({
      at: this.#cursor,
      label: verb.label,
      step: this.#step,
      check: verb.check,
      run: verb.run,
    });
    return this;
  }

  #repeat(
    label: string,
    build: (t: this) => unknown,
    options: RepeatOptions,
    nextAfter: (world: World, at: number) => number,
    first?: (world: World, from: number) => number,
  ): this {
    checkOptionKeys(options, REPEAT_KEYS, { action: `Cannot script ${label}` });
    this.#sequence++;
    const scratch: Plan = { ...this.#plan, events: [], steps: [] };
    const inner = new (this.constructor as new (plan: Plan) => this)(scratch);
    build(inner);
    const verbs = scratch.events;
    if (verbs.length === 0) throw new ScenarioError(`Empty ${label}: add at least one verb`);
    const from = options.from === undefined
      ? this.#cursor
      : toDuration(options.from, `${label} from`);
    const until = options.until === undefined
      ? Infinity
      : toDuration(options.until, `${label} until`);
    if (until <= from) {
      throw new ScenarioError(
        `Invalid ${label} window: until ${formatDuration(until)} is not after from ${
          formatDuration(from)
        }`,
      );
    }
    const count = options.count ?? Infinity;
    if (count !== Infinity && (!Number.isSafeInteger(count) || count < 1)) {
      throw new ScenarioError(`Invalid ${label} count ${count}: must be a positive integer`);
    }
    let done = 0;
    const names = verbs.map((v) => v.label).join(", ");
    this.#plan.events.push({
      at: from,
      label: `${label}: ${names}`,
      step: this.#step,
      check: (plan) => verbs.forEach((v) => v.check(plan)),
      first: first === undefined ? undefined : (world) => first(world, from),
      run: (world, at) => {
        done++;
        for (const verb of verbs) verb.run(world, at);
      },
      next: (world, at) => {
        if (done >= count) return undefined;
        const next = nextAfter(world, at);
        return next < until ? next : undefined;
      },
    });
    return this;
  }
}
