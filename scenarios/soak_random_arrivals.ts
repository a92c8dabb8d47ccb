/**
 * (i) Soak-style scenario for many seeds: random arrivals drawn from the seed. Network
 * traffic to the device manager's port arrives as a Poisson process, UART interrupts come at
 * uniformly random gaps, Android sends IPC bursts of random size, and the baseband's audio
 * task has a random execution time. Each seed gives a different run (and fingerprint); every
 * seed must keep the baseband's deadlines and bound its IRQ latency.
 *
 * Run: deno run scenarios/soak_random_arrivals.ts --seed 7
 * Soak: deno task rig soak scenarios/soak_random_arrivals.ts --seeds 200
 *
 * @module
 */

import { boards, manager, ms, richOs, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("soak: random arrivals keep the baseband's deadlines for every seed")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", {
          period: ms(20),
          execution: { kind: "uniform", minNs: ms(1), maxNs: ms(3) },
          priority: 8,
        }),
        task("ipc", { channel: "android->baseband", wcet: us(20), deadline: ms(10), priority: 5 }),
      ],
    }),
  )
  .cell("android", richOs({ priority: 50, processes: 6, ui: { fps: 60, frameCycles: 1_500_000 } }))
  .cell("mgr", manager({ priority: 150 }))
  .channel("android", "baseband", { slots: 32, maxBytes: 256 })
  .script((t) =>
    t
      .poisson(ms(40), (t) => t.irq("net"))
      .uniform(ms(5), ms(50), (t) => t.irq("uart"))
      .poisson(ms(250), (t) => t.ipcBurst("android", "baseband", { messages: 200, bytes: 128 }))
  )
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.irqLatency("radio").p99.toBeBelow(us(20)),
    r.responseTime("baseband", "audio").max.toBeBelow(ms(8)),
  ])
  .run({ for: s(2) });
