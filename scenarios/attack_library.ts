/**
 * (d) A compromised Android runs the whole attack library through the guest ABI: reading and
 * writing foreign and kernel memory, forged and revoked capabilities, replayed and forged
 * commands, an IPC flood, an IRQ storm on a line it does not own, CPU hogging, touching an
 * unassigned device and reading the keypad the PIN cell owns. Every attack is blocked, no byte
 * leaks, and the baseband, at a higher vCPU priority, keeps its deadlines throughout.
 *
 * Run: deno run scenarios/attack_library.ts [--seed N]
 *
 * @module
 */

import { boards, manager, ms, pinEntry, richOs, rtos, s, scenario, task, us } from "../mod.ts";

await scenario("compromised Android: every attack blocked, zero leaks, deadlines held")
  .board(boards.handset())
  .cell(
    "baseband",
    rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
        task("ipc", { channel: "android->baseband", wcet: us(20), deadline: ms(10), priority: 5 }),
      ],
    }),
  )
  .cell("android", richOs({ priority: 50, processes: 6 }))
  .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
  .cell("mgr", manager({ priority: 150 }))
  .channel("android", "baseband", { slots: 32, maxBytes: 256 })
  .endpoint("android", "pin")
  .script((t) => t.step("attack", (t) => t.at(ms(100)).compromise("android")))
  .expect((r) => [
    r.attacks().run.toBe(11),
    r.attacks().unblocked.toBe(0),
    r.attacks().leakedBytes.toBe(0),
    r.faults("android").toBeAbove(0),
    r.refusedHypercalls("android").toBeAbove(0),
    r.deadlineMisses("baseband").toBe(0),
    r.step("attack").deadlineMisses("baseband").toBe(0),
    r.irqLatency("radio").max.toBeBelow(us(20)),
  ])
  .run({ for: s(1) });
