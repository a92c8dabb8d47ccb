import assert from "node:assert/strict";
import { SoakProgress } from "../../../rigs/cli/soak_progress.ts";

const totals = (seeds: number) => ({
  seeds,
  passed: seeds,
  failed: 0,
  errors: 0,
  simulatedNs: seeds * 50e6,
  events: 0,
});

Deno.test("SoakProgress lines come at every 10% of the seeds", () => {
  const lines: string[] = [];
  const progress = new SoakProgress({ mode: "lines", planned: 100, print: (l) => lines.push(l) });
  for (let i = 1; i <= 100; i++) progress.update(totals(i));
  assert.equal(lines.length, 10);
  assert.match(lines[0], /^soak: 10\/100 seeds \(10%\), 0 failed, 0 errors, simulated 500ms, ETA/);
});

Deno.test("SoakProgress lines of a wall-time soak come every interval", async () => {
  const lines: string[] = [];
  const progress = new SoakProgress({
    mode: "lines",
    forWallMs: 60_000,
    intervalMs: 20,
    print: (l) => lines.push(l),
  });
  progress.update(totals(1));
  await new Promise((resolve) => setTimeout(resolve, 30));
  progress.update(totals(2));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^soak: 2 seeds, 0 failed, 0 errors, simulated 100ms, ETA (59|1m00)s/);
});

Deno.test("SoakProgress mode none prints failures only", () => {
  const lines: string[] = [];
  const progress = new SoakProgress({ mode: "none", planned: 2, print: (l) => lines.push(l) });
  progress.update(totals(2));
  progress.log("✗ seed 2");
  assert.deepEqual(lines, ["✗ seed 2"]);
});
