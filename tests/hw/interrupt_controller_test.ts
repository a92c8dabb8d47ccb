import assert from "node:assert/strict";
import { Engine } from "../../hw/engine.ts";
import { InterruptController, SPURIOUS_INTERRUPT } from "../../hw/interrupt_controller.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";

function vic() {
  const engine = new Engine();
  return { engine, ic: new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 }) };
}

function line(
  ic: InterruptController,
  n: number,
  priority: number,
  trigger: "edge" | "level" = "edge",
  targetCore = 0,
) {
  ic.configure({ line: n, name: `l${n}`, priority, trigger, targetCore });
  ic.enable(n);
}

Deno.test("acknowledge() takes the lowest priority value, then the lowest line", () => {
  const { ic } = vic();
  line(ic, 10, 0x40);
  line(ic, 3, 0x40);
  line(ic, 20, 0x10);
  ic.raise(10);
  ic.raise(3);
  ic.raise(20);
  assert.equal(ic.acknowledge(0), 20);
  ic.endOfInterrupt(0, 20);
  assert.equal(ic.acknowledge(0), 3);
  ic.endOfInterrupt(0, 3);
  assert.equal(ic.acknowledge(0), 10);
  ic.endOfInterrupt(0, 10);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
});

Deno.test("acknowledge() only preempts with a strictly more urgent priority", () => {
  const { ic } = vic();
  line(ic, 1, 0x40);
  line(ic, 2, 0x40);
  line(ic, 3, 0x20);
  ic.raise(1);
  assert.equal(ic.acknowledge(0), 1);
  assert.equal(ic.runningPriority(0), 0x40);
  ic.raise(2);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT); // equal priority waits
  ic.raise(3);
  assert.equal(ic.acknowledge(0), 3); // nests
  assert.equal(ic.runningPriority(0), 0x20);
  assert.throws(() => ic.endOfInterrupt(0, 1), /the most recently acknowledged line is 3/);
  ic.endOfInterrupt(0, 3);
  ic.endOfInterrupt(0, 1);
  assert.equal(ic.acknowledge(0), 2);
});

Deno.test("endOfInterrupt() with nothing active is a RangeError", () => {
  const { ic } = vic();
  assert.throws(() => ic.endOfInterrupt(0, 4), /no line is active on that core/);
});

Deno.test("setPriorityMask() signals only lines with priority below the mask", () => {
  const { ic } = vic();
  line(ic, 5, 0x60);
  ic.raise(5);
  ic.setPriorityMask(0, 0x60);
  assert.equal(ic.hasDeliverable(0), false);
  const calls: number[] = [];
  ic.connect(0, (core) => calls.push(core));
  assert.deepEqual(calls, []);
  ic.setPriorityMask(0, 0x61);
  assert.deepEqual(calls, [0]);
  assert.equal(ic.acknowledge(0), 5);
});

Deno.test("disable() keeps a line pending and enable() delivers it", () => {
  const { ic } = vic();
  ic.raise(9);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
  const calls: number[] = [];
  ic.connect(0, (core) => calls.push(core));
  ic.enable(9);
  assert.deepEqual(calls, [0]);
  assert.equal(ic.acknowledge(0), 9);
});

Deno.test("edge lines latch one pending raise; level lines follow the input", () => {
  const { engine, ic } = vic();
  line(ic, 1, 0x80, "edge");
  line(ic, 2, 0x80, "level");
  engine.schedule(100, () => ic.raise(1));
  engine.schedule(200, () => ic.raise(1));
  engine.run({ until: 300 });
  assert.equal(ic.assertedAt(1), 100); // the second raise was coalesced
  assert.equal(ic.acknowledge(0), 1);
  assert.equal(ic.isPending(1), false);
  ic.raise(1); // latches while active
  ic.endOfInterrupt(0, 1);
  assert.equal(ic.acknowledge(0), 1);
  ic.endOfInterrupt(0, 1);

  ic.raise(2);
  assert.equal(ic.acknowledge(0), 2);
  assert.equal(ic.isPending(2), true); // still asserted
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT); // active, not taken again
  ic.endOfInterrupt(0, 2);
  assert.equal(ic.acknowledge(0), 2); // still asserted after EOI: taken again
  ic.lower(2);
  ic.endOfInterrupt(0, 2);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
});

Deno.test("raise() routes an SPI to its target core only", () => {
  const engine = new Engine();
  const ic = new InterruptController(engine, { kind: "gic", cores: 4, lines: 256 });
  line(ic, 100, 0x80, "edge", 2);
  const calls: number[] = [];
  for (let c = 0; c < 4; c++) ic.connect(c, (core) => calls.push(core));
  ic.raise(100);
  assert.deepEqual(calls, [2]);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
  ic.setTarget(100, 3);
  assert.deepEqual(calls, [2, 3]);
  assert.equal(ic.acknowledge(3), 100);
});

