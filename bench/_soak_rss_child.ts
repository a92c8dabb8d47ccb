/**
 * Child process of `soak_24h_peak_rss_mb`: runs a light soak-style scenario (UART interrupts
 * as a Poisson process, mean gap 20 ms, served by one native cell) for 24 hours of simulated
 * time and samples the process's resident set size every 10 simulated minutes. Prints one
 * JSON line: the RSS at 1 h, 6 h and 24 h, the peak, and the wall time.
 *
 * Run: deno run --allow-env bench/_soak_rss_child.ts [HOURS]
 *
 * @module
 */

import { boards, h, irqServer, min, scenario } from "../mod.ts";

const hours = Number(Deno.args[0] ?? 24);
const MB = 1024 * 1024;
const samples: Record<string, number> = {};
let peak = Deno.memoryUsage().rss;
const started = performance.now();

const result = scenario("light soak: Poisson UART interrupts for a day")
  .board(boards.handset())
  .cell(
    "serial",
    irqServer("uart", { priority: 100 }),
  )
  .script((t) => t.poisson("20ms", (t) => t.irq("uart")))
  .expect((r) => [r.irqLatency("uart").p99.toBeBelow(20_000)])
  .execute({
    for: h(hours),
    seed: 1,
    maxEvents: Number.MAX_SAFE_INTEGER,
    observe(world) {
      const sample = () => {
        const rss = Deno.memoryUsage().rss;
        peak = Math.max(peak, rss);
        const at = world.engine.now;
        if (at === h(1) || at === h(6)) samples[`${at / h(1)}h`] = rss / MB;
        world.engine.after(min(10), sample);
      };
      world.engine.after(min(10), sample);
    },
  });
const rss = Deno.memoryUsage().rss;
peak = Math.max(peak, rss);
samples[`${hours}h`] = rss / MB;
console.log(JSON.stringify({
  samples,
  peakMb: peak / MB,
  wallMs: performance.now() - started,
  events: result.events,
  passed: result.passed,
}));
