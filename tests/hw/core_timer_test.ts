import assert from "node:assert/strict";
import { Engine } from "../../hw/engine.ts";
import { InterruptController } from "../../hw/interrupt_controller.ts";
import { CoreTimer } from "../../hw/core_timer.ts";

function setup() {
  const engine = new Engine();
  const interrupts = new InterruptController(engine, { kind: "gic", cores: 2, lines: 64 });
  interrupts.enable(30);
  const times: [number, number][] = [];
  for (const core of [0, 1]) {
    interrupts.connect(core, (c) => {
      const line = interrupts.acknowledge(c);
      times.push([c, engine.now]);
      interrupts.endOfInterrupt(c, line);
    });
  }
  return { engine, interrupts, times };
}

Deno.test("CoreTimer.setOneShot() raises its banked line at the compare time to the ns", () => {
  const { engine, interrupts, times } = setup();
  const timer = new CoreTimer(engine, { core: 1, interrupts, line: 30 });
  timer.setOneShot(1_000_001);
  engine.run({ until: 5_000_000 });
  assert.deepEqual(times, [[1, 1_000_001]]);
  assert.equal(interrupts.assertedAt(30, 1), 1_000_001);
  assert.equal(interrupts.assertedAt(30, 0), -1);
});

Deno.test("CoreTimer.setPeriodic() fires at start + k × period without drift", () => {
  const { engine, interrupts, times } = setup();
  const timer = new CoreTimer(engine, { core: 0, interrupts, line: 30 });
  timer.setPeriodic(333_333, { start: 100 });
  engine.run({ until: 1_000_000 });
  assert.deepEqual(times, [[0, 100], [0, 333_433], [0, 666_766], [0, 1_000_099]].slice(0, 3));
  assert.equal(timer.nextAt, 1_000_099);
  timer.cancel();
  engine.run({ until: 2_000_000 });
  assert.equal(times.length, 3);
  assert.equal(timer.fired, 3);
});

Deno.test("CoreTimer.setPeriodic() defaults the first firing to now + period", () => {
  const { engine, interrupts, times } = setup();
  const timer = new CoreTimer(engine, { core: 0, interrupts, line: 30 });
  engine.run({ until: 10 });
  timer.setPeriodic(1_000);
  engine.run({ until: 3_010 });
  assert.deepEqual(times, [[0, 1_010], [0, 2_010], [0, 3_010]]);
});

Deno.test("CoreTimer.setOneShot() rejects a time in the past", () => {
  const { engine, interrupts } = setup();
  const timer = new CoreTimer(engine, { core: 0, interrupts, line: 30 });
  engine.run({ until: 100 });
  assert.throws(
    () => timer.setOneShot(99),
    /time 99 is not a whole number of nanoseconds at or after now \(100\)/,
  );
});
