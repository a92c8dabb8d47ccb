import assert from "node:assert/strict";
import { Display } from "../../../hw/devices/display.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = Display.registers;

function display() {
  const h = harness();
  const device = new Display(h.engine, {
    name: "display",
    base: 0x53f8_0000,
    size: 0x2_0000,
    irq: 42,
    interrupts: h.interrupts,
  });
  return { ...h, display: device };
}

Deno.test("Display raises vsync at k × 16,666,667 ns while enabled", () => {
  const { engine, display: d, times } = display();
  assert.equal(d.periodNs, 16_666_667);
  engine.run({ until: 20_000_000 });
  assert.deepEqual(times(42), []); // disabled: no events
  d.write(R.CONTROL, word(Display.CONTROL_VSYNC_IRQ), "android");
  engine.run({ until: 1_000_000_020 });
  const vsyncs = times(42);
  assert.equal(vsyncs.length, 59); // vsyncs 2..60
  assert.equal(vsyncs[0], 33_333_334);
  assert.equal(vsyncs[58], 1_000_000_020);
  assert.equal(readWord(d, R.FRAME_COUNT), 60);
  d.write(R.CONTROL, word(0), "android");
  engine.run({ until: 2_000_000_000 });
  assert.equal(times(42).length, 59);
});

Deno.test("Display framebuffer holds real bytes at 0x1000", () => {
  const { display: d } = display();
  assert.equal(readWord(d, R.WIDTH), 320);
  assert.equal(readWord(d, R.HEIGHT), 240);
  d.write(0x1000 + 76_799, new Uint8Array([0xee]), "android");
  assert.deepEqual(d.read(0x1000 + 76_798, 2), new Uint8Array([0, 0xee]));
  assert.equal(d.framebuffer()[76_799], 0xee);
  assert.throws(
    () => d.write(0x1000 + 76_800, new Uint8Array([1]), "x"),
    /framebuffer is 76800 bytes/,
  );
});

Deno.test("Display secure indicator changes are traced with the initiator", () => {
  const { engine, display: d } = display();
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  d.write(R.SECURE_INDICATOR, word(1), "pin");
  d.write(R.SECURE_INDICATOR, word(1), "pin");
  assert.equal(d.secureIndicator, true);
  assert.equal(readWord(d, R.SECURE_INDICATOR), 1);
  d.write(R.SECURE_INDICATOR, word(0), "pin");
  assert.equal(d.secureIndicator, false);
  assert.deepEqual(records, [
    { time: 0, kind: "display.secure", source: "display", on: true, initiator: "pin" },
    { time: 0, kind: "display.secure", source: "display", on: false, initiator: "pin" },
  ]);
});

Deno.test("Display rejects a window too small for its framebuffer", () => {
  const { engine, interrupts } = harness();
  assert.throws(
    () => new Display(engine, { name: "d", base: 0, size: 0x1000, irq: 1, interrupts }),
    /size 4096 is below 80896/,
  );
});
