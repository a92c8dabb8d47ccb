/**
 * (g, rollback) FOTA failure paths of the baseband RTOS: an image with a bad signature is
 * rejected and the old baseband keeps running; an image whose new instance crashes during boot
 * is rolled back (the new instance destroyed and zeroized, the old one still serving). Every
 * GSM frame is served on time throughout.
 *
 * Run: deno run scenarios/fota_rollback.ts [--seed N]
 *
 * @module
 */

import { boards, manager, ms, rtos, s, scenario, task, updatable, us } from "../mod.ts";

await scenario("FOTA rollback: a bad signature is rejected, a crashing image rolls back")
  .board(boards.handset())
  .cell(
    "baseband",
    updatable(rtos({
      priority: 200,
      tasks: [task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 })],
    })),
  )
  .cell("mgr", manager({ priority: 150 }))
  .script((t) =>
    t
      .step("bad signature", (t) => t.at(ms(100)).fota("baseband", { badSignature: true }))
      .step("crash on boot", (t) => t.at(ms(400)).fota("baseband", { variant: "crash-on-boot" }))
  )
  .expect((r) => [
    r.step("bad signature").fota("baseband").outcome.toBe("rejected"),
    r.step("crash on boot").fota("baseband").outcome.toBe("rolled-back"),
    r.deadlineMisses("baseband").toBe(0),
    r.completions("baseband", "frame").toBe(217),
  ])
  .run({ for: s(1) });
