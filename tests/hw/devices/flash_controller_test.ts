import assert from "node:assert/strict";
import { FlashController } from "../../../hw/devices/flash_controller.ts";
import { PhysicalMemory } from "../../../hw/physical_memory.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = FlashController.registers;
const S = FlashController.status;
const C = FlashController.commands;

function flash() {
  const h = harness();
  const device = new FlashController(h.engine, {
    name: "flash",
    base: 0xb800_0000,
    size: 0x2000,
    irq: 33,
    interrupts: h.interrupts,
    flashBytes: 1 << 20,
  });
  return { ...h, flash: device };
}

Deno.test("FlashController starts erased and is read through PhysicalMemory", () => {
  const { flash: f } = flash();
  const memory = new PhysicalMemory([
    { name: "flash", base: 0xa000_0000, size: 1 << 20, kind: "flash" },
  ]);
  memory.attachFlash(f.storage);
  assert.equal(memory.readU32(0xa000_0000), 0xffff_ffff);
  f.program(0, new Uint8Array([0x11, 0x22, 0x33, 0x44]));
  assert.equal(memory.readU32(0xa000_0000), 0xffff_ffff); // not yet: 200 µs
});

Deno.test("FlashController.program() takes 200 µs per page, busy until done", () => {
  const { engine, flash: f, times } = flash();
  assert.equal(f.program(0x800, new Uint8Array(2_048).fill(0x5a)), 200_000);
  assert.equal(f.busy, true);
  assert.equal(readWord(f, R.STATUS) & S.BUSY, S.BUSY);
  assert.throws(() => f.eraseBlock(0), /it is busy with a program until 200000 ns/);
  engine.run({ until: 199_999 });
  assert.equal(f.busy, true);
  assert.equal(f.readFlash(0x800, 1)[0], 0xff);
  engine.run({ until: 200_000 });
  assert.equal(f.busy, false);
  assert.deepEqual(times(33), [200_000]);
  assert.equal(f.readFlash(0x800, 1)[0], 0x5a);
  assert.equal(readWord(f, R.STATUS), S.DONE);
  // Three pages (the range touches pages 0, 1 and 2) take 600 µs.
  assert.equal(f.program(0x7ff, new Uint8Array(2_050)), 800_000);
});

Deno.test("FlashController programming only clears bits", () => {
  const { engine, flash: f } = flash();
  f.program(0, new Uint8Array([0b1100_1100]));
  engine.run({ until: 200_000 });
  f.program(0, new Uint8Array([0b1010_1010]));
  engine.run({ until: 400_000 });
  assert.equal(f.readFlash(0, 1)[0], 0b1000_1000);
});

Deno.test("FlashController.eraseBlock() takes 2 ms and erases the whole 128 KiB block", () => {
  const { engine, flash: f, times } = flash();
  f.program(0x2_0000, new Uint8Array(4).fill(0));
  engine.run({ until: 200_000 });
  assert.equal(f.eraseBlock(0x3_ffff), 2_200_000);
  engine.run({ until: 2_199_999 });
  assert.equal(f.readFlash(0x2_0000, 1)[0], 0);
  engine.run({ until: 2_200_000 });
  assert.deepEqual(f.readFlash(0x2_0000, 4), new Uint8Array(4).fill(0xff));
  assert.equal(f.programmedPages, 0);
  assert.deepEqual(times(33), [200_000, 2_200_000]);
});

Deno.test("FlashController registers: page buffer program, read, and error bits", () => {
  const { engine, flash: f } = flash();
  f.write(R.BUFFER, new Uint8Array([1, 2, 3, 4]), "mgr");
  f.write(R.ADDR, word(0x1000), "mgr");
  f.write(R.CMD, word(C.PROGRAM), "mgr");
  f.write(R.CMD, word(C.ERASE), "mgr");
  assert.equal(readWord(f, R.STATUS), S.BUSY | S.ERROR_BUSY);
  engine.run({ until: 200_000 });
  f.write(R.STATUS, word(S.ERROR_BUSY | S.DONE), "mgr");
  assert.equal(readWord(f, R.STATUS), 0);
  f.write(R.ADDR, word(0x1001), "mgr");
  f.write(R.CMD, word(C.PROGRAM), "mgr");
  assert.equal(readWord(f, R.STATUS), S.ERROR_ADDRESS);
  assert.deepEqual(f.readFlash(0x1000, 5), new Uint8Array([1, 2, 3, 4, 0xff]));
  f.write(R.BUFFER, new Uint8Array(2_048).fill(0), "mgr");
  f.write(R.ADDR, word(0x1000), "mgr");
  f.write(R.CMD, word(C.READ), "mgr");
  engine.run({ until: 224_999 });
  assert.equal(f.busy, true);
  engine.run({ until: 225_000 });
  assert.deepEqual(f.read(R.BUFFER, 5), new Uint8Array([1, 2, 3, 4, 0xff]));
  assert.equal(readWord(f, R.PAGE_BYTES), 2_048);
  assert.equal(readWord(f, R.BLOCK_BYTES), 131_072);
});

Deno.test("FlashController.powerLoss() during a program tears the current page in half", () => {
  const { engine, flash: f, times } = flash();
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  f.program(0, new Uint8Array(3 * 2_048).fill(0)); // 600 µs
  engine.run({ until: 250_000 }); // page 0 done, page 1 in progress
  f.powerLoss();
  assert.equal(f.busy, false);
  assert.ok(f.readFlash(0, 2_048).every((b) => b === 0));
  assert.ok(f.readFlash(2_048, 1_024).every((b) => b === 0));
  assert.ok(f.readFlash(3_072, 1_024).every((b) => b === 0xff));
  assert.ok(f.readFlash(4_096, 2_048).every((b) => b === 0xff));
  engine.run({ until: 1_000_000 });
  assert.deepEqual(times(33), []);
  assert.deepEqual(records.find((r) => r.kind === "flash.power_loss"), {
    time: 250_000,
    kind: "flash.power_loss",
    source: "flash",
    operation: "program",
    offset: 0,
  });
});

Deno.test("FlashController.powerLoss() during an erase leaves the first half erased", () => {
  const { engine, flash: f } = flash();
  f.program(0, new Uint8Array(2_048).fill(0));
  engine.run({ until: 200_000 });
  f.program(0x1_0000, new Uint8Array(2_048).fill(0));
  engine.run({ until: 400_000 });
  f.eraseBlock(0);
  engine.run({ until: 1_000_000 });
  f.powerLoss();
  assert.equal(f.readFlash(0, 1)[0], 0xff); // first half erased
  assert.equal(f.readFlash(0x1_0000, 1)[0], 0); // second half intact
  assert.equal(f.read(R.BUFFER, 1)[0], 0xff);
});
