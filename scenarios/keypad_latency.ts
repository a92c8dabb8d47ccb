/**
 * (c) Keypad IRQ latency: the PIN-entry cell owns the keypad interrupt at the highest vCPU
 * priority. While Android runs CPU-bound work and a UI, every key press reaches the PIN
 * cell's handler within a bound that the kernel's own paths explain: IRQ entry, a switch
 * across cells (direct and cache/TLB refill) and vIRQ injection, about 3.6 µs at 532 MHz.
 *
 * Run: deno run scenarios/keypad_latency.ts [--seed N]
 *
 * @module
 */

import { boards, ms, pinEntry, richOs, s, scenario, us } from "../mod.ts";

await scenario("keypad IRQ latency to the PIN cell stays bounded under Android load")
  .board(boards.handset())
  .cell("pin", pinEntry({ priority: 220, pin: "2580" }))
  .cell(
    "android",
    richOs({ priority: 50, vcpus: 2, processes: 8, ui: { fps: 60, frameCycles: 2_000_000 } }),
  )
  .endpoint("android", "pin")
  .script((t) =>
    t
      .at(ms(50)).request("android", "pin")
      .at(ms(100)).keypad("2580#", { gap: ms(150) })
      .at(ms(1_000)).request("android", "pin")
      .at(ms(1_050)).keypad("1234#", { gap: ms(90) })
  )
  .expect((r) => [
    r.irqLatency("keypad").count.toBe(10),
    r.irqLatency("keypad").p99.toBeBelow(us(10)),
    r.irqLatency("keypad").max.toBeBelow(us(10)),
  ])
  .run({ for: s(2) });
