/**
 * (g) Firmware over the air with a fast switch-over: the backend streams a signed image of the
 * modem service to the device manager, which writes it to the standby flash slot (real NAND
 * program and erase times), verifies its signature, boots the new instance beside the old
 * one, hands the service state over by IPC, waits for its health check and switches channels
 * and IRQ routes atomically. The service gap is measured from the switch to the new instance
 * handling its first event. The baseband keeps its deadlines during the update.
 *
 * Run: deno run scenarios/fota.ts [--seed N]
 *
 * @module
 */

import { boards, fotaService, manager, ms, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("FOTA of the modem service with a measured switch-over gap")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 })],
    }),
  )
  .cell("mgr", manager({ priority: 150 }))
  .cell("modem", fotaService({ priority: 120 }))
  .script((t) => t.step("update", (t) => t.at(ms(100)).fota("modem", { version: "2.1" })))
  .expect((r) => [
    r.fota("modem").outcome.toBe("switched"),
    r.fota("modem").downtime.toBeBelow(ms(1)),
    r.deadlineMisses("baseband").toBe(0),
    r.commands().rejected.toBe(0),
  ])
  .run({ for: s(1) });
