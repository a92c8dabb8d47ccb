import assert from "node:assert/strict";
import { Fingerprint } from "../../hw/fingerprint.ts";
import { TraceBus, type TraceRecord, type TraceSink } from "../../hw/trace_bus.ts";

Deno.test("TraceBus.active is false with zero subscribers", () => {
  const bus = new TraceBus();
  assert.equal(bus.active, false);
});

Deno.test("TraceBus.subscribe() makes the bus active and delivers records in order", () => {
  const bus = new TraceBus();
  const first: string[] = [];
  const second: string[] = [];
  bus.subscribe((record) => first.push(`${record.time} ${record.kind}`));
  bus.subscribe((record) => second.push(record.source));
  assert.equal(bus.active, true);
  bus.emit({ time: 1, kind: "irq.raise", source: "gic", line: 3 });
  bus.emit({ time: 2, kind: "vcpu.switch", source: "core0" });
  assert.deepEqual(first, ["1 irq.raise", "2 vcpu.switch"]);
  assert.deepEqual(second, ["gic", "core0"]);
});

Deno.test("TraceBus.subscribe() returns a function that unsubscribes", () => {
  const bus = new TraceBus();
  const a: TraceRecord[] = [];
  const b: TraceRecord[] = [];
  const stopA = bus.subscribe((record) => a.push(record));
  const stopB = bus.subscribe((record) => b.push(record));
  stopA();
  assert.equal(bus.active, true);
  bus.emit({ time: 5, kind: "x", source: "s" });
  assert.equal(a.length, 0);
  assert.equal(b.length, 1);
  stopB();
  assert.equal(bus.active, false);
  stopB();
  assert.equal(bus.active, false);
  bus.emit({ time: 6, kind: "x", source: "s" });
  assert.equal(b.length, 1);
});

Deno.test("TraceBus.emit() passes the record object itself, with its fields", () => {
  const bus = new TraceBus();
  let seen: TraceRecord | undefined;
  bus.subscribe((record) => seen = record);
  const record = { time: 9, kind: "ipc.send", source: "cell1", bytes: 64, ok: true };
  bus.emit(record);
  assert.equal(seen, record);
});

Deno.test("TraceBus.subscribe() during an emit takes effect from the next record", () => {
  const bus = new TraceBus();
  const late: number[] = [];
  bus.subscribe(() => {
    if (late.length === 0) bus.subscribe((record) => late.push(record.time));
  });
  bus.emit({ time: 1, kind: "x", source: "s" });
  assert.deepEqual(late, []);
  bus.emit({ time: 2, kind: "x", source: "s" });
  assert.deepEqual(late, [2]);
});

Deno.test("TraceBus.hashInto feeds a fingerprint every record until stopped", async () => {
  const { Fingerprint } = await import("../../hw/fingerprint.ts");
  const bus = new TraceBus();
  const fed = new Fingerprint();
  const plain = new Fingerprint();
  const stop = bus.hashInto(fed);
  assert.equal(bus.active, true);
  bus.emit({ time: 1, kind: "x", source: "s", n: 5 });
  plain.add({ time: 1, kind: "x", source: "s", n: 5 });
  stop();
  assert.equal(bus.active, false);
  bus.emit({ time: 2, kind: "x", source: "s", n: 6 });
  assert.equal(fed.records, 1);
  assert.equal(fed.hex(), plain.hex());
});

Deno.test("TraceBus sinks: values while no plain subscriber listens, records otherwise", () => {
  const bus = new TraceBus();
  const seen: string[] = [];
  const sink: TraceSink = {
    observe: (record) => seen.push(`record ${record.kind}`),
    slice: (kernel, source, start, durationNs) =>
      seen.push(`slice ${kernel} ${source} ${start}+${durationNs}`),
    count: (time, kind, source) => seen.push(`count ${kind} ${source} ${time}`),
    sample: (time, kind, source, key, value) =>
      seen.push(`sample ${kind} ${source} ${time} ${key}=${value}`),
  };
  const fingerprint = new Fingerprint();
  bus.hashInto(fingerprint);
  const stopSink = bus.subscribeSink(sink);
  assert.deepEqual([bus.active, bus.recordsWanted], [true, false]);
  bus.emitSlice(11, true, "kernel", 100, 20);
  bus.emitCount(12, 130, "vcpu.switch", "rtos");
  bus.emitSample(13, 135, "task.finish", "rtos", "frame", 700);
  bus.emit({ time: 140, kind: "irq.raise", source: "gic", line: 3 });
  assert.deepEqual(seen, [
    "slice true kernel 100+20",
    "count vcpu.switch rtos 130",
    "sample task.finish rtos 135 frame=700",
    "record irq.raise",
  ]);
  assert.equal(fingerprint.records, 4);
  const byHash = new Fingerprint();
  byHash.addHash(11);
  byHash.addHash(12);
  byHash.addHash(13);
  byHash.add({ time: 140, kind: "irq.raise", source: "gic", line: 3 });
  assert.equal(fingerprint.hex(), byHash.hex());
  const stop = bus.subscribe(() => {});
  assert.equal(bus.recordsWanted, true);
  stop();
  assert.equal(bus.recordsWanted, false);
  stopSink();
  assert.equal(bus.active, true, "the fingerprint still listens");
});
