import assert from "node:assert/strict";
import type { Keypad } from "../../../hw/devices/keypad.ts";
import { pikeos } from "../../../kernel/profiles/pikeos.ts";
import { hog, profileRig, runs } from "./_profile_rig.ts";

const FRAME = [{ cells: ["a"], ns: 1_000_000 }, { cells: ["b"], ns: 2_000_000 }];

Deno.test("pikeos() preempts a cell at its window's end to the nanosecond", () => {
  const rig = profileRig(pikeos({ frame: FRAME }), { cells: ["a", "b"] });
  // b has the higher priority, yet runs only in its own window.
  rig.kernel.start(rig.cell("a", hog, { priority: 10 }));
  rig.kernel.start(rig.cell("b", hog, { priority: 200 }));
  rig.engine.run({ until: 6_000_000 });
  assert.deepEqual(runs(rig, "a"), [[0, 1_000_000], [3_000_000, 1_000_000]]);
  assert.deepEqual(runs(rig, "b"), [[1_000_000, 2_000_000], [4_000_000, 2_000_000]]);
  assert.deepEqual(rig.of("window.start").map((r) => [r.time, r.cells]), [
    [0, "a"],
    [1_000_000, "b"],
    [3_000_000, "a"],
    [4_000_000, "b"],
    [6_000_000, "a"],
  ]);
});

Deno.test("pikeos() holds a cell's interrupt until its window starts", () => {
  const rig = profileRig(pikeos({ frame: FRAME }), { cells: ["a", "b"] });
  rig.kernel.start(rig.cell("a", hog, { priority: 10 }));
  const b = rig.cell("b", function* (ctx) {
    for (;;) {
      yield { op: "wait" };
      yield { op: "irqAck", cap: ctx.caps["irq:keypad"] };
    }
  }, { priority: 200 });
  rig.kernel.grantIrq(b, "keypad");
  rig.kernel.start(b);
  const keypad = rig.board.device<Keypad>("keypad");
  // Pressed in a's window (3 ms..4 ms): the line asserts after the scan delay.
  rig.engine.schedule(3_200_000, () => keypad.press("5"));
  rig.engine.run({ until: 6_000_000 });
  const [delivery] = rig.of("virq.deliver");
  assert.equal(delivery.assertedAt, 3_200_000 + keypad.scanDelayNs);
  assert.equal(delivery.time, 4_000_000);
  assert.equal(delivery.latencyNs, 4_000_000 - 3_200_000 - keypad.scanDelayNs);
});

Deno.test("pikeos({ handOver }) gives unused window time to other cells by priority", () => {
  const rig = profileRig(pikeos({ frame: FRAME, handOver: true }), { cells: ["a", "b"] });
  // a sleeps through its first window: b takes the unused time until a wakes at 0.5 ms.
  rig.kernel.start(rig.cell("a", function* () {
    yield { op: "sleep", durationNs: 500_000 };
    for (;;) yield { op: "compute", cycles: 1_000_000_000 };
  }, { priority: 10 }));
  rig.kernel.start(rig.cell("b", hog, { priority: 200 }));
  rig.engine.run({ until: 3_000_000 });
  assert.deepEqual(runs(rig, "b"), [[0, 500_000], [1_000_000, 2_000_000]]);
  assert.deepEqual(runs(rig, "a"), [[500_000, 500_000]]);
});
