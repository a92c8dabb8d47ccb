/** A small multicore scenario with IPC, tasks, a busy cell and one failing assertion. */

import { boards, compute, native, scenario, send, sleep } from "../../../mod.ts";
import type { Scenario } from "../../../mod.ts";
import { rtos, task } from "../../../guests/rtos.ts";

export function fixture(): Scenario {
  return scenario("exporter fixture")
    .board(boards.automotive())
    .cell(
      "ctl",
      rtos({
        priority: 200,
        tasks: [
          task("rx", { channel: "app->ctl", wcet: 20_000, deadline: 1_000_000, priority: 5 }),
          task("loop", { period: 1_000_000, wcet: 150_000, priority: 8 }),
        ],
      }),
    )
    .cell(
      "app",
      native({
        priority: 100,
        affinity: 1,
        *program(ctx) {
          for (;;) {
            for (let i = 0; i < 3; i++) yield* send(ctx.caps["send:app->ctl"], new Uint8Array(48));
            yield* compute(60_000);
            yield* sleep(700_000);
          }
        },
      }),
    )
    .cell(
      "busy",
      native({
        priority: 10,
        *program() {
          for (;;) yield* compute(120_000);
        },
      }),
    )
    .channel("app", "ctl", { slots: 8, maxBytes: 64 })
    .expect((r) => [
      r.deadlineMisses("ctl").toBe(0),
      r.responseTime("ctl", "loop").max.toBeBelow(1_000),
    ]);
}

/** The demo's set-up on the handset: the baseband's frame task is driven by the radio IRQ. */
export function radioFixture(): Scenario {
  return scenario("radio fixture")
    .board(boards.handset())
    .cell(
      "baseband",
      rtos({
        priority: 200,
        tasks: [task("frame", { irq: "radio", wcet: 90_000, deadline: 4_615_000, priority: 10 })],
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
    );
}
