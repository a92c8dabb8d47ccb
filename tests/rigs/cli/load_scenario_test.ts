import assert from "node:assert/strict";
import {
  displayPath,
  fileUrl,
  loadScenarios,
  pickScenario,
} from "../../../rigs/cli/load_scenario.ts";

const fixture = new URL("./fixtures/threshold.ts", import.meta.url).pathname;
// At the top level: under `deno test` the file's run() registers a test case of its own, which
// Deno allows only outside a running test.
const loaded = await loadScenarios(fixture);

Deno.test("loadScenarios() registers a scenario file's scenario without running it, once", async () => {
  const [found] = loaded;
  assert.equal(found.scenario.name, "fewer than 30 UART interrupts in 50 ms");
  assert.equal(found.options.for, "50ms");
  assert.equal(await loadScenarios(fixture), await loadScenarios(fileUrl(fixture)));
  assert.equal(pickScenario([found], fixture).scenario, found.scenario);
});

Deno.test("loadScenarios() names a file that defines no scenario", async () => {
  const helper = new URL("./fixtures/_uart_scenario.ts", import.meta.url).pathname;
  await assert.rejects(() => loadScenarios(helper), /defines no scenario/);
});

Deno.test("displayPath() shows paths below the working directory relative to it", () => {
  assert.equal(displayPath("/elsewhere/x.ts"), "/elsewhere/x.ts");
  assert.equal(displayPath(`${Deno.cwd()}/a b.ts`), "a b.ts");
});
