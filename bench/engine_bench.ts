/**
 * Engine throughput: 64 pending timers, each rescheduling itself after a seeded random delay,
 * run by the {@linkcode Engine} and by a bare typed-array binary heap doing the same work
 * with no engine. Both draw their delays from the same kind of {@linkcode RandomStream}, so
 * the ratio measures what the engine's queue, handles and callbacks cost.
 *
 * @module
 */

import { Engine } from "../hw/engine.ts";
import { RandomStream } from "../hw/random_stream.ts";
import type { BenchModule, FigureSpec } from "./_bench_module.ts";
import { bestRates } from "./_timing.ts";

const TIMERS = 64;
const EVENTS = 5_000_000;
const DELAY_NS_MIN = 1;
const DELAY_NS_MAX = 1_000;
const SEED = 1;

/** The group name for `--only`. */
export const name = "engine";

/** The figures and their targets. */
export const figures: Readonly<Record<string, FigureSpec>> = {
  engine_events_per_s: { unit: "events/s" },
  bare_heap_events_per_s: { unit: "events/s" },
  engine_vs_bare_heap: { unit: "ratio", atLeast: 0.5 },
};

/** Runs {@linkcode EVENTS} timer events through an engine; returns how many ran. */
function engineWorkload(): number {
  const engine = new Engine({ seed: SEED });
  const random = engine.random("timers");
  let fired = 0;
  const tick = (): void => {
    fired++;
    if (fired <= EVENTS - TIMERS) engine.after(random.int(DELAY_NS_MIN, DELAY_NS_MAX), tick);
  };
  for (let i = 0; i < TIMERS; i++) engine.after(random.int(DELAY_NS_MIN, DELAY_NS_MAX), tick);
  engine.run({ until: Number.MAX_SAFE_INTEGER, maxEvents: EVENTS });
  if (fired !== EVENTS || engine.pending !== 0) {
    throw new Error(`Engine workload ran ${fired} events, expected ${EVENTS}`);
  }
  return fired;
}

/**
 * The same workload on a minimal binary heap ordered by (time, insertion sequence), with pop
 * and push as separate operations as a general queue needs; returns how many events ran.
 */
function bareHeapWorkload(): number {
  const random = new RandomStream(SEED, "timers");
  const times = new Float64Array(TIMERS);
  const sequences = new Float64Array(TIMERS);
  let length = 0;
  let sequence = 0;
  const push = (time: number): void => {
    const rank = sequence++;
    let index = length++;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTime = times[parent];
      if (parentTime < time || (parentTime === time && sequences[parent] < rank)) break;
      times[index] = parentTime;
      sequences[index] = sequences[parent];
      index = parent;
    }
    times[index] = time;
    sequences[index] = rank;
  };
  const pop = (): number => {
    const top = times[0];
    const last = --length;
    const time = times[last], rank = sequences[last];
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= last) break;
      const right = child + 1;
      if (
        right < last &&
        (times[right] < times[child] ||
          (times[right] === times[child] && sequences[right] < sequences[child]))
      ) child = right;
      if (time < times[child] || (time === times[child] && rank < sequences[child])) break;
      times[index] = times[child];
      sequences[index] = sequences[child];
      index = child;
    }
    times[index] = time;
    sequences[index] = rank;
    return top;
  };
  for (let i = 0; i < TIMERS; i++) push(random.int(DELAY_NS_MIN, DELAY_NS_MAX));
  let fired = 0;
  while (length > 0) {
    const now = pop();
    fired++;
    if (fired <= EVENTS - TIMERS) push(now + random.int(DELAY_NS_MIN, DELAY_NS_MAX));
  }
  return fired;
}

/**
 * Measures the engine and the bare heap, interleaved, best of five after two warm-ups.
 *
 * @returns `engine_events_per_s`, `bare_heap_events_per_s` and their ratio.
 */
export function measure(): Promise<Record<string, number>> {
  const rates = bestRates({ engine: engineWorkload, bare: bareHeapWorkload }, {
    warmups: 2,
    repetitions: 5,
  });
  return Promise.resolve({
    engine_events_per_s: rates.engine,
    bare_heap_events_per_s: rates.bare,
    engine_vs_bare_heap: rates.engine / rates.bare,
  });
}

const _module: BenchModule = { name, figures, measure };
