import assert from "node:assert/strict";
import { parseTraceWindow, WHOLE_RUN } from "../../../rigs/exporters/trace_window.ts";

Deno.test("parseTraceWindow() reads A..B with units and open ends", () => {
  assert.deepEqual(parseTraceWindow("1.2s..1.3s"), { from: 1_200_000_000, to: 1_300_000_000 });
  assert.deepEqual(parseTraceWindow("..500us"), { from: 0, to: 500_000 });
  assert.deepEqual(parseTraceWindow("3ms.."), { from: 3_000_000, to: Infinity });
  assert.deepEqual(WHOLE_RUN, { from: 0, to: Infinity });
});

Deno.test("parseTraceWindow() rejects bad text and empty windows with the expected form", () => {
  assert.throws(() => parseTraceWindow("1s"), /expected A\.\.B/);
  assert.throws(() => parseTraceWindow("2s..1s"), /end must be after its start/);
  assert.throws(() => parseTraceWindow("1parsec..2s"), /valid units/);
});
