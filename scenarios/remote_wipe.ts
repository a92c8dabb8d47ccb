/**
 * (f) Remote wipe: the backend sends the device manager a signed wipe of Android. The manager
 * verifies the Ed25519 signature and the anti-replay counter, stops Android, zeroizes its
 * memory, erases its flash partition and restarts it from its image. The baseband keeps
 * running and keeps its deadlines; a forged and a replayed wipe are rejected.
 *
 * Run: deno run scenarios/remote_wipe.ts [--seed N]
 *
 * @module
 */

import { boards, manager, ms, richOs, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("remote wipe of Android while the baseband keeps running")
  .board(boards.handset())
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
  .cell("android", richOs({ priority: 50, processes: 8 }))
  .cell("mgr", manager({ priority: 150 }))
  .script((t) =>
    t
      .step("forged", (t) => t.at(ms(200)).remoteWipe("android", { forged: true }))
      .step("wipe", (t) => t.at(ms(500)).remoteWipe("android"))
      .step("replay", (t) => t.at(ms(900)).remoteWipe("android", { replay: true }))
  )
  .expect((r) => [
    r.commands().accepted.toBe(1),
    r.commands().rejected.toBe(2),
    r.wipe("android").residue.toBe(0),
    r.wipe("android").duration.toBeBelow(ms(100)),
    r.deadlineMisses("baseband").toBe(0),
    r.step("wipe").deadlineMisses("baseband").toBe(0),
    r.step("wipe").completions("baseband", "frame").toBeAtLeast(80),
  ])
  .run({ for: s(1.2) });
