import assert from "node:assert/strict";
import { registeredScenarios } from "../../mod.ts";
import { deno } from "../_deno.ts";
import type { RecordLayout } from "../../hw/fingerprint.ts";
import { TraceBus, type TraceRecord } from "../../hw/trace_bus.ts";
import type { ScenarioResult } from "../../rigs/scenario_result.ts";
// Importing a scenario file registers it (its run() adds a Deno.test case and returns).
import "../../scenarios/attack_library.ts";
import "../../scenarios/coexistence.ts";
import "../../scenarios/demo.ts";
import "../../scenarios/fota.ts";
import "../../scenarios/fota_rollback.ts";
import "../../scenarios/hypervisor_shootout.ts";
import "../../scenarios/ipc_burst.ts";
import "../../scenarios/keypad_latency.ts";
import "../../scenarios/pin_entry.ts";
import "../../scenarios/remote_wipe.ts";
import "../../scenarios/rta_check.ts";
import "../../scenarios/soak_random_arrivals.ts";
import "../../scenarios/two_boards.ts";

const scenariosDir = new URL("../../scenarios/", import.meta.url);

/** The scenario files in scenarios/, sorted. */
function scenarioFiles(): string[] {
  return [...Deno.readDirSync(scenariosDir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
    .map((entry) => entry.name)
    .sort();
}

/** The scenario a file registered when this module imported it. */
function registeredFrom(file: string) {
  const url = new URL(file, scenariosDir).href;
  const found = registeredScenarios().filter((r) => r.file === url);
  assert.equal(found.length, 1, `${file} registers one scenario`);
  return found[0];
}

Deno.test("The library test imports every file in scenarios/", () => {
  const imported = registeredScenarios()
    .map((r) => r.file ?? "")
    .filter((file) => file.startsWith(scenariosDir.href))
    .map((file) => file.slice(scenariosDir.href.length))
    .sort();
  assert.deepEqual(imported, scenarioFiles());
});

Deno.test("Every file in scenarios/ passes under plain deno run (no flags)", async (t) => {
  for (const file of scenarioFiles()) {
    await t.step(file, async () => {
      const output = await deno(["run", `scenarios/${file}`]);
      const { stdout, stderr } = output;
      assert.equal(output.code, 0, `${file} exited ${output.code}:\n${stdout}${stderr}`);
      assert.match(stdout, /^PASSED: \d+ assertions$/m);
      assert.doesNotMatch(stdout, /✗/);
    });
  }
});

/** Determinism runs are shortened to this (the scripted events of most scenarios fall in it). */
const SHORT = "1s";

Deno.test("Every scenario gives the same fingerprint twice with the same seed", async (t) => {
  for (const file of scenarioFiles()) {
    await t.step({
      name: file,
      fn: () => {
        const { scenario } = registeredFrom(file);
        const first = scenario.execute({ seed: 7, for: SHORT });
        const second = scenario.execute({ seed: 7, for: SHORT });
        assert.match(first.fingerprint, /^[0-9a-f]{16}$/);
        assert.equal(second.fingerprint, first.fingerprint);
        assert.equal(second.events, first.events);
        assert.deepEqual(second.assertions, first.assertions);
      },
    });
  }
});

Deno.test("soak_random_arrivals.ts draws its arrivals from the seed: another seed, another run", () => {
  const { scenario } = registeredFrom("soak_random_arrivals.ts");
  const seven = scenario.execute({ seed: 7, for: SHORT });
  const eight = scenario.execute({ seed: 8, for: SHORT });
  assert.notEqual(eight.fingerprint, seven.fingerprint);
  // Both seeds still hold the baseband's deadlines.
  assert.equal(seven.passed, true);
  assert.equal(eight.passed, true);
});

/** What a run gives a user: everything in its result. */
const outcome = (result: ScenarioResult) => JSON.stringify(result);

Deno.test("with only the probes and the fingerprint listening, the kernel builds none of its hottest records and every scenario's result is the same as with a plain subscriber", async (t) => {
  for (const entry of scenarioFiles().map(registeredFrom)) {
    await t.step(entry.scenario.name, () => {
      const built = new Map<string, number>();
      const original = TraceBus.prototype.emit;
      TraceBus.prototype.emit = function (
        this: TraceBus,
        record: TraceRecord,
        layout?: RecordLayout,
        hash?: number,
      ) {
        built.set(record.kind, (built.get(record.kind) ?? 0) + 1);
        original.call(this, record, layout, hash);
      } as typeof original;
      let plain: ScenarioResult;
      try {
        plain = entry.scenario.execute(entry.options);
      } finally {
        TraceBus.prototype.emit = original;
      }
      // Built only where the kernel's generic path emits them (a partial slice at the end,
      // a preemption by a policy), never by the hot emitters.
      assert.ok((built.get("vcpu.switch") ?? 0) === 0, `${built.get("vcpu.switch")} switches`);
      assert.ok((built.get("virq.pending") ?? 0) === 0);
      assert.ok((built.get("cpu.kernel") ?? 0) === 0);
      assert.ok((built.get("cpu.run") ?? 0) <= 4, `${built.get("cpu.run")} cpu.run records`);
      let records = 0;
      const listened = entry.scenario.execute({
        ...entry.options,
        observe: (world) => void world.engine.trace.subscribe(() => records++),
      });
      assert.ok(records > 0);
      assert.equal(outcome(plain), outcome(listened));
    });
  }
});
