import assert from "node:assert/strict";
import { boards, compute, irqServer, native, scenario, type ScenarioResult } from "../../mod.ts";
import type { Scenario } from "../../mod.ts";

function keypadApp(): Scenario {
  return scenario("keypad latency")
    .board(boards.handset())
    .cell(
      "pin",
      irqServer("keypad", { priority: 220 }),
    )
    .cell(
      "busy",
      native({
        priority: 10,
        *program() {
          for (;;) yield* compute(53_200);
        },
      }),
    )
    .script((t) => t.at("10ms").keypad("12#", { gap: "5ms" }));
}

Deno.test("Scenario.execute() measures keypad IRQ latency from the kernel's charged paths", () => {
  const result: ScenarioResult = keypadApp()
    .expect((
      r,
    ) => [r.irqLatency("keypad").max.toBeBelow(10_000), r.irqLatency("keypad").count.toBe(3)])
    .execute({ for: "50ms" });
  assert.equal(result.passed, true, JSON.stringify(result.assertions));
  const latency = (result.metrics.irqLatencyNs as Record<string, { max: number }>).keypad;
  // From a running lower-priority cell: IRQ entry, cross-cell switch (direct + indirect), vIRQ
  // injection, each rounded up at 532 MHz: 282 + 2,237 + 1,128 ns.
  assert.equal(latency.max, 282 + 2_237 + 1_128);
});

Deno.test("Scenario.execute() gives the same fingerprint for the same seed", () => {
  const a = keypadApp().execute({ for: "30ms", seed: 3 });
  const b = keypadApp().execute({ for: "30ms", seed: 3 });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(a.events, b.events);
});

Deno.test("Scenario failing assertion reports expected, seen, worst time and replay", () => {
  const result = keypadApp()
    .expect((r) => r.irqLatency("keypad").max.toBeBelow(1_000))
    .execute({ for: "50ms", seed: 9 });
  assert.equal(result.passed, false);
  const [a] = result.assertions;
  assert.equal(a.expected, "< 1us");
  assert.equal(a.actual, "3.647us");
  assert.equal(a.at > 10_000_000, true);
  assert.match(result.replay, /--seed 9/);
});

Deno.test("Scenario rejects a typo in a cell name with the valid names", () => {
  assert.throws(
    () => keypadApp().expect((r) => r.cpuShare("bussy").toBe(0)).execute({ for: "1ms" }),
    /Unknown cell "bussy" in expect\(\): cells are "pin", "busy" \(did you mean "busy"\?\)/,
  );
});

Deno.test("rtos() channel task: each message on the channel releases one job", async () => {
  const { rtos, task } = await import("../../guests/rtos.ts");
  const { send } = await import("../../mod.ts");
  const result = scenario("driver task")
    .board(boards.handset())
    .cell(
      "modem",
      rtos({
        priority: 200,
        tasks: [
          task("rx", { channel: "app->modem", wcet: 10_000, deadline: 1_000_000, priority: 5 }),
        ],
      }),
    )
    .cell(
      "app",
      native({
        priority: 10,
        *program(ctx) {
          for (let i = 0; i < 3; i++) yield* send(ctx.caps["send:app->modem"], new Uint8Array(32));
        },
      }),
    )
    .channel("app", "modem", { slots: 8, maxBytes: 64 })
    .expect((r) => [r.completions("modem", "rx").toBe(3), r.ipc("app", "modem").received.toBe(3)])
    .execute({ for: "20ms" });
  assert.equal(result.passed, true, JSON.stringify(result.assertions));
});

Deno.test("Scenario.execute() takes the board's own cost table unless the scenario picks one", () => {
  const onAutomotive = () =>
    scenario("keypad latency on the automotive board")
      .board(boards.automotive())
      .cell("pin", irqServer("keypad", { priority: 220 }))
      .cell(
        "busy",
        native({
          priority: 10,
          *program() {
            for (;;) yield* compute(120_000);
          },
        }),
      )
      .script((t) => t.at("10ms").keypad("12#", { gap: "5ms" }));
  const byDefault = onAutomotive().execute({ for: "50ms" });
  const chosen = onAutomotive().kernel({ costs: "automotive" }).execute({ for: "50ms" });
  const handset = onAutomotive().kernel({ costs: "handset" }).execute({ for: "50ms" });
  assert.match(byDefault.board, /^automotive \(4 cores @ 1200 MHz\), automotive costs$/);
  assert.equal(byDefault.fingerprint, chosen.fingerprint);
  assert.notEqual(byDefault.fingerprint, handset.fingerprint);
  const latency = (result: ScenarioResult) =>
    (result.metrics.irqLatencyNs as Record<string, { max: number }>).keypad.max;
  // The automotive table's IRQ entry (200 cycles), cross-cell switch (280 direct + 2,000
  // indirect) and vIRQ injection (800), each rounded up at 1.2 GHz: 167 + 1,900 + 667 ns.
  assert.equal(latency(byDefault), 167 + 1_900 + 667);
});
