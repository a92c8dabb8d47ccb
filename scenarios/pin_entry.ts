/**
 * (e) PIN entry end to end: Android asks the PIN cell (a native cell with no OS, a small
 * trusted base) to verify a PIN. The PIN cell owns the keypad, lights the display's secure
 * indicator, collects the digits in its own memory and answers ok or fail only. Scans of every
 * frame each cell can read show the PIN's bytes only ever in the PIN cell.
 *
 * Run: deno run scenarios/pin_entry.ts [--seed N]
 *
 * @module
 */

import { boards, ms, pinEntry, richOs, s, scenario } from "../mod.ts";

await scenario("PIN entry end to end: the secret is readable by no other cell")
  .board(boards.handset())
  .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
  .cell("android", richOs({ priority: 50, vcpus: 2, processes: 4 }))
  .endpoint("android", "pin")
  .script((t) =>
    t
      .step("wrong PIN", (t) => t.at(ms(100)).request("android", "pin").at(ms(150)).keypad("1234#"))
      .step("right PIN", (t) => t.at(ms(900)).request("android", "pin").at(ms(950)).keypad("4711#"))
  )
  .expect((r) => [
    r.secret("4711").readableBy("pin"),
    r.secret("4711").notReadableBy("android"),
    r.irqLatency("keypad").count.toBe(10),
    r.replies("android").toBe("00,01"),
  ])
  .run({ for: s(2) });
