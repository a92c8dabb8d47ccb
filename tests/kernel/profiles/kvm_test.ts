import assert from "node:assert/strict";
import type { FairSharePolicy } from "../../../kernel/profiles/fair_share_policy.ts";
import { kvm } from "../../../kernel/profiles/kvm.ts";
import { hog, profileRig, runs } from "./_profile_rig.ts";

Deno.test("kvm() gives CPU shares that converge to the nice weights", () => {
  // nice 0 and nice 5: weights 1024 and 335.
  const rig = profileRig(kvm({ nice: { a: 0, b: 5 } }), { cells: ["a", "b"] });
  rig.kernel.start(rig.cell("a", hog));
  rig.kernel.start(rig.cell("b", hog));
  rig.engine.run({ until: 1_000_000_000 });
  const total = (cell: string) => runs(rig, cell).reduce((sum, [, d]) => sum + d, 0);
  const shareA = total("a") / (total("a") + total("b"));
  assert.ok(Math.abs(shareA - 1024 / (1024 + 335)) < 0.005, `share of a ${shareA}`);
});

Deno.test("kvm() slices the latency by weight: equal weights alternate 3 ms each", () => {
  const rig = profileRig(kvm(), { cells: ["a", "b"] });
  rig.kernel.start(rig.cell("a", hog));
  rig.kernel.start(rig.cell("b", hog));
  rig.engine.run({ until: 12_000_000 });
  assert.deepEqual(runs(rig, "a"), [[0, 3_000_000], [6_000_000, 3_000_000]]);
  assert.deepEqual(runs(rig, "b"), [[3_000_000, 3_000_000], [9_000_000, 3_000_000]]);
  const policy = rig.kernel.policy as FairSharePolicy;
  assert.equal(policy.vruntime(rig.kernel.cell("a").vcpus[0]), 6_000_000);
});

Deno.test("kvm() has no guest priorities: a priority-250 hog and a priority-1 hog share evenly", () => {
  const rig = profileRig(kvm(), { cells: ["high", "low"] });
  rig.kernel.start(rig.cell("high", hog, { priority: 250 }));
  rig.kernel.start(rig.cell("low", hog, { priority: 1 }));
  rig.engine.run({ until: 60_000_000 });
  const total = (cell: string) => runs(rig, cell).reduce((sum, [, d]) => sum + d, 0);
  assert.equal(total("high"), 30_000_000);
  assert.equal(total("low"), 30_000_000);
});
