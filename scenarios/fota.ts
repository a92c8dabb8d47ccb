/**
 * (g) Firmware over the air with a fast switch-over, of the baseband RTOS itself: the backend
 * streams a signed image to the device manager, which writes it to the standby flash slot
 * (real NAND program and erase times), verifies its signature, boots the new baseband beside
 * the old one, hands the state over by IPC, waits for its health check and switches the radio
 * IRQ line atomically. The service gap is measured from the switch to the new instance's
 * go-live acknowledgement; no GSM frame is lost or late across the switch.
 *
 * Run: deno run scenarios/fota.ts [--seed N]
 *
 * @module
 */

import { boards, manager, ms, richOs, rtos, s, scenario, task, updatable, us } from "../mod.ts";

await scenario("FOTA of the baseband RTOS with a measured switch-over gap")
  .board(boards.handset())
  .cell(
    "baseband",
    updatable(rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
      ],
    })),
  )
  .cell("android", richOs({ priority: 50, processes: 4 }))
  .cell("mgr", manager({ priority: 150 }))
  .script((t) => t.step("update", (t) => t.at(s(1)).fota("baseband", { version: "2.1" })))
  .expect((r) => [
    r.fota("baseband").outcome.toBe("switched"),
    r.fota("baseband").downtime.toBeBelow(ms(5)),
    r.deadlineMisses("baseband").toBe(0),
    r.completions("baseband", "frame").toBe(434),
    r.step("update").irqLatency("radio").max.toBeBelow(ms(1)),
    r.commands().rejected.toBe(0),
  ])
  .run({ for: s(2) });
