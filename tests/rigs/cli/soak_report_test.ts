import assert from "node:assert/strict";
import {
  addToTotals,
  compactResult,
  emptyTotals,
  mergeReports,
  parseSoakReport,
  type SeedResult,
  type SoakReport,
} from "../../../rigs/cli/soak_report.ts";

function seed(n: number, passed = true, error?: SeedResult["error"]): SeedResult {
  return {
    scenario: "s",
    seed: n,
    passed,
    simulatedNs: 10,
    events: 3,
    fingerprint: "f",
    assertions: [],
    replay: `deno run s.ts --seed ${n}`,
    wallMs: 2,
    error,
  };
}

function report(shard: string, results: SeedResult[], wallMs = 5): SoakReport {
  return {
    format: "microvisor-rig/soak@1",
    scenario: "s",
    file: "s.ts",
    shards: [shard],
    interrupted: false,
    wallMs,
    totals: results.reduce(addToTotals, emptyTotals()),
    results,
  };
}

Deno.test("addToTotals() counts failures and errors apart", () => {
  const t = [seed(1), seed(2, false), seed(3, false, { kind: "crash", message: "x" })]
    .reduce(addToTotals, emptyTotals());
  assert.deepEqual(t, { seeds: 3, passed: 1, failed: 1, errors: 1, simulatedNs: 30, events: 9 });
});

Deno.test("compactResult() keeps only failing assertions and no metrics", () => {
  const a = {
    name: "a",
    passed: true,
    expected: "",
    actual: "",
    actualValue: 0,
    at: -1,
    scope: "run",
  };
  const entry = compactResult({
    scenario: "s",
    seed: 1,
    passed: false,
    simulatedNs: 1,
    events: 1,
    fingerprint: "f",
    assertions: [a, { ...a, name: "b", passed: false }],
    metrics: { x: 1 },
    replay: "r",
    board: "b",
  }, 3.14159);
  assert.deepEqual(entry.assertions.map((x) => x.name), ["b"]);
  assert.equal(entry.wallMs, 3.142);
});

Deno.test("mergeReports() sorts by seed, recomputes totals, keeps the longest wall time", () => {
  const merged = mergeReports([
    { source: "b", report: report("2/2", [seed(1), seed(3, false)], 9) },
    { source: "a", report: report("1/2", [seed(2), seed(4)], 4) },
  ]);
  assert.deepEqual(merged.results.map((r) => r.seed), [1, 2, 3, 4]);
  assert.deepEqual(merged.shards, ["1/2", "2/2"]);
  assert.equal(merged.totals.failed, 1);
  assert.equal(merged.wallMs, 9);
});

Deno.test("mergeReports() refuses other scenarios and overlapping seeds", () => {
  const other = { ...report("1/1", [seed(9)]), scenario: "t" };
  assert.throws(
    () =>
      mergeReports([{ source: "a", report: report("1/2", [seed(1)]) }, {
        source: "b",
        report: other,
      }]),
    /merge one scenario's shards at a time/,
  );
  assert.throws(
    () =>
      mergeReports([{ source: "a", report: report("1/2", [seed(1)]) }, {
        source: "b",
        report: report("1/2", [seed(1)]),
      }]),
    /Seed 1 is in both a and b/,
  );
  assert.throws(() => mergeReports([]), /Nothing to merge/);
  assert.throws(() => parseSoakReport([], "x.json"), /x.json is not a soak report/);
});
