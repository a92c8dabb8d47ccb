import assert from "node:assert/strict";
import { describeFailure, escapeXml, toJunit } from "../../../rigs/cli/junit.ts";
import type { SeedResult, SoakReport } from "../../../rigs/cli/soak_report.ts";

const failing: SeedResult = {
  scenario: "s <&>",
  seed: 7,
  passed: false,
  simulatedNs: 1,
  events: 1,
  fingerprint: "f",
  assertions: [{
    name: 'irqLatency("uart").count < 30',
    passed: false,
    expected: "< 30",
    actual: "35",
    actualValue: 35,
    at: 2_000_000,
    scope: "run",
  }],
  replay: "deno run s.ts --seed 7",
  wallMs: 12,
};
const hung: SeedResult = {
  ...failing,
  seed: 8,
  assertions: [],
  replay: "deno run s.ts --seed 8",
  error: { kind: "timeout", message: "no result after 60000 ms" },
};

Deno.test("toJunit() writes a failure with the assertions and the replay, an error for a hang", () => {
  const report: SoakReport = {
    format: "microvisor-rig/soak@1",
    scenario: "s <&>",
    file: "s.ts",
    shards: [],
    interrupted: false,
    wallMs: 1500,
    totals: { seeds: 2, passed: 0, failed: 1, errors: 1, simulatedNs: 2, events: 2 },
    results: [failing, hung],
  };
  const xml = toJunit(report);
  assert.match(xml, /<testsuites name="rig soak" tests="2" failures="1" errors="1" time="1.500">/);
  assert.match(xml, /<testsuite name="s &lt;&amp;&gt;" tests="2" failures="1" errors="1"/);
  assert.match(
    xml,
    /<failure message="irqLatency\(&quot;uart&quot;\).count &lt; 30: seen 35; replay: deno run s.ts --seed 7" type="assertion">/,
  );
  assert.match(
    xml,
    /<error message="no result after 60000 ms; replay: deno run s.ts --seed 8" type="timeout">/,
  );
  assert.equal(xml.match(/<testcase /g)?.length, 2);
});

Deno.test("describeFailure() gives expected, seen, worst time and replay", () => {
  assert.equal(
    describeFailure(failing),
    'irqLatency("uart").count < 30: expected < 30, seen 35 (worst at 2ms)\nReplay: deno run s.ts --seed 7',
  );
  assert.match(describeFailure(hung), /^Hung: no result/);
});

Deno.test("escapeXml() drops characters XML forbids", () => {
  assert.equal(escapeXml("a\u0001b\u001b[31m"), "ab[31m");
});
