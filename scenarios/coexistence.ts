/**
 * (a) Coexistence: a GSM baseband RTOS and a loaded Android share the handset's single ARM11
 * core. Android runs 12 CPU-bound processes and a 60 Hz UI and sends the baseband a 64-byte
 * radio-interface message every 10 ms; the baseband, at a higher vCPU priority, holds every
 * frame deadline (4.615 ms) and its audio deadline and takes every message, while Android
 * still gets the rest of the core. This is the reference handset of `deno task bench`.
 *
 * Run: deno run scenarios/coexistence.ts [--seed N] [--for 5s]
 *
 * @module
 */

import { boards, ms, richOs, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("RTOS and rich OS coexist: baseband deadlines hold under Android load")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
        task("control", { period: ms(100), wcet: ms(5), priority: 4 }),
        task("ril", { channel: "android->baseband", wcet: us(30), deadline: ms(10), priority: 6 }),
      ],
    }),
  )
  .cell(
    "android",
    richOs({
      priority: 50,
      processes: 12,
      ui: { fps: 60, frameCycles: 3_000_000 },
      ipc: { channel: "android->baseband", every: ms(10), bytes: 64 },
    }),
  )
  .channel("android", "baseband", { slots: 16, maxBytes: 128 })
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.responseTime("baseband", "frame").max.toBeBelow(ms(1.5)),
    r.responseTime("baseband", "audio").max.toBeBelow(ms(5)),
    r.completions("baseband", "frame").toBeAtLeast(1_000),
    r.ipc("android", "baseband").received.toBeAtLeast(495),
    r.ipc("android", "baseband").latency.max.toBeBelow(ms(1)),
    r.cpuShare("android").toBeAbove(0.4),
    r.kernelShare().toBeBelow(0.05),
  ])
  .run({ for: s(5) });
