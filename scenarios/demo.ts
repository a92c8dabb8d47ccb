/**
 * Demo: a baseband RTOS keeps its GSM frame deadline while a lower-priority cell loads the
 * one ARM11 core of the handset, and its radio IRQ latency stays bounded.
 *
 * Run: deno run scenarios/demo.ts [--seed N] [--for 5s] [--json FILE]
 *
 * @module
 */

import { boards, compute, ms, native, s, scenario, us } from "../mod.ts";
import { rtos, task } from "../guests/rtos.ts";

await scenario("baseband keeps its frame deadline beside a busy rich OS")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
      ],
    }),
  )
  .cell(
    "android",
    native({
      priority: 50,
      *program() {
        for (;;) yield* compute(532_000);
      },
    }),
  )
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.irqLatency("radio").p99.toBeBelow(us(20)),
    r.responseTime("baseband", "frame").max.toBeBelow(ms(2)),
    r.cpuShare("android").toBeAbove(0.5),
  ])
  .run({ for: s(5) });
