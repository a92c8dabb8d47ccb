/**
 * (h) Architectural abstraction: the same cells (baseband RTOS, Android, PIN entry) run
 * unchanged on the 1-core ARM11 handset and on the 4-core Cortex-A53 automotive board, each
 * with its board's cost table. This file runs the stack on the automotive board, with Android
 * spread over three cores, and also runs the identical stack on the handset; both hold the
 * frame deadline and both answer the PIN request. IRQ latency differs with each board's
 * clock and cost table (on the automotive board a cross-cell cache/TLB refill is estimated
 * at 2,000 cycles against 1,000 on the handset).
 *
 * Run: deno run scenarios/two_boards.ts [--seed N]
 *
 * @module
 */

import {
  boards,
  type BoardSpec,
  ms,
  pinEntry,
  richOs,
  rtos,
  s,
  type Scenario,
  scenario,
  task,
  us,
} from "../mod.ts";

/** The same stack on any board; only the cores Android may use differ. */
function stack(board: BoardSpec, costs: "handset" | "automotive"): Scenario {
  const cores = board.cores.length;
  return scenario(`same stack on the ${board.name} board`)
    .board(board)
    .kernel({ costs })
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
      richOs({
        priority: 50,
        vcpus: Math.max(1, cores - 1),
        affinity: cores === 1 ? 0 : Array.from({ length: cores - 1 }, (_, i) => i + 1),
        processes: 12,
      }),
    )
    .cell("pin", pinEntry({ priority: 220, pin: "1357" }))
    .endpoint("android", "pin")
    .script((t) => t.at(ms(100)).request("android", "pin").at(ms(150)).keypad("1357#"));
}

const handset = stack(boards.handset(), "handset")
  .expect((r) => [r.deadlineMisses("baseband").toBe(0), r.replies("android").toBe("01")]);

await stack(boards.automotive(), "automotive")
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.replies("android").toBe("01"),
    r.irqLatency("radio").max.toBeBelow(us(10)),
    r.custom("handset run: failed assertions", () => {
      const result = handset.execute({ for: s(1) });
      return result.assertions.filter((a) => !a.passed).length;
    }).toBe(0),
  ])
  .run({ for: s(1) });
