import assert from "node:assert/strict";
import { type MmioDevice, PAGE_SIZE, PhysicalMemory } from "../../hw/physical_memory.ts";
import { BoardError } from "../../hw/board_error.ts";

const MiB = 1024 * 1024;

function handsetMemory(): PhysicalMemory {
  return new PhysicalMemory([
    { name: "dram", base: 0x8000_0000, size: 128 * MiB, kind: "dram" },
    { name: "sram", base: 0x1ffc_0000, size: 256 * 1024, kind: "sram" },
    { name: "flash", base: 0xa000_0000, size: 64 * MiB, kind: "flash" },
    { name: "io", base: 0x43f0_0000, size: 0x10_0000, kind: "mmio" },
  ]);
}

Deno.test("PhysicalMemory reads never-written bytes as zero without allocating", () => {
  const memory = handsetMemory();
  assert.deepEqual(memory.read(0x8000_0000, 16), new Uint8Array(16));
  assert.equal(memory.readU32(0x87ff_fffc), 0);
  assert.ok(memory.isZero(0x8000_0000, 128 * MiB));
  assert.equal(memory.allocatedPages, 0);
});

Deno.test("PhysicalMemory.write() allocates a page on first write only", () => {
  const memory = handsetMemory();
  memory.writeU32(0x8000_0010, 1);
  assert.equal(memory.allocatedPages, 1);
  memory.writeU32(0x8000_0020, 2);
  assert.equal(memory.allocatedPages, 1);
  memory.write(0x8000_0ffe, new Uint8Array([9, 9, 9, 9]));
  assert.equal(memory.allocatedPages, 2);
  assert.deepEqual(memory.read(0x8000_0ffc, 8), new Uint8Array([0, 0, 9, 9, 9, 9, 0, 0]));
  memory.write(0x1ffc_0000, new Uint8Array([1]));
  assert.equal(memory.allocatedPages, 3);
});

Deno.test("PhysicalMemory.zero() frees whole pages and zero-fills partial ones", () => {
  const memory = handsetMemory();
  memory.write(0x8000_0000, new Uint8Array(3 * PAGE_SIZE).fill(0xaa));
  assert.equal(memory.allocatedPages, 3);
  memory.zero(0x8000_0800, 2 * PAGE_SIZE);
  // page 0: partial (second half zeroed, kept); page 1: whole, dropped; page 2: partial.
  assert.equal(memory.allocatedPages, 2);
  assert.equal(memory.read(0x8000_07ff, 1)[0], 0xaa);
  assert.ok(memory.isZero(0x8000_0800, 2 * PAGE_SIZE));
  assert.equal(memory.read(0x8000_2800, 1)[0], 0xaa);
  memory.zero(0x8000_0000, 3 * PAGE_SIZE);
  assert.equal(memory.allocatedPages, 0);
  assert.throws(() => memory.zero(0xa000_0000, 4), /only sram and dram can be zeroed/);
});

Deno.test("PhysicalMemory rejects an access outside every region, naming the regions", () => {
  const memory = handsetMemory();
  assert.throws(
    () => memory.read(0x9000_0000, 4),
    (error: Error) =>
      error instanceof RangeError &&
      error.message.includes("0x90000000") &&
      error.message.includes('"dram" (0x80000000..0x87ffffff)'),
  );
  assert.throws(() => memory.writeU32(0, 1), RangeError);
});

Deno.test("PhysicalMemory rejects an access that straddles two regions", () => {
  const memory = new PhysicalMemory([
    { name: "sram", base: 0x1000, size: 0x1000, kind: "sram" },
    { name: "dram", base: 0x2000, size: 0x1000, kind: "dram" },
  ]);
  assert.throws(
    () => memory.read(0x1ffe, 4),
    /Cannot read 4 bytes at 0x00001ffe: the range ends at 0x00002001, past the end of region "sram" \(0x00001000..0x00001fff\) into region "dram"/,
  );
});

Deno.test("PhysicalMemory dispatches mmio accesses to the device at its offset", () => {
  const memory = handsetMemory();
  const writes: [number, number[], string][] = [];
  const device: MmioDevice = {
    name: "probe",
    base: 0x43f9_0000,
    size: 0x100,
    read: (offset, length) => new Uint8Array(length).fill(offset),
    write: (offset, bytes, initiator) => writes.push([offset, [...bytes], initiator]),
  };
  memory.attach(device);
  assert.deepEqual(memory.read(0x43f9_0010, 2), new Uint8Array([0x10, 0x10]));
  memory.writeU32(0x43f9_0004, 0x0102_0304, "android");
  assert.deepEqual(writes, [[4, [4, 3, 2, 1], "android"]]);
  assert.throws(() => memory.read(0x43f9_0100, 4), /no device there in mmio region "io"/);
  assert.throws(() => memory.read(0x43f9_00fe, 4), /runs past the end of device "probe"/);
  assert.throws(
    () => memory.attach({ ...device, name: "other", base: 0x43f9_0080 }),
    /overlaps device "probe"/,
  );
  assert.throws(
    () => memory.attach({ ...device, name: "ram", base: 0x8000_0000 }),
    /must lie inside one mmio region/,
  );
});

Deno.test("PhysicalMemory refuses plain writes to flash and reads it from the backing", () => {
  const memory = handsetMemory();
  assert.equal(memory.readU32(0xa000_0000), 0);
  assert.throws(
    () => memory.writeU32(0xa000_0000, 1),
    /flash is written through the flash controller/,
  );
  memory.attachFlash({ read: (offset, length) => new Uint8Array(length).fill(offset & 0xff) });
  assert.deepEqual(memory.read(0xa000_0005, 2), new Uint8Array([5, 5]));
});

Deno.test("PhysicalMemory constructor rejects overlapping regions", () => {
  assert.throws(
    () =>
      new PhysicalMemory([
        { name: "sram", base: 0x8000_0000, size: 0x4_0000, kind: "sram" },
        { name: "dram", base: 0x8000_0000, size: 0x1000, kind: "dram" },
      ]),
    (error: Error) =>
      error instanceof BoardError &&
      /region "(dram|sram)" base 0x80000000 overlaps region "(sram|dram)"/.test(error.message),
  );
});
