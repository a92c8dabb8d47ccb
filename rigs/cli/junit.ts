/**
 * A soak report as JUnit XML (`--junit FILE`): one `<testsuite>` for the scenario and one
 * `<testcase>` per seed. A seed whose assertions failed has a `<failure>` naming the failing
 * assertions and the replay command; a worker crash or hang is an `<error>`.
 *
 * @module
 */

import { formatDuration } from "../../hw/time.ts";
import type { SeedResult, SoakReport } from "./soak_report.ts";

/**
 * Escapes text for an XML attribute or element (and drops characters XML 1.0 forbids).
 *
 * @param text Any text.
 * @returns Escaped text.
 *
 * @example Usage
 * ```ts
 * import { escapeXml } from "./junit.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeXml('a < "b" & c'), "a &lt; &quot;b&quot; &amp; c");
 * ```
 */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\n/g, "&#10;");
}

/**
 * One line per failing assertion: what was expected, what was seen and when.
 *
 * @param result A seed's outcome.
 * @returns The failure text, ending with the replay command.
 *
 * @example Usage
 * ```ts
 * import { describeFailure } from "./junit.ts";
 * import assert from "node:assert/strict";
 * const text = describeFailure({
 *   scenario: "x", seed: 2, passed: false, simulatedNs: 1, events: 1, fingerprint: "f",
 *   assertions: [{ name: "n < 3", passed: false, expected: "< 3", actual: "5", actualValue: 5,
 *     at: -1, scope: "run" }],
 *   replay: "deno run x.ts --seed 2", wallMs: 1,
 * });
 * assert.equal(text, "n < 3: expected < 3, seen 5\nReplay: deno run x.ts --seed 2");
 * ```
 */
export function describeFailure(result: SeedResult): string {
  const lines = result.error !== undefined
    ? [`${result.error.kind === "timeout" ? "Hung" : "Crashed"}: ${result.error.message}`]
    : result.assertions.map((a) =>
      `${a.name}: expected ${a.expected}, seen ${a.actual}` +
      (a.at >= 0 ? ` (worst at ${formatDuration(a.at)})` : "")
    );
  lines.push(`Replay: ${result.replay}`);
  return lines.join("\n");
}

/**
 * Writes a soak report as JUnit XML.
 *
 * @param report The report.
 * @returns The XML document.
 *
 * @example Usage
 * ```ts
 * import { toJunit } from "./junit.ts";
 * import assert from "node:assert/strict";
 * const xml = toJunit({
 *   format: "microvisor-rig/soak@1", scenario: "x", file: "x.ts", shards: [], interrupted: false,
 *   wallMs: 5, totals: { seeds: 1, passed: 1, failed: 0, errors: 0, simulatedNs: 1, events: 1 },
 *   results: [{ scenario: "x", seed: 1, passed: true, simulatedNs: 1, events: 1,
 *     fingerprint: "f", assertions: [], replay: "deno run x.ts --seed 1", wallMs: 1 }],
 * });
 * assert.match(xml, /<testcase classname="x.ts" name="seed 1" time="0.001"\/>/);
 * ```
 */
export function toJunit(report: SoakReport): string {
  const t = report.totals;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const caseSeconds = report.results.reduce((sum, r) => sum + r.wallMs, 0);
  const suite = `name="${escapeXml(report.scenario)}" tests="${t.seeds}" failures="${t.failed}" ` +
    `errors="${t.errors}" skipped="0" time="${seconds(caseSeconds)}"`;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="rig soak" tests="${t.seeds}" failures="${t.failed}" errors="${t.errors}" ` +
    `time="${seconds(report.wallMs)}">`,
    `  <testsuite ${suite}>`,
    `    <properties>`,
    `      <property name="file" value="${escapeXml(report.file)}"/>`,
    `      <property name="shards" value="${escapeXml(report.shards.join(",") || "all")}"/>`,
    `      <property name="interrupted" value="${report.interrupted}"/>`,
    `    </properties>`,
  ];
  const classname = escapeXml(report.file);
  for (const result of report.results) {
    const head = `    <testcase classname="${classname}" name="seed ${result.seed}" ` +
      `time="${seconds(result.wallMs)}"`;
    if (result.passed) {
      lines.push(`${head}/>`);
      continue;
    }
    const tag = result.error === undefined ? "failure" : "error";
    const type = result.error?.kind ?? "assertion";
    const text = describeFailure(result);
    const message = result.error === undefined
      ? `${result.assertions.map((a) => `${a.name}: seen ${a.actual}`).join("; ")}; ` +
        `replay: ${result.replay}`
      : `${result.error.message}; replay: ${result.replay}`;
    lines.push(`${head}>`);
    lines.push(
      `      <${tag} message="${escapeXml(message)}" type="${type}">` +
        `${escapeXml(text).replace(/&#10;/g, "\n")}</${tag}>`,
    );
    lines.push(`    </testcase>`);
  }
  lines.push(`  </testsuite>`, `</testsuites>`, "");
  return lines.join("\n");
}
