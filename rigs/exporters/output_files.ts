/**
 * The exporters a scenario command writes, opened from its output flags (`--trace`, `--vcd`,
 * `--html`).
 *
 * @module
 */

import type { Exporter } from "./exporter.ts";
import { HtmlReportExporter } from "./html_report.ts";
import { PerfettoTraceExporter } from "./perfetto_trace.ts";
import { fileSink } from "./text_sink.ts";
import type { TimeWindow } from "./trace_window.ts";
import { VcdExporter } from "./vcd.ts";

/** Which files to write. */
export interface OutputFiles {
  /** Chrome Trace Event JSON (Perfetto). */
  readonly trace?: string;
  /** Value change dump (GTKWave). */
  readonly vcd?: string;
  /** Self-contained HTML report. */
  readonly html?: string;
  /** Limits the trace and the VCD (not the HTML report) to a window. */
  readonly window?: TimeWindow;
}

/**
 * Opens the exporters for the requested files (each file is created now; needs write
 * permission for it).
 *
 * @param files The requested files.
 * @returns The exporters, to observe the world and finish with the results.
 *
 * @example Usage
 * ```ts
 * import { openExporters } from "./output_files.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(openExporters({}), []);
 * ```
 */
export function openExporters(files: OutputFiles): Exporter[] {
  const exporters: Exporter[] = [];
  const window = files.window;
  if (files.trace !== undefined) {
    exporters.push(new PerfettoTraceExporter(fileSink(files.trace), { window }));
  }
  if (files.vcd !== undefined) exporters.push(new VcdExporter(fileSink(files.vcd), { window }));
  if (files.html !== undefined) exporters.push(new HtmlReportExporter(fileSink(files.html)));
  return exporters;
}
