/**
 * (b) IPC burst: Android floods a bounded channel to a logger cell that drains in batches
 * every 50 ms. The 64-slot queue fills; every further send is refused with QueueFull (never
 * a silent drop), the logger drains what was accepted, and the baseband, which also receives
 * Android's
 * periodic status messages on its own channel, keeps its deadlines with bounded IPC latency.
 *
 * Run: deno run scenarios/ipc_burst.ts [--seed N]
 *
 * @module
 */

import {
  boards,
  compute,
  ms,
  native,
  receive,
  richOs,
  rtos,
  s,
  scenario,
  sleep,
  task,
  us,
} from "../mod.ts";

await scenario("IPC burst from Android meets bounded queues and measured latency")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("status", {
          channel: "android->baseband",
          wcet: us(30),
          deadline: ms(5),
          priority: 6,
        }),
      ],
    }),
  )
  .cell(
    "android",
    richOs({
      priority: 50,
      processes: 4,
      ipc: { channel: "android->baseband", every: ms(10), bytes: 64 },
    }),
  )
  .cell(
    "logger",
    native({
      priority: 60,
      *program(ctx) {
        const cap = ctx.caps["receive:android->logger"];
        for (;;) {
          yield* sleep(ms(50));
          for (;;) {
            const message = yield* receive(cap);
            if (!message.ok || message.value === undefined) break;
            yield* compute(5_320); // 10 us of logging per message
          }
        }
      },
    }),
  )
  .channel("android", "baseband", { slots: 16, maxBytes: 128 })
  .channel("android", "logger", { slots: 64, maxBytes: 256 })
  .script((t) =>
    t.step(
      "burst",
      (t) => t.at(ms(500)).ipcBurst("android", "logger", { messages: 2_000, bytes: 256 }),
    )
  )
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.ipc("android", "logger").maxDepth.toBe(64),
    r.ipc("android", "logger").sent.toBe(64),
    r.ipc("android", "logger").received.toBe(64),
    r.refusedHypercalls("android").toBe(2_000 - 64),
    r.ipc("android", "baseband").latency.max.toBeBelow(ms(1)),
    r.ipc("android", "baseband").received.toBeAtLeast(190),
  ])
  .run({ for: s(2) });
