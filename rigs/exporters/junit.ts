/**
 * JUnit XML for scenario runs, readable by CI systems (GitLab, Jenkins, GitHub test
 * reporters). One `<testsuite>` per run (scenario and seed) and one `<testcase>` per
 * assertion; a failed assertion is a `<failure>` with what was expected, what was seen, when,
 * the seed and the replay command. A run without assertions is one passing testcase "run".
 * The suite's properties carry the seed, fingerprint, board and replay command.
 *
 * @module
 */

import { formatDuration } from "../../hw/time.ts";
import type { ScenarioResult } from "../scenario_result.ts";

/** Options of {@linkcode junitXml}. */
export interface JunitOptions {
  /** Name of the `<testsuites>` root (default `"microvisor-rig"`). */
  readonly name?: string;
  /** Wall-clock seconds of each run, by index into the results (default 0). */
  readonly wallSeconds?: readonly number[];
}

/**
 * Renders scenario results as one JUnit XML document.
 *
 * @param results One or more runs (a single run, or every run of a soak).
 * @param options Root name and wall times.
 * @returns The XML text.
 *
 * @example Usage
 * ```ts
 * import { junitXml } from "./junit.ts";
 * import assert from "node:assert/strict";
 * const xml = junitXml([{
 *   scenario: "demo", seed: 1, passed: false, simulatedNs: 1e9, events: 10, fingerprint: "00",
 *   assertions: [{ name: "x < 1us", passed: false, expected: "< 1us", actual: "2us",
 *     actualValue: 2000, at: 5000, scope: "run" }],
 *   metrics: {}, replay: "deno run demo.ts --seed 1", board: "handset",
 * }]);
 * assert.match(xml, /<testsuite name="demo \(seed 1\)" tests="1" failures="1"/);
 * assert.match(xml, /<failure message="expected &lt; 1us, seen 2us at 5us"/);
 * ```
 */
export function junitXml(results: readonly ScenarioResult[], options: JunitOptions = {}): string {
  const tests = results.reduce((n, r) => n + Math.max(1, r.assertions.length), 0);
  const failures = results.reduce((n, r) => n + r.assertions.filter((a) => !a.passed).length, 0);
  const total = (options.wallSeconds ?? []).reduce((a, b) => a + b, 0);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${esc(options.name ?? "microvisor-rig")}" tests="${tests}" ` +
    `failures="${failures}" errors="0" time="${seconds(total)}">`,
  ];
  results.forEach((result, index) => {
    const suite = `${result.scenario} (seed ${result.seed})`;
    const failed = result.assertions.filter((a) => !a.passed).length;
    const time = seconds(options.wallSeconds?.[index] ?? 0);
    lines.push(
      `  <testsuite name="${esc(suite)}" tests="${Math.max(1, result.assertions.length)}" ` +
        `failures="${failed}" errors="0" skipped="0" time="${time}">`,
      `    <properties>`,
      ...[
        ["seed", String(result.seed)],
        ["fingerprint", result.fingerprint],
        ["board", result.board],
        ["simulated", formatDuration(result.simulatedNs)],
        ["events", String(result.events)],
        ["replay", result.replay],
      ].map(([k, v]) => `      <property name="${k}" value="${esc(v)}"/>`),
      `    </properties>`,
    );
    if (result.assertions.length === 0) {
      lines.push(`    <testcase classname="${esc(result.scenario)}" name="run" time="${time}"/>`);
    }
    for (const a of result.assertions) {
      const head = `    <testcase classname="${esc(result.scenario)}" name="${
        esc(a.name)
      }" time="0"`;
      if (a.passed) {
        lines.push(`${head}/>`);
        continue;
      }
      const when = a.at >= 0 ? ` at ${formatDuration(a.at)}` : "";
      const message = `expected ${a.expected}, seen ${a.actual}${when}`;
      lines.push(
        `${head}>`,
        `      <failure message="${esc(message)}" type="AssertionFailed">${
          esc(
            `${a.name}\nexpected: ${a.expected}\nseen: ${a.actual}${when}\nscope: ${a.scope}\n` +
              `seed: ${result.seed}\nreplay: ${result.replay}`,
          )
        }</failure>`,
        `    </testcase>`,
      );
    }
    lines.push(`  </testsuite>`);
  });
  lines.push(`</testsuites>`, "");
  return lines.join("\n");
}

function seconds(value: number): string {
  return value.toFixed(3);
}

function esc(text: string): string {
  // XML 1.0 forbids these control characters even escaped; they are dropped.
  // deno-lint-ignore no-control-regex
  return text.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return "";
    }
  });
}
