import assert from "node:assert/strict";
import { Core } from "../../hw/core.ts";

Deno.test("Core.cyclesToNs() rounds up at the core clock", () => {
  const core = new Core({ index: 0, clockHz: 532_000_000 });
  assert.equal(core.cyclesToNs(0), 0);
  assert.equal(core.cyclesToNs(1), 2);
  assert.equal(core.cyclesToNs(532_000), 1_000_000);
  assert.equal(core.cyclesToNs(533), 1_002);
});

Deno.test("Core constructor rejects a zero or NaN clock", () => {
  assert.throws(() => new Core({ index: 0, clockHz: 0 }), /clockHz 0 is not a positive/);
  assert.throws(() => new Core({ index: 0, clockHz: NaN }), /clockHz NaN/);
});
