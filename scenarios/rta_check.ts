/**
 * Against theory: with the `zero` cost model, a 1 GHz clock and a tickless RTOS with no RTOS
 * overheads, the worst-case response times of a synchronously released fixed-priority task set
 * equal response-time analysis (Joseph & Pandya 1986: R = C + Σ⌈R/Tj⌉·Cj over higher-priority
 * tasks) exactly. Task set after Buttazzo, "Hard Real-Time Computing Systems", 3rd ed.:
 * (C, T) = (1, 4), (2, 6), (3, 10) ms, rate-monotonic; RTA gives R = 1, 3 and 10 ms.
 *
 * Run: deno run scenarios/rta_check.ts
 *
 * @module
 */

import { boards, ms, rtos, s, scenario, task } from "../mod.ts";

await scenario("RTOS response times equal response-time analysis on a textbook task set")
  .board(boards.handset({ clockHz: 1_000_000_000 }))
  .kernel({ costs: "zero" })
  .cell(
    "rtos",
    rtos({
      priority: 100,
      tickNs: 0,
      costs: { contextSwitchCycles: 0, tickCycles: 0, irqEntryCycles: 0 },
      tasks: [
        task("t1", { period: ms(4), wcet: ms(1), priority: 3 }),
        task("t2", { period: ms(6), wcet: ms(2), priority: 2 }),
        task("t3", { period: ms(10), wcet: ms(3), priority: 1 }),
      ],
    }),
  )
  .expect((r) => [
    r.responseTime("rtos", "t1").max.toBe(ms(1)),
    r.responseTime("rtos", "t2").max.toBe(ms(3)),
    r.responseTime("rtos", "t3").max.toBe(ms(10)),
    r.deadlineMisses("rtos").toBe(0),
    r.completions("rtos", "t3").toBe(60),
  ])
  .run({ for: s(0.6) });
