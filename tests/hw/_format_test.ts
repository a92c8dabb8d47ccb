import assert from "node:assert/strict";
import { checkWhole, hex } from "../../hw/_format.ts";

Deno.test("hex() pads addresses to eight digits", () => {
  assert.equal(hex(0x1000), "0x00001000");
  assert.equal(hex(0x1_0000_0000), "0x100000000");
});

Deno.test("checkWhole() rejects negative and fractional values", () => {
  checkWhole(0, "length", "Cannot read");
  assert.throws(() => checkWhole(-1, "length", "Cannot read"), /Cannot read: length -1 is not/);
  assert.throws(() => checkWhole(1.5, "address", "Cannot read"), RangeError);
});
