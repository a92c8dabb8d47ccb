import assert from "node:assert/strict";
import {
  Engine,
  PRIORITY_HARDWARE,
  PRIORITY_NORMAL,
  PRIORITY_SCRIPT,
  RunLimitError,
} from "../../hw/engine.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";

Deno.test("Engine.run() runs due events in order and sets now to until", () => {
  const engine = new Engine();
  const seen: number[] = [];
  engine.schedule(300, (now) => seen.push(now));
  engine.schedule(100, (now) => seen.push(now));
  engine.schedule(1_001, (now) => seen.push(now));
  engine.run({ until: 1_000 });
  assert.deepEqual(seen, [100, 300]);
  assert.equal(engine.now, 1_000);
  assert.equal(engine.events, 2);
  assert.equal(engine.pending, 1);
  assert.equal(engine.peek(), 1_001);
});

Deno.test("Engine.run() runs events due exactly at until, including ones they schedule", () => {
  const engine = new Engine();
  const seen: string[] = [];
  engine.schedule(500, () => {
    seen.push("at until");
    engine.after(0, () => seen.push("chained at until"));
    engine.after(1, () => seen.push("after until"));
  });
  engine.run({ until: 500 });
  assert.deepEqual(seen, ["at until", "chained at until"]);
  assert.equal(engine.now, 500);
  engine.run({ until: 501 });
  assert.deepEqual(seen, ["at until", "chained at until", "after until"]);
});

Deno.test("Engine.step() runs one event and advances the clock to it", () => {
  const engine = new Engine();
  assert.equal(engine.step(), false);
  engine.schedule(40, () => {});
  engine.schedule(70, () => {});
  assert.equal(engine.step(), true);
  assert.equal(engine.now, 40);
  assert.equal(engine.events, 1);
  assert.equal(engine.peek(), 70);
});

Deno.test("Engine orders equal times by priority class, then scheduling order", () => {
  const engine = new Engine();
  const seen: string[] = [];
  engine.schedule(10, () => seen.push("script"), PRIORITY_SCRIPT);
  engine.schedule(10, () => seen.push("normal 1"));
  engine.schedule(10, () => seen.push("hardware"), PRIORITY_HARDWARE);
  engine.schedule(10, () => seen.push("normal 2"), PRIORITY_NORMAL);
  engine.schedule(10, () => seen.push("class 0"), { priority: 0 });
  engine.run({ until: 10 });
  assert.deepEqual(seen, ["class 0", "hardware", "normal 1", "normal 2", "script"]);
});

Deno.test("Engine.cancel() stops a pending event and returns false afterwards", () => {
  const engine = new Engine();
  let ran = false;
  const handle = engine.after(50, () => ran = true);
  assert.equal(engine.cancel(handle), true);
  assert.equal(engine.cancel(handle), false);
  assert.equal(engine.pending, 0);
  assert.equal(engine.peek(), undefined);
  engine.run({ until: 100 });
  assert.equal(ran, false);
});

Deno.test("Engine.run() throws RunLimitError when it reaches maxEvents", () => {
  const engine = new Engine();
  for (let i = 1; i <= 10; i++) engine.schedule(i * 100, () => {});
  assert.throws(() => engine.run({ until: 10_000, maxEvents: 5 }), {
    name: "RunLimitError",
    message: "Run stopped at 500ns: reached the limit of 5 events; raise maxEvents or " +
      "shorten the run",
  });
  assert.equal(engine.events, 5);
  assert.equal(engine.now, 500);
  assert.equal(engine.pending, 5);
  assert.equal(engine.peek(), 600);
});

Deno.test("Engine.run() does not throw when exactly maxEvents events are due", () => {
  const engine = new Engine();
  for (let i = 1; i <= 5; i++) engine.schedule(i * 100, () => {});
  engine.schedule(2_000, () => {});
  engine.run({ until: 1_000, maxEvents: 5 });
  assert.equal(engine.events, 5);
  assert.equal(engine.now, 1_000);
});

Deno.test("Engine.run() stops a self-rescheduling event at its limit", () => {
  const engine = new Engine();
  const tick = () => engine.after(0, tick);
  engine.after(0, tick);
  assert.throws(() => engine.run({ until: 1, maxEvents: 1_000 }), RunLimitError);
  assert.equal(engine.events, 1_000);
});

Deno.test("Engine.schedule() rejects a time in the past", () => {
  const engine = new Engine();
  engine.run({ until: 1_000 });
  assert.throws(() => engine.schedule(999, () => {}), {
    name: "RangeError",
    message: "Cannot schedule an event at 999 ns: it must be a whole number of nanoseconds " +
      "not before now (1000 ns)",
  });
  assert.throws(() => engine.after(-1, () => {}), {
    name: "RangeError",
    message: "Cannot schedule an event -1 ns from now (1000 ns): a delay must be a whole number " +
      "of nanoseconds, 0 or more",
  });
  assert.throws(() => engine.after(0.5, () => {}), /0.5 ns from now \(1000 ns\)/);
  assert.throws(() => engine.schedule(1_000.5, () => {}), /at 1000.5 ns/);
  assert.throws(() => engine.schedule(NaN, () => {}), /at NaN ns/);
  assert.equal(engine.pending, 0);
});

