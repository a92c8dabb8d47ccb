// Property: for random synchronous-release fixed-priority task sets (rate monotonic, implicit or
// constrained deadlines), the RTOS guest's worst observed response time over one hyperperiod
// equals response-time analysis (Joseph & Pandya 1986) for every task whose R does not exceed
// its deadline, and a task with R > D misses. Zero costs, 1 GHz, tickless: no overheads.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ms } from "../../hw/time.ts";
import { rtos, task } from "../../guests/rtos.ts";
import { scenario } from "../../rigs/scenario.ts";
import { boards } from "../../hw/boards.ts";

interface Spec {
  readonly c: number;
  readonly t: number;
  readonly d: number;
}

/** Fixed-priority response-time analysis; tasks sorted by priority, highest first. */
function rta(tasks: readonly Spec[]): number[] {
  return tasks.map((self, i) => {
    let r = self.c;
    for (;;) {
      let next = self.c;
      for (let j = 0; j < i; j++) next += Math.ceil(r / tasks[j].t) * tasks[j].c;
      if (next === r || next > 10 * self.t) return next;
      r = next;
    }
  });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;

const PERIODS_MS = [2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30];

const taskSet = fc.array(
  fc.record({
    t: fc.constantFrom(...PERIODS_MS),
    cPermille: fc.integer({ min: 20, max: 450 }),
    dPercent: fc.integer({ min: 60, max: 100 }),
  }),
  { minLength: 2, maxLength: 5 },
).map((raw) =>
  raw.map(({ t, cPermille, dPercent }) => {
    const tNs = ms(t);
    const c = Math.max(1_000, Math.round((tNs * cPermille) / 1000 / 1_000) * 1_000);
    const d = Math.max(c, Math.round((tNs * dPercent) / 100 / 1_000) * 1_000);
    return { c, t: tNs, d };
  })
    // Deadline monotonic (shorter deadline first; ties by period, then by index) is optimal
    // for constrained deadlines and equals rate monotonic for implicit ones.
    .sort((a, b) => a.d - b.d || a.t - b.t)
);

Deno.test("rtos() worst response times equal RTA on random task sets (fast-check)", () => {
  let compared = 0, missing = 0;
  fc.assert(
    fc.property(taskSet, (tasks) => {
      const expected = rta(tasks);
      const hyper = tasks.reduce((h, x) => lcm(h, x.t), 1);
      const names = tasks.map((_, i) => `t${i}`);
      const result = scenario("random set")
        .board(boards.handset({ clockHz: 1_000_000_000 }))
        .kernel({ costs: "zero" })
        .cell(
          "rtos",
          rtos({
            priority: 100,
            tickNs: 0,
            costs: { contextSwitchCycles: 0, tickCycles: 0, irqEntryCycles: 0 },
            tasks: tasks.map((x, i) =>
              task(names[i], { period: x.t, wcet: x.c, deadline: x.d, priority: 100 - i })
            ),
          }),
        )
        .execute({ for: hyper });
      const observed = result.metrics.responseTimeNs as Record<string, { max: number }>;
      const misses = result.metrics.taskMisses as Record<string, number>;
      tasks.forEach((x, i) => {
        const key = `rtos/${names[i]}`;
        if (expected[i] <= x.d) {
          assert.equal(observed[key]?.max, expected[i], `${names[i]} of ${JSON.stringify(tasks)}`);
          assert.equal(misses[key] ?? 0, 0);
          compared++;
        } else if (tasks.slice(0, i).every((h, j) => expected[j] <= h.d)) {
          // Higher-priority tasks are schedulable, so the critical instant still rules: the
          // first job of this task misses its deadline.
          assert.ok((misses[key] ?? 0) > 0, `${names[i]} should miss: R ${expected[i]} > D ${x.d}`);
          missing++;
        }
      });
    }),
    { numRuns: 500 },
  );
  // The generator yields both schedulable tasks and tasks that miss.
  assert.ok(compared > 500 && missing > 30, `compared ${compared}, missing ${missing}`);
});
