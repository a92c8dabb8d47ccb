/**
 * (g, rollback) FOTA failure paths: an image with a bad signature is rejected and the old
 * modem keeps running; an image whose new instance crashes during boot is rolled back (the new
 * instance destroyed and zeroized, the old one still serving); the baseband never notices.
 *
 * Run: deno run scenarios/fota_rollback.ts [--seed N]
 *
 * @module
 */

import { boards, fotaService, manager, ms, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("FOTA rollback: a bad signature is rejected, a crashing image rolls back")
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
  .cell("radio-if", fotaService({ priority: 110 }))
  .script((t) =>
    t
      .step("bad signature", (t) => t.at(ms(100)).fota("modem", { badSignature: true }))
      .step("crash on boot", (t) => t.at(ms(400)).fota("radio-if", { variant: "crash-on-boot" }))
  )
  .expect((r) => [
    r.fota("modem").outcome.toBe("rejected"),
    r.fota("radio-if").outcome.toBe("rolled-back"),
    r.deadlineMisses("baseband").toBe(0),
  ])
  .run({ for: s(1) });
