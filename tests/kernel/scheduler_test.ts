import assert from "node:assert/strict";
import fc from "fast-check";
import { Vcpu } from "../../kernel/objects/vcpu.ts";
import { FixedPriorityPolicy } from "../../kernel/scheduler.ts";

Deno.test("FixedPriorityPolicy.peek() follows the highest level as levels fill and empty", () => {
  const policy = new FixedPriorityPolicy();
  policy.init(2);
  const low = new Vcpu({ name: "low", priority: 3, affinity: 0 });
  const mid = new Vcpu({ name: "mid", priority: 40, affinity: 0 });
  const high = new Vcpu({ name: "high", priority: 255, affinity: 0 });
  assert.equal(policy.peek(0), undefined);
  policy.enqueue(mid, false);
  policy.enqueue(low, false);
  policy.enqueue(high, false);
  assert.equal(policy.peek(0), high);
  assert.equal(policy.peek(1), undefined);
  policy.remove(high);
  assert.equal(policy.peek(0), mid);
  policy.remove(low); // not the top: the top stays
  assert.equal(policy.peek(0), mid);
  policy.remove(mid);
  assert.equal(policy.peek(0), undefined);
});

Deno.test("FixedPriorityPolicy.remove() keeps the order of the rest of a level", () => {
  const policy = new FixedPriorityPolicy();
  policy.init(1);
  const [a, b, c] = ["a", "b", "c"].map((name) => new Vcpu({ name, priority: 9, affinity: 0 }));
  policy.enqueue(a, false);
  policy.enqueue(b, false);
  policy.enqueue(c, false);
  policy.enqueue(b, true); // already queued: no change
  policy.remove(b);
  assert.equal(policy.peek(0), a);
  policy.remove(a);
  assert.equal(policy.peek(0), c);
  assert.equal(policy.hasEqual(c), true);
  policy.remove(c);
  assert.equal(policy.hasEqual(c), false);
});

Deno.test("FixedPriorityPolicy.remove() finds a vCPU whose priority changed while queued", () => {
  const policy = new FixedPriorityPolicy();
  policy.init(1);
  const vcpu = new Vcpu({ name: "v", priority: 200, affinity: 0 });
  policy.enqueue(vcpu, false);
  vcpu.priority = 5;
  policy.remove(vcpu);
  assert.equal(policy.peek(0), undefined);
});

Deno.test("FixedPriorityPolicy.peek() is the first vCPU of the highest non-empty level", () => {
  // Model: per level, an ordered list; peek is the head of the highest non-empty one.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(7), fc.boolean(), fc.boolean()), { maxLength: 60 }),
      (steps) => {
        const policy = new FixedPriorityPolicy();
        policy.init(1);
        const vcpus = Array.from(
          { length: 8 },
          (_, i) => new Vcpu({ name: `v${i}`, priority: (i * 37) % 256, affinity: 0 }),
        );
        const model = new Map<number, Vcpu[]>();
        for (const [index, add, front] of steps) {
          const vcpu = vcpus[index];
          const level = model.get(vcpu.priority) ?? [];
          model.set(vcpu.priority, level);
          if (add) {
            policy.enqueue(vcpu, front);
            if (!level.includes(vcpu)) front ? level.unshift(vcpu) : level.push(vcpu);
          } else {
            policy.remove(vcpu);
            const at = level.indexOf(vcpu);
            if (at >= 0) level.splice(at, 1);
          }
          const top = [...model].filter(([, l]) => l.length > 0).sort((x, y) => y[0] - x[0])[0];
          assert.equal(policy.peek(0), top?.[1][0]);
        }
      },
    ),
  );
});
