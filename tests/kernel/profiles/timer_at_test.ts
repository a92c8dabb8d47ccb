import assert from "node:assert/strict";
import { okl4 } from "../../../kernel/profiles/okl4.ts";
import { profileRig } from "./_profile_rig.ts";

Deno.test("timerAt raises the timer vIRQ once at the absolute time", () => {
  const rig = profileRig(okl4(), { cells: ["app"] });
  const woke: number[] = [];
  rig.kernel.start(rig.cell("app", function* () {
    yield { op: "timerAt", atNs: 2_500_000 };
    for (;;) {
      yield { op: "wait" };
      const now = yield { op: "now" };
      if (now.ok) woke.push(now.value as number);
    }
  }));
  rig.engine.run({ until: 10_000_000 });
  assert.deepEqual(woke, [2_500_000]);
});

Deno.test("timer with periodNs 0 and firstNs is a one-shot after firstNs", () => {
  const rig = profileRig(okl4(), { cells: ["app"] });
  const woke: number[] = [];
  rig.kernel.start(rig.cell("app", function* () {
    yield { op: "sleep", durationNs: 1_000_000 };
    yield { op: "timer", periodNs: 0, firstNs: 400_000 };
    for (;;) {
      yield { op: "wait" };
      const now = yield { op: "now" };
      if (now.ok) woke.push(now.value as number);
    }
  }));
  rig.engine.run({ until: 10_000_000 });
  assert.deepEqual(woke, [1_400_000]);
});
