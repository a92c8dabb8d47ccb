import assert from "node:assert/strict";
import { loadScenarios } from "../../../rigs/cli/load_scenario.ts";
import { soak, SoakFatalError } from "../../../rigs/cli/soak_pool.ts";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
// At the top level: under `deno test` the file's run() registers a test case of its own.
const [threshold] = await loadScenarios(`${fixtures}threshold.ts`);

Deno.test("soak() runs each seed of the plan once and keeps only failures unless asked", async () => {
  const seen: number[] = [];
  const { report, planned } = await soak({
    file: `${fixtures}threshold.ts`,
    seeds: { from: 1, count: 10 },
    workers: 2,
    onSeed: (result) => seen.push(result.seed),
  });
  assert.equal(planned, 10);
  assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(report.totals.seeds, 10);
  assert.ok(report.results.every((r) => !r.passed));
  assert.equal(report.results.length, report.totals.failed);
});

Deno.test("soak() gives the same fingerprints as a run in this process", async () => {
  const { report } = await soak({
    file: `${fixtures}threshold.ts`,
    seeds: { from: 4, count: 2 },
    workers: 1,
    keepResults: true,
  });
  const { scenario, options } = threshold;
  assert.deepEqual(report.results.map((entry) => entry.seed), [4, 5]);
  for (const entry of report.results) {
    assert.equal(entry.fingerprint, scenario.execute({ ...options, seed: entry.seed }).fingerprint);
  }
});

Deno.test("soak() stops starting seeds when the wall time is up", async () => {
  const { report } = await soak({
    file: `${fixtures}threshold.ts`,
    seeds: { from: 1 },
    forWallMs: 800,
    workers: 1,
  });
  assert.ok(report.totals.seeds > 0);
  assert.equal(report.interrupted, false);
});

Deno.test("soak() fails fast with the message for a scenario every seed would reject", async () => {
  await assert.rejects(
    () =>
      soak({
        file: `${fixtures}threshold.ts`,
        seeds: { from: 1, count: 4 },
        for: "0ms",
        workers: 1,
      }),
    SoakFatalError,
  );
});

Deno.test("soak() runs again the seeds a crashed worker had queued, each seed once", async () => {
  // One worker: when seed 3 crashes it, seed 4 is already waiting in its input.
  const seen: number[] = [];
  const { report } = await soak({
    file: `${fixtures}crash.ts`,
    seeds: { from: 1, count: 6 },
    workers: 1,
    onSeed: (result) => seen.push(result.seed),
  });
  assert.deepEqual(seen.sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([report.totals.passed, report.totals.errors], [5, 1]);
  assert.equal(report.results.find((r) => !r.passed)?.seed, 3);
});
