import assert from "node:assert/strict";
import {
  CLOCK,
  computeOperation,
  INTERRUPTS_OFF,
  INTERRUPTS_ON,
  outcomeOf,
  timeOf,
  virqsOf,
  WAIT,
} from "../../guests/_operations.ts";
import { compute, interrupts, now, wait } from "../../guests/program.ts";
import type { OperationResult } from "../../kernel/abi.ts";

const refused: OperationResult = { ok: false, error: { kind: "InvalidArgument", message: "no" } };

Deno.test("CLOCK and WAIT are what now() and wait() yield", () => {
  assert.equal(now().next().value, CLOCK);
  assert.equal(wait().next().value, WAIT);
});

Deno.test("INTERRUPTS_ON and INTERRUPTS_OFF are what interrupts() yields", () => {
  assert.deepEqual(interrupts(true).next().value, INTERRUPTS_ON);
  assert.deepEqual(interrupts(false).next().value, INTERRUPTS_OFF);
});

Deno.test("computeOperation() is what compute() yields, cycles rounded up", () => {
  assert.deepEqual(computeOperation(10.2), compute(10.2).next().value);
  assert.deepEqual(computeOperation(10.2), { op: "compute", cycles: 11 });
});

Deno.test("timeOf() reads the time as now() does, -1 for a refusal", () => {
  assert.equal(timeOf({ ok: true, value: 42 }), 42);
  assert.equal(timeOf(refused), -1);
});

Deno.test("virqsOf() reads the vIRQs as wait() does, none for a refusal", () => {
  const virqs = [{ virq: 1, name: "timer", count: 1, flags: 0 }];
  assert.equal(virqsOf({ ok: true, value: virqs }), virqs);
  assert.deepEqual(virqsOf(refused), []);
});

Deno.test("outcomeOf() reads a compute outcome and throws RangeError for a refusal", () => {
  const outcome = { remainingCycles: 5, virqs: [] };
  assert.equal(outcomeOf({ ok: true, value: outcome }, 10), outcome);
  assert.deepEqual(outcomeOf({ ok: true, value: undefined }, 10), {
    remainingCycles: 0,
    virqs: [],
  });
  assert.throws(() => outcomeOf(refused, 10), RangeError);
});
