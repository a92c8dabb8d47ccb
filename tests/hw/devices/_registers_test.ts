import assert from "node:assert/strict";
import { checkWindow, noRegister, readWords, writeWords } from "../../../hw/devices/_registers.ts";

Deno.test("readWords() reads each touched word once and slices the bytes", () => {
  const reads: number[] = [];
  const bytes = readWords(2, 4, (word) => {
    reads.push(word);
    return word === 0 ? 0x4433_2211 : 0x8877_6655;
  });
  assert.deepEqual(reads, [0, 4]);
  assert.deepEqual(bytes, new Uint8Array([0x33, 0x44, 0x55, 0x66]));
});

Deno.test("writeWords() takes whole aligned words only", () => {
  const writes: [number, number][] = [];
  writeWords("dev", 4, new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), (w, v) => writes.push([w, v]));
  assert.deepEqual(writes, [[4, 1], [8, 2]]);
  assert.throws(
    () => writeWords("dev", 2, new Uint8Array(4), () => {}),
    /whole aligned 32-bit words/,
  );
});

Deno.test("checkWindow() and noRegister() name the device and offset", () => {
  checkWindow({ name: "dev", size: 16 }, 12, 4);
  assert.throws(
    () => checkWindow({ name: "dev", size: 16 }, 14, 4),
    /device "dev" at offset 0x0000000e/,
  );
  assert.throws(
    () => noRegister("dev", 0x40, "read"),
    /Cannot read device "dev" register at offset 0x00000040/,
  );
});
