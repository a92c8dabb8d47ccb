/**
 * Exporters of a run: Chrome Trace Event JSON for Perfetto, Value Change Dump for GTKWave, a
 * self-contained HTML report, and JUnit XML. The scenario runner's `--trace`, `--vcd`,
 * `--html` and `--junit` flags use them; tools can too.
 *
 * @example Usage
 * ```ts
 * import { junitXml } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.match(junitXml([]), /<testsuites/);
 * ```
 *
 * @module
 */

export * from "./exporter.ts";
export * from "./html_report.ts";
export * from "./junit.ts";
export * from "./output_files.ts";
export * from "./perfetto_trace.ts";
export * from "./report_data.ts";
export * from "./text_sink.ts";
export * from "./trace_window.ts";
export * from "./vcd.ts";
