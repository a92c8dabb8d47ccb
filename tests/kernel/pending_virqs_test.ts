import assert from "node:assert/strict";
import fc from "fast-check";
import { PendingVirqs } from "../../kernel/objects/pending_virqs.ts";

Deno.test("pending vIRQs", async (t) => {
  await t.step("a state keeps its first edge's line and time and counts later edges", () => {
    const pending = new PendingVirqs();
    pending.post(2, 1, 7, 100);
    pending.post(2, 4, 9, 250);
    assert.deepEqual(pending.get(2), { count: 2, flags: 5, assertedAt: 100, line: 7 });
    assert.equal(pending.get(0), undefined);
  });

  await t.step("after clear, the reused state starts afresh and the order restarts", () => {
    const pending = new PendingVirqs();
    const first = pending.post(0, 3, 4, 10);
    pending.post(5, 0, -1, -1);
    pending.clear();
    assert.equal(pending.size, 0);
    assert.equal(pending.get(0), undefined);
    pending.post(5, 0, -1, -1);
    const again = pending.post(0, 0, -1, 20);
    assert.equal(again, first);
    assert.deepEqual(again, { count: 1, flags: 0, assertedAt: 20, line: -1 });
    assert.deepEqual([pending.numberAt(0), pending.numberAt(1)], [5, 0]);
    assert.equal(pending.stateAt(1), again);
  });

  await t.step("matches a Map of counts in insertion order (model-based)", () => {
    const step = fc.oneof(
      fc.record({ post: fc.integer({ min: 0, max: 12 }), flags: fc.integer({ min: 0, max: 7 }) }),
      fc.constant({ clear: true as const }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const pending = new PendingVirqs();
      const model = new Map<number, { count: number; flags: number }>();
      for (const s of steps) {
        if ("clear" in s) {
          pending.clear();
          model.clear();
          continue;
        }
        pending.post(s.post, s.flags, -1, -1);
        const entry = model.get(s.post) ?? { count: 0, flags: 0 };
        model.set(s.post, { count: entry.count + 1, flags: entry.flags | s.flags });
      }
      const seen = [];
      for (let index = 0; index < pending.size; index++) {
        const state = pending.stateAt(index);
        seen.push([pending.numberAt(index), { count: state.count, flags: state.flags }]);
      }
      assert.deepEqual(seen, [...model]);
    }));
  });
});
