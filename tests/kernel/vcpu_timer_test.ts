import assert from "node:assert/strict";
import type { World } from "../../rigs/world.ts";
import { boards, ms, native, scenario, timer, wait } from "../../mod.ts";

/**
 * Runs a guest that only waits, with a periodic timer or without, for 10.5 ms: the run's
 * events, its kernel paths, and the timer vIRQs the guest took.
 */
function waiter(periodNs: number | undefined) {
  let kernelPaths = 0;
  let expiries = 0;
  const result = scenario("ticks").board(boards.handset())
    .cell(
      "ticker",
      native({
        priority: 10,
        *program() {
          if (periodNs !== undefined) yield* timer(periodNs);
          for (;;) {
            const virqs = yield* wait();
            expiries += virqs.find((virq) => virq.name === "timer")?.count ?? 0;
          }
        },
      }),
    )
    .execute({
      for: "10.5ms",
      observe: (world: World) =>
        void world.engine.trace.subscribe((record) => {
          if (record.kind === "cpu.kernel") kernelPaths++;
        }),
    });
  assert.equal(result.passed, true);
  return { events: result.events, kernelPaths, expiries };
}

Deno.test("a vCPU timer's expiry is one engine event, its timer interrupt, beside the kernel paths it starts", () => {
  // The guest runs no compute, so beyond the run's own events (the same with the timer or
  // without) every event ends a kernel path or is an expiry: one per tick, not an expiry and
  // then its interrupt at the same instant, which would be ten more.
  const ticking = waiter(ms(1));
  const quiet = waiter(undefined);
  assert.equal(ticking.expiries, 10);
  assert.equal(quiet.expiries, 0);
  assert.ok(ticking.kernelPaths > quiet.kernelPaths);
  assert.equal(
    ticking.events - ticking.kernelPaths - (quiet.events - quiet.kernelPaths),
    ticking.expiries,
  );
});
