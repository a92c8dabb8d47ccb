/**
 * Wall-clock timing for benchmarks (bench/ may read the wall clock; simulation code may not).
 *
 * @module
 */

/** Options of {@linkcode bestRates}. */
export interface BestRatesOptions {
  /** Untimed rounds before the timed ones, to let the JIT settle. */
  readonly warmups: number;
  /** Timed rounds; the best one of each workload counts. */
  readonly repetitions: number;
}

/**
 * Runs workloads in interleaved rounds (so a noisy moment hurts them alike) and returns the
 * best rate of each in operations per second.
 *
 * @param workloads Each does its work and returns how many operations it did.
 * @param options How many warm-up and timed rounds.
 * @returns The highest operations per second of each workload, by the same keys.
 */
export function bestRates<K extends string>(
  workloads: Record<K, () => number>,
  options: BestRatesOptions,
): Record<K, number> {
  const names = Object.keys(workloads) as K[];
  const best = {} as Record<K, number>;
  for (const name of names) best[name] = 0;
  for (let round = 0; round < options.warmups + options.repetitions; round++) {
    for (const name of names) {
      const start = performance.now();
      const operations = workloads[name]();
      const seconds = (performance.now() - start) / 1000;
      if (round >= options.warmups) best[name] = Math.max(best[name], operations / seconds);
    }
  }
  return best;
}
