/**
 * Soak figures.
 *
 * - `soak_scaling_2_workers`: seeds per second of `rig soak` with 2 worker processes over 1,
 *   on the same 600 seeds of `scenarios/soak_random_arrivals.ts` (2 s simulated each). Timed
 *   from the first worker's ready answer to the last result, so process start-up is not
 *   counted (each worker's JIT warm-up is).
 * - `cpu_scaling_2_processes`: the same ratio for two processes spinning on a plain loop: what
 *   the machine gives at that moment (a busy neighbour on the cores lowers both alike).
 * - `soak_24h_peak_rss_mb`: peak resident set size of a process simulating 24 hours of a light
 *   soak-style scenario (Poisson UART interrupts, about 45 M engine events), sampled every 10
 *   simulated minutes in a child process (`bench/_soak_rss_child.ts`); the RSS at 1 h and 6 h
 *   is reported beside it.
 *
 * @module
 */

import { soak } from "../rigs/cli/soak_pool.ts";
import type { BenchModule, FigureSpec } from "./_bench_module.ts";

const SCENARIO = "scenarios/soak_random_arrivals.ts";
// A soak is thousands of seeds; each worker process also pays a fixed JIT warm-up of about a
// second, which at a few hundred seeds would weigh on the ratio more than it does in a soak.
const SEEDS = 600;
const SPIN = "let x = 0; for (let i = 0; i < 6e8; i++) x += i & 7; if (x < 0) console.log(x);";

/** The group name for `--only`. */
export const name = "soak";

/** The figures and their targets. */
export const figures: Readonly<Record<string, FigureSpec>> = {
  soak_seeds_per_s_1_worker: { unit: "seeds/s" },
  soak_seeds_per_s_2_workers: { unit: "seeds/s" },
  soak_scaling_2_workers: { unit: "ratio", atLeast: 1.8 },
  cpu_scaling_2_processes: { unit: "ratio" },
  soak_1h_rss_mb: { unit: "MB" },
  soak_6h_rss_mb: { unit: "MB" },
  soak_24h_peak_rss_mb: { unit: "MB", atMost: 200 },
};

async function seedsPerSecond(workers: number): Promise<number> {
  const file = new URL(`../${SCENARIO}`, import.meta.url).pathname;
  let readyAt = 0;
  const { report } = await soak({
    file,
    seeds: { from: 1, count: SEEDS },
    workers,
    onReady: () => {
      readyAt = performance.now();
    },
  });
  const seconds = (performance.now() - readyAt) / 1000;
  if (report.totals.seeds !== SEEDS) {
    throw new Error(`soak ran ${report.totals.seeds} of ${SEEDS} seeds`);
  }
  return SEEDS / seconds;
}

/** Wall time of `count` concurrent processes spinning on a fixed loop, ms. */
async function spin(count: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: count },
      () => new Deno.Command(Deno.execPath(), { args: ["eval", SPIN], stdout: "null" }).output(),
    ),
  );
  return performance.now() - started;
}

async function rss24h(): Promise<Record<string, number>> {
  const child = new URL("./_soak_rss_child.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-env", child, "24"],
  }).output();
  if (code !== 0) {
    throw new Error(`bench/_soak_rss_child.ts failed: ${new TextDecoder().decode(stderr)}`);
  }
  const measured = JSON.parse(new TextDecoder().decode(stdout));
  return {
    soak_1h_rss_mb: measured.samples["1h"],
    soak_6h_rss_mb: measured.samples["6h"],
    soak_24h_peak_rss_mb: measured.peakMb,
  };
}

/**
 * Measures the soak figures: one warm-up soak, then 1 worker and 2 workers on the same seeds
 * (best of two each, interleaved), the plain-loop calibration, then the 24-hour run in a
 * child process.
 *
 * @returns The figures.
 */
export async function measure(): Promise<Record<string, number>> {
  await seedsPerSecond(2);
  let one = 0, two = 0;
  for (let round = 0; round < 2; round++) {
    one = Math.max(one, await seedsPerSecond(1));
    two = Math.max(two, await seedsPerSecond(2));
  }
  const spinOne = Math.min(await spin(1), await spin(1));
  const spinTwo = Math.min(await spin(2), await spin(2));
  return {
    soak_seeds_per_s_1_worker: one,
    soak_seeds_per_s_2_workers: two,
    soak_scaling_2_workers: two / one,
    cpu_scaling_2_processes: (2 * spinOne) / spinTwo,
    ...await rss24h(),
  };
}

const _module: BenchModule = { name, figures, measure };