Deno.test("Engine.postLane() runs a lane's event in its turn among scheduled ones, and clearLane() cancels it", () => {
  const engine = new Engine();
  const lane = engine.openLane();
  const seen: string[] = [];
  engine.run({ until: 100 });
  engine.after(10, () => seen.push("after 1"));
  engine.postLane(lane, 10, (now) => seen.push(`lane at ${now}`));
  engine.schedule(110, () => seen.push("hardware"), PRIORITY_HARDWARE);
  engine.after(10, () => seen.push("after 2"));
  assert.equal(engine.pending, 4);
  engine.run({ until: 200 });
  assert.deepEqual(seen, ["hardware", "after 1", "lane at 110", "after 2"]);
  engine.postLane(lane, 50, () => seen.push("cancelled"));
  assert.equal(engine.peek(), 250);
  assert.equal(engine.clearLane(lane), true);
  assert.equal(engine.clearLane(lane), false);
  assert.equal(engine.pending, 0);
  engine.run({ until: 1_000 });
  assert.equal(seen.length, 4);
});

Deno.test("Engine.postLane() refuses a lane that holds an event, and a bad delay", () => {
  const engine = new Engine();
  const lane = engine.openLane();
  engine.run({ until: 1_000 });
  engine.postLane(lane, 5, () => {});
  assert.throws(() => engine.postLane(lane, 6, () => {}), {
    name: "RangeError",
    message: `Cannot schedule: lane ${lane} already holds a pending event (due at 1005 ns); ` +
      "clear the lane first",
  });
  engine.clearLane(lane);
  assert.throws(() => engine.postLane(lane, -1, () => {}), {
    name: "RangeError",
    message: "Cannot schedule an event -1 ns from now (1000 ns): a delay must be a whole number " +
      "of nanoseconds, 0 or more",
  });
  assert.throws(() => engine.postLane(lane, 0.5, () => {}), /0.5 ns from now/);
  assert.throws(() => engine.postLane(lane, NaN, () => {}), /NaN ns from now/);
  assert.equal(engine.pending, 0);
});

Deno.test("Engine.schedule() rejects a priority class outside 0..255", () => {
  const engine = new Engine();
  for (const priority of [-1, 256, 1.5, NaN]) {
    assert.throws(() => engine.schedule(1, () => {}, { priority }), {
      name: "RangeError",
      message: `Cannot schedule an event: priority class ${priority} is not an integer in 0..255`,
    });
  }
});

Deno.test("Engine.run() rejects an until before now", () => {
  const engine = new Engine();
  engine.run({ until: 100 });
  assert.throws(() => engine.run({ until: 99 }), {
    name: "RangeError",
    message: "Cannot run until 99 ns: it must be a whole number not before now (100 ns)",
  });
});

Deno.test("Engine constructor rejects a negative or fractional seed", () => {
  assert.throws(() => new Engine({ seed: -1 }), {
    name: "RangeError",
    message: "Invalid seed: -1 is not a non-negative safe integer",
  });
  assert.throws(() => new Engine({ seed: 0.5 }), RangeError);
  assert.equal(new Engine().seed, 1);
});

Deno.test("Engine.random() returns one stream per name, derived from the seed", () => {
  const engine = new Engine({ seed: 11 });
  assert.equal(engine.random("radio"), engine.random("radio"));
  assert.notEqual(engine.random("radio"), engine.random("uart"));
  assert.equal(engine.random("radio").seed, 11);
  assert.equal(engine.random("radio").name, "radio");
});

Deno.test("Engine.random() draws of one component do not depend on other components", () => {
  const drawsOfA = (withB: boolean): number[] => {
    const engine = new Engine({ seed: 99 });
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      out.push(engine.random("a").int(0, 1_000_000));
      if (withB) engine.random("b").int(0, 1_000_000);
    }
    return out;
  };
  assert.deepEqual(drawsOfA(true), drawsOfA(false));
});

/** A small randomized simulation: three devices firing at random gaps and tracing it. */
function simulate(seed: number): { hex: string; records: number; log: string[] } {
  const engine = new Engine({ seed });
  const fingerprint = engine.fingerprint();
  const log: string[] = [];
  engine.trace.subscribe((record: TraceRecord) => log.push(`${record.time} ${record.source}`));
  for (const name of ["keypad", "radio", "uart"]) {
    const random = engine.random(name);
    let count = 0;
    const fire = (now: number): void => {
      count++;
      if (engine.trace.active) {
        engine.trace.emit({
          time: now,
          kind: "irq.raise",
          source: name,
          line: random.int(0, 31),
          burst: random.chance(1, 3),
          count,
        });
      }
      engine.after(random.int(1_000, 50_000), fire, { priority: random.int(0, 2) * 100 });
    };
    engine.after(random.int(0, 10_000), fire);
  }
  engine.run({ until: 1_000_000, maxEvents: 10_000 });
  return { hex: fingerprint.hex(), records: fingerprint.records, log };
}

Deno.test("Engine.fingerprint() is the same for two runs with the same seed", () => {
  const first = simulate(2024);
  const second = simulate(2024);
  assert.ok(first.records > 50, `only ${first.records} records`);
  assert.equal(second.records, first.records);
  assert.deepEqual(second.log, first.log);
  assert.equal(second.hex, first.hex);
});

Deno.test("Engine.fingerprint() differs for a different seed", () => {
  assert.notEqual(simulate(2024).hex, simulate(2025).hex);
});

Deno.test("Engine.trace is inactive until something subscribes", () => {
  const engine = new Engine();
  assert.equal(engine.trace.active, false);
  engine.fingerprint();
  assert.equal(engine.trace.active, true);
});