Deno.test("sendSoftwareInterrupt() pends an SGI in the target core's bank on a gic", () => {
  const engine = new Engine();
  const ic = new InterruptController(engine, { kind: "gic", cores: 2, lines: 64 });
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  const calls: number[] = [];
  ic.connect(0, (core) => calls.push(core));
  ic.connect(1, (core) => calls.push(core));
  ic.sendSoftwareInterrupt(1, 7);
  assert.deepEqual(calls, [1]);
  assert.equal(ic.isPending(7, 1), true);
  assert.equal(ic.isPending(7, 0), false);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
  assert.equal(ic.acknowledge(1), 7);
  ic.endOfInterrupt(1, 7);
  assert.deepEqual(records, [
    { time: 0, kind: "irq.raise", source: "gic", line: 7, name: "irq7", core: 1 },
    { time: 0, kind: "irq.ack", source: "gic", line: 7, core: 1 },
    { time: 0, kind: "irq.eoi", source: "gic", line: 7, core: 1 },
  ]);
  assert.throws(() => ic.sendSoftwareInterrupt(0, 16), /valid SGI ids are 0..15/);
  const vicOnly = new InterruptController(engine, { kind: "vic", cores: 1, lines: 64 });
  assert.throws(() => vicOnly.sendSoftwareInterrupt(0, 1), /a vic has no SGIs/);
});

Deno.test("raise() keeps PPI state per core on a gic", () => {
  const engine = new Engine();
  const ic = new InterruptController(engine, { kind: "gic", cores: 2, lines: 64 });
  ic.configure({ line: 30, name: "timer", priority: 0x20, trigger: "edge", targetCore: 0 });
  ic.enable(30);
  ic.raise(30, 1);
  assert.equal(ic.isPending(30, 1), true);
  assert.equal(ic.isPending(30, 0), false);
  assert.equal(ic.acknowledge(0), SPURIOUS_INTERRUPT);
  assert.equal(ic.acknowledge(1), 30);
  ic.raise(30, 0);
  assert.equal(ic.acknowledge(0), 30);
});

Deno.test("connect() handlers re-run instead of nesting when they change state", () => {
  const { ic } = vic();
  line(ic, 1, 0x40);
  line(ic, 2, 0x40);
  const taken: number[] = [];
  ic.connect(0, (core) => {
    const n = ic.acknowledge(core);
    taken.push(n);
    if (n === 1) ic.raise(2);
    ic.endOfInterrupt(core, n);
  });
  ic.raise(1);
  assert.deepEqual(taken, [1, 2]);
});

Deno.test("configure() rejects out-of-range fields and duplicate names", () => {
  const { ic } = vic();
  assert.throws(
    () => ic.configure({ line: 64, name: "x", priority: 0, trigger: "edge", targetCore: 0 }),
    /Cannot configure interrupt line 64: valid lines are 0..63/,
  );
  assert.throws(
    () => ic.configure({ line: 1, name: "x", priority: 256, trigger: "edge", targetCore: 0 }),
    /priority 256 is not an integer in 0..255/,
  );
  assert.throws(
    () => ic.configure({ line: 1, name: "x", priority: 1, trigger: "edge", targetCore: 1 }),
    /core 1 is out of range, valid cores are 0..0/,
  );
  ic.configure({ line: 1, name: "uart", priority: 1, trigger: "edge", targetCore: 0 });
  assert.throws(
    () => ic.configure({ line: 2, name: "uart", priority: 1, trigger: "edge", targetCore: 0 }),
    /name "uart" is already used by line 1/,
  );
  const gic = new InterruptController(new Engine(), { kind: "gic", cores: 1, lines: 64 });
  assert.throws(
    () => gic.configure({ line: 3, name: "s", priority: 1, trigger: "level", targetCore: 0 }),
    /SGIs \(lines 0..15\) are edge-triggered/,
  );
});

Deno.test("raise() emits irq.raise with the line name when tracing", () => {
  const { engine, ic } = vic();
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  ic.configure({ line: 24, name: "keypad", priority: 0x40, trigger: "edge", targetCore: 0 });
  engine.schedule(42, () => ic.raise(24));
  engine.run({ until: 100 });
  assert.deepEqual(records, [
    { time: 42, kind: "irq.raise", source: "vic", line: 24, name: "keypad" },
  ]);
});

Deno.test("a GIC keeps each core's active lines and running priority apart", () => {
  const gic = new InterruptController(new Engine(), { kind: "gic", cores: 2, lines: 64 });
  gic.setPriority(40, 0x30);
  gic.setPriority(41, 0x20);
  gic.enable(40);
  gic.enable(41);
  gic.raise(40);
  gic.sendSoftwareInterrupt(1, 2);
  assert.equal(gic.acknowledge(0), 40);
  assert.equal(gic.acknowledge(1), 2);
  gic.raise(41);
  assert.equal(gic.acknowledge(0), 41);
  assert.equal(gic.runningPriority(0), 0x20);
  assert.equal(gic.runningPriority(1), 0x80);
  assert.throws(
    () => gic.endOfInterrupt(0, 40),
    /most recently acknowledged line is 41, end it first \(active: 40, 41\)/,
  );
  gic.endOfInterrupt(0, 41);
  assert.equal(gic.runningPriority(0), 0x30);
  gic.endOfInterrupt(1, 2);
  assert.equal(gic.runningPriority(1), 0x100);
  assert.throws(() => gic.sendSoftwareInterrupt(2, 1), /core 2 is out of range/);
});
