import assert from "node:assert/strict";
import { keyForScancode, Keypad, scancodeForKey } from "../../../hw/devices/keypad.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = Keypad.registers;

function keypad(options: { scanDelayNs?: number; fifoDepth?: number } = {}) {
  const h = harness();
  const device = new Keypad(h.engine, {
    name: "keypad",
    base: 0x43fa_8000,
    size: 0x1000,
    irq: 24,
    interrupts: h.interrupts,
    ...options,
  });
  return { ...h, keypad: device };
}

Deno.test("Keypad.press() makes the scancode ready and raises the line after 10 µs", () => {
  const { engine, keypad: k, times } = keypad();
  engine.schedule(1_000, () => k.press("7"));
  engine.run({ until: 10_999 });
  assert.equal(readWord(k, R.STATUS), 0);
  assert.deepEqual(times(24), []);
  engine.run({ until: 11_000 });
  assert.deepEqual(times(24), [11_000]);
  assert.equal(readWord(k, R.STATUS), Keypad.STATUS_READY);
  assert.equal(readWord(k, R.SCANCODE), 0x37);
  assert.equal(readWord(k, R.COUNT), 1);
  assert.equal(readWord(k, R.DATA), 0x37);
  assert.equal(readWord(k, R.STATUS), 0);
  assert.equal(readWord(k, R.DATA), 0);
});

Deno.test("Keypad honours a custom scanDelayNs", () => {
  const { engine, keypad: k, times } = keypad({ scanDelayNs: 2_500 });
  k.press("#");
  engine.run({ until: 10_000 });
  assert.deepEqual(times(24), [2_500]);
});

Deno.test("Keypad keeps a FIFO of 16 scancodes and counts overflow", () => {
  const { engine, keypad: k } = keypad();
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  for (let i = 0; i < 18; i++) k.press(String(i % 10));
  engine.run({ until: 10_000 });
  assert.equal(readWord(k, R.COUNT), 16);
  assert.equal(readWord(k, R.OVERFLOW), 2);
  assert.equal(records.filter((r) => r.kind === "keypad.overflow").length, 2);
  const codes = Array.from({ length: 16 }, () => readWord(k, R.DATA));
  assert.deepEqual(codes.map(keyForScancode).join(""), "0123456789012345");
  k.write(R.OVERFLOW, word(0), "pin");
  assert.equal(readWord(k, R.OVERFLOW), 0);
});

Deno.test("scancodeForKey() and keyForScancode() round-trip and reject unknown keys", () => {
  for (
    const key of [
      "0",
      "9",
      "*",
      "#",
      "up",
      "down",
      "left",
      "right",
      "select",
      "call",
      "end",
      "back",
    ]
  ) {
    assert.equal(keyForScancode(scancodeForKey(key)), key);
  }
  assert.throws(() => scancodeForKey("x"), /Cannot press key "x": valid keys are 0 1 2/);
  assert.throws(() => scancodeForKey("toString"), RangeError);
});
