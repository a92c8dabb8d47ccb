import assert from "node:assert/strict";
import { DEVICE_KINDS } from "../../hw/_device_kinds.ts";

Deno.test("DEVICE_KINDS covers every device kind with its minimum window", () => {
  assert.deepEqual(Object.keys(DEVICE_KINDS), [
    "keypad",
    "display",
    "radio",
    "uart",
    "net",
    "flash",
    "watchdog",
    "can",
    "timer",
  ]);
  assert.equal(DEVICE_KINDS.display.minimumSize({}), 0x1000 + 76_800);
  assert.equal(DEVICE_KINDS.flash.minimumSize({ pageBytes: 4096 }), 0x2000);
});
