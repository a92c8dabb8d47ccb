import assert from "node:assert/strict";
import { SystemTimer } from "../../../hw/devices/system_timer.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = SystemTimer.registers;

function timer() {
  const h = harness();
  const device = new SystemTimer(h.engine, {
    name: "timer",
    base: 0x53f9_4000,
    size: 0x1000,
    irq: 27,
    interrupts: h.interrupts,
  });
  return { ...h, timer: device };
}

Deno.test("SystemTimer counts ns and fires a one-shot at COMPARE", () => {
  const { engine, timer: t, times } = timer();
  engine.run({ until: 2 ** 32 + 5 });
  assert.equal(readWord(t, R.COUNTER_LO), 5);
  assert.equal(readWord(t, R.COUNTER_HI), 1);
  t.write(R.COMPARE_HI, word(1), "k");
  t.write(R.COMPARE_LO, word(1_000), "k");
  t.write(R.CONTROL, word(1), "k");
  engine.run({ until: 2 ** 32 + 10_000 });
  assert.deepEqual(times(27), [2 ** 32 + 1_000]);
});

Deno.test("SystemTimer periodic mode fires every PERIOD ns", () => {
  const { engine, timer: t, times } = timer();
  t.write(R.PERIOD, word(1_000_000), "k");
  t.write(R.CONTROL, word(2), "k");
  engine.run({ until: 3_500_000 });
  assert.deepEqual(times(27), [1_000_000, 2_000_000, 3_000_000]);
  t.write(R.CONTROL, word(0), "k");
  engine.run({ until: 9_000_000 });
  assert.equal(times(27).length, 3);
});
