import assert from "node:assert/strict";
import type { Keypad } from "../../../hw/devices/keypad.ts";
import type { CreditPolicy } from "../../../kernel/profiles/credit_policy.ts";
import { xen } from "../../../kernel/profiles/xen.ts";
import { okl4 } from "../../../kernel/profiles/okl4.ts";
import { hog, profileRig, runs } from "./_profile_rig.ts";

Deno.test("xen() debits 100 credits per 10 ms tick from the running vCPU and hands out 300 per 30 ms by weight", () => {
  const rig = profileRig(xen({ weights: { a: 512, b: 256 } }), { cells: ["a", "b"] });
  rig.kernel.start(rig.cell("a", hog));
  rig.kernel.start(rig.cell("b", hog));
  rig.engine.run({ until: 30_000_000 });
  assert.deepEqual(rig.of("credit.debit").map((r) => [r.time, r.vcpu, r.credit, r.class]), [
    [10_000_000, "a.0", -100, "over"],
    [20_000_000, "b.0", -100, "over"],
    [30_000_000, "b.0", -200, "over"],
  ]);
  // 300 credits by weight over the active vCPUs: dom0 (256, active since it started), a (512)
  // and b (256): 75, 150 and 75.
  assert.deepEqual(rig.of("credit.account").map((r) => [r.time, r.vcpu, r.share, r.credit]), [
    [30_000_000, "dom0.0", 75, 75],
    [30_000_000, "a.0", 150, 50],
    [30_000_000, "b.0", 75, -125],
  ]);
  // a runs until its debit makes it OVER at 10 ms; b (UNDER) takes over and keeps its 30 ms
  // slice while both are OVER; after the accounting a is UNDER again and preempts b.
  assert.deepEqual(runs(rig, "a"), [[0, 10_000_000]]);
  assert.deepEqual(runs(rig, "b"), [[10_000_000, 10_000_000], [20_000_000, 10_000_000]]);
  const policy = rig.kernel.policy as CreditPolicy;
  assert.equal(policy.inspect(rig.kernel.cell("a").vcpus[0]).class, "under");
});

Deno.test("xen() boosts a vCPU that wakes while UNDER: it preempts at once", () => {
  const rig = profileRig(xen(), { cells: ["sleeper", "hog"] });
  rig.kernel.start(rig.cell("sleeper", function* () {
    for (;;) {
      yield { op: "sleep", durationNs: 3_000_000 };
      yield { op: "compute", cycles: 100_000 };
    }
  }));
  rig.kernel.start(rig.cell("hog", hog));
  rig.engine.run({ until: 7_000_000 });
  const policy = rig.kernel.policy as CreditPolicy;
  assert.deepEqual(runs(rig, "sleeper"), [[3_000_000, 100_000], [6_100_000, 100_000]]);
  assert.deepEqual(rig.of("vcpu.preempt").map((r) => [r.time, r.vcpu, r.by]), [
    [3_000_000, "hog.0", "sleeper.0"],
    [6_100_000, "hog.0", "sleeper.0"],
  ]);
  assert.equal(policy.inspect(rig.kernel.cell("sleeper").vcpus[0]).class, "boost");
});

Deno.test("xen() routes a device IRQ through dom0: the hop shows in the owner's latency", () => {
  for (
    const [profile, expected] of [[okl4(), 0], [xen({ dom0IrqCycles: 5_000 }), 5_000]] as const
  ) {
    const rig = profileRig(profile, { cells: ["pin"] });
    const pin = rig.cell("pin", function* (ctx) {
      for (;;) {
        yield { op: "wait" };
        yield { op: "irqAck", cap: ctx.caps["irq:keypad"] };
      }
    });
    rig.kernel.grantIrq(pin, "keypad");
    rig.kernel.start(pin);
    rig.engine.schedule(1_000_000, () => rig.board.device<Keypad>("keypad").press("1"));
    rig.engine.run({ until: 2_000_000 });
    assert.deepEqual(rig.of("virq.deliver").map((r) => [r.name, r.latencyNs]), [
      ["keypad", expected],
    ]);
  }
});
