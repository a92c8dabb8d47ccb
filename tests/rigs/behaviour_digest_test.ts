import assert from "node:assert/strict";
import { boards, compute, native, scenario, type ScenarioResult } from "../../mod.ts";
import { BehaviourDigest } from "../../rigs/behaviour_digest.ts";

const busy = scenario("busy").board(boards.handset()).cell(
  "busy",
  native({
    priority: 10,
    *program() {
      for (;;) yield* compute(5_320);
    },
  }),
);

function digestOf(records: Record<string, string | number | boolean>[], result: ScenarioResult) {
  const digest = new BehaviourDigest();
  for (const record of records) digest.add(record as never);
  return digest.digest(result);
}

Deno.test("BehaviourDigest counts each record's field names and values, not their order", () => {
  const result = busy.execute({ for: "1ms" });
  const record = { time: 5, kind: "irq.raise", source: "vic", line: 3 };
  const reordered = { line: 3, source: "vic", kind: "irq.raise", time: 5 };
  assert.equal(digestOf([record], result), digestOf([reordered], result));
  assert.notEqual(digestOf([record], result), digestOf([{ ...record, line: 4 }], result));
  assert.notEqual(digestOf([record], result), digestOf([{ ...record, line: "3" }], result));
  assert.notEqual(digestOf([record], result), digestOf([record, record], result));
});

Deno.test("BehaviourDigest of a run covers its records and its results", () => {
  const run = (options: { for: string; seed?: number }) => {
    const digest = new BehaviourDigest();
    const result = busy.execute({ ...options, observe: (world) => digest.observe(world) });
    return { digest: digest.digest(result), records: digest.records };
  };
  const first = run({ for: "2ms" });
  assert.ok(first.records > 0);
  assert.match(first.digest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(run({ for: "2ms" }), first);
  // A longer run has more records; a different seed of this seed-free scenario changes only
  // the seed, which is not behaviour.
  assert.notEqual(run({ for: "3ms" }).digest, first.digest);
  assert.equal(run({ for: "2ms", seed: 9 }).digest, first.digest);
});
