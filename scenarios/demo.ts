/**
 * Demo: the seed use case in one file. A baseband RTOS shares the handset's ARM11 core with a
 * 12-process Android, a PIN-entry cell and a device manager.
 * Android floods the baseband with IPC, asks the PIN cell for the user's PIN (the user types
 * it; Android only learns "ok"), gets compromised and runs the attack library, the backend
 * wipes Android and updates the baseband over the air; the baseband keeps every GSM frame
 * deadline, and no secret leaks.
 *
 * Run: deno run scenarios/demo.ts [--seed N] [--for 3s] [--json FILE]
 *
 * @module
 */

import {
  boards,
  manager,
  ms,
  pinEntry,
  richOs,
  rtos,
  s,
  scenario,
  task,
  updatable,
  us,
} from "../mod.ts";

await scenario("baseband keeps its frame deadline while Android is compromised")
  .board(boards.handset())
  .cell(
    "baseband",
    updatable(rtos({
      priority: 200,
      tasks: [
        task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
        task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
        task("ipc", { channel: "android->baseband", wcet: us(20), deadline: ms(10), priority: 5 }),
      ],
    })),
  )
  .cell(
    "android",
    richOs({ priority: 50, vcpus: 2, processes: 12, ui: { fps: 60, frameCycles: 2_000_000 } }),
  )
  .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
  .cell("mgr", manager({ priority: 150 }))
  .channel("android", "baseband", { slots: 32, maxBytes: 256 })
  .endpoint("android", "pin")
  .script((t) =>
    t
      .at(ms(100)).ipcBurst("android", "baseband", { messages: 5_000, bytes: 256 })
      .at(ms(250)).request("android", "pin")
      .at(ms(300)).keypad("4711#")
      .at(ms(400)).compromise("android")
      .at(s(1.5)).remoteWipe("android")
      .at(s(2)).fota("baseband", { version: "2.1" })
  )
  .expect((r) => [
    r.deadlineMisses("baseband").toBe(0),
    r.irqLatency("radio").p99.toBeBelow(us(20)),
    r.secret("4711").notReadableBy("android"),
    r.replies("android").toBe("01"),
    r.attacks().unblocked.toBe(0),
    r.attacks().leakedBytes.toBe(0),
    r.wipe("android").residue.toBe(0),
    r.fota("baseband").outcome.toBe("switched"),
    r.fota("baseband").downtime.toBeBelow(ms(5)),
  ])
  .run({ for: s(3) });
