/**
 * A self-contained HTML report of one run: the verdict table, a zoomable timeline of cores ×
 * time with vCPU slices and IRQ marks, IRQ latency histograms, task response-time plots and
 * CPU shares. The data is embedded as JSON and the viewer is a prebuilt script
 * (`deno task build:viewer` bundles `rigs/exporters/viewer/` into `_viewer_bundle.ts`), so
 * writing a report needs no network and no permission beyond writing the file.
 *
 * @module
 */

import type { ScenarioResult } from "../scenario_result.ts";
import type { World } from "../world.ts";
import { VIEWER_BUNDLE } from "./_viewer_bundle.ts";
import type { Exporter } from "./exporter.ts";
import { ReportCollector, type ReportData, type ReportLimits } from "./report_data.ts";
import type { TextSink } from "./text_sink.ts";

/**
 * Renders report data as one HTML page.
 *
 * @param data What to show.
 * @returns The page.
 *
 * @example Usage
 * ```ts
 * import { renderHtmlReport } from "./html_report.ts";
 * import { ReportCollector } from "./report_data.ts";
 * import assert from "node:assert/strict";
 * const result = {
 *   scenario: "demo </script>", seed: 1, passed: true, simulatedNs: 1e6, events: 1,
 *   fingerprint: "00", assertions: [], metrics: {}, replay: "deno run demo.ts", board: "handset",
 * };
 * const html = renderHtmlReport(new ReportCollector().data(result));
 * assert.match(html, /^<!doctype html>/);
 * assert.equal(html.match(/<\/script>/g)?.length, 2);
 * ```
 */
export function renderHtmlReport(data: ReportData): string {
  const title = `${data.result.passed ? "PASSED" : "FAILED"}: ${data.result.scenario}`;
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    "</head>",
    "<body>",
    `<noscript>${escapeHtml(title)} (the report needs JavaScript)</noscript>`,
    '<div id="app"></div>',
    `<script type="application/json" id="report-data">${inlineJson(JSON.stringify(data))}</script>`,
    `<script>${inlineScript(VIEWER_BUNDLE)}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/**
 * Collects a run and writes its HTML report when it ends.
 *
 * @example Usage
 * ```ts
 * import { HtmlReportExporter } from "./html_report.ts";
 * import { memorySink } from "./text_sink.ts";
 * import { scenario } from "../scenario.ts";
 * import { boards } from "../../hw/boards.ts";
 * import { native } from "../../guests/recipe.ts";
 * import { compute } from "../../guests/program.ts";
 * import assert from "node:assert/strict";
 * const { sink, text } = memorySink();
 * const report = new HtmlReportExporter(sink);
 * const result = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(5_320); } }))
 *   .execute({ for: "1ms", observe: (world) => report.observe(world) });
 * report.finish(result);
 * assert.match(text(), /id="report-data"/);
 * ```
 */
export class HtmlReportExporter implements Exporter {
  readonly #sink: TextSink;
  readonly #collector: ReportCollector;

  /**
   * Creates a report exporter.
   *
   * @param sink Where the page goes.
   * @param limits How much timeline data to embed.
   */
  constructor(sink: TextSink, limits: ReportLimits = {}) {
    this.#sink = sink;
    this.#collector = new ReportCollector(limits);
  }

  /**
   * Subscribes to the world's trace bus.
   *
   * @param world The built world, before it runs.
   */
  observe(world: World): void {
    this.#collector.observe(world);
  }

  /**
   * Writes the page and closes the sink.
   *
   * @param result The run's results.
   */
  finish(result: ScenarioResult): void {
    this.#sink.write(renderHtmlReport(this.#collector.data(result)));
    this.#sink.close();
  }
}

/** JSON that cannot close its script element: every "<" (only inside strings) is escaped. */
function inlineJson(json: string): string {
  return json.replace(/</g, "\\u003c");
}

/** Script text that cannot close its element or open a comment inside it. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}
