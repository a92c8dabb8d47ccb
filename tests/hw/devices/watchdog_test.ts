import assert from "node:assert/strict";
import { Watchdog } from "../../../hw/devices/watchdog.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = Watchdog.registers;

function watchdog() {
  const h = harness();
  const bites: number[] = [];
  const device = new Watchdog(h.engine, {
    name: "watchdog",
    base: 0x53fd_c000,
    size: 0x1000,
    irq: 55,
    interrupts: h.interrupts,
    onBite: (time) => bites.push(time),
  });
  return { ...h, watchdog: device, bites };
}

Deno.test("Watchdog bites LOAD µs after the last kick", () => {
  const { engine, watchdog: w, bites, times } = watchdog();
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  w.write(R.LOAD, word(2_000), "mgr"); // 2 ms
  engine.schedule(100, () => w.write(R.CONTROL, word(1), "mgr"));
  engine.schedule(1_500_000, () => w.write(R.KICK, word(0), "mgr"));
  engine.run({ until: 3_499_999 });
  assert.deepEqual(bites, []);
  assert.equal(readWord(w, R.REMAINING), 0); // 1 ns left, rounds down to 0 µs
  engine.run({ until: 10_000_000 });
  assert.deepEqual(bites, [3_500_000]);
  assert.deepEqual(times(55), [3_500_000]);
  assert.equal(readWord(w, R.STATUS), 1);
  assert.equal(readWord(w, R.CONTROL), 0);
  assert.deepEqual(records.filter((r) => r.kind === "watchdog.bite"), [{
    time: 3_500_000,
    kind: "watchdog.bite",
    source: "watchdog",
    bites: 1,
  }]);
});

Deno.test("Watchdog defaults to 1 s and does not bite when disabled", () => {
  const { engine, watchdog: w, bites } = watchdog();
  w.enable();
  assert.equal(w.expiresAt, 1_000_000_000);
  engine.run({ until: 500_000_000 });
  assert.equal(readWord(w, R.REMAINING), 500_000);
  w.disable();
  engine.run({ until: 5_000_000_000 });
  assert.deepEqual(bites, []);
});
