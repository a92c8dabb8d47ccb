/// <reference lib="dom" />
/**
 * The HTML report's viewer: reads the embedded JSON and draws the verdicts, the timeline and
 * the charts. Bundled by `deno task build:viewer` into `../_viewer_bundle.ts`.
 *
 * @module
 */

import type { ReportData } from "../report_data.ts";
import { histogram, responsePlot, sharesChart } from "./charts.ts";
import { el, formatNs } from "./format.ts";
import { STYLE } from "./style.ts";
import { timeline } from "./timeline.ts";

function render(data: ReportData): HTMLElement {
  const r = data.result;
  const main = el("main");
  const verdict = el(
    "span",
    { class: `verdict ${r.passed ? "ok" : "bad"}` },
    r.passed ? "PASSED" : "FAILED",
  );
  main.append(el("h1", {}, verdict, r.scenario));
  main.append(
    el(
      "p",
      { class: "meta" },
      `${r.board}, seed ${r.seed}: simulated ${formatNs(r.simulatedNs)}, ${
        r.events.toLocaleString("en-US")
      } events, fingerprint ${r.fingerprint}`,
    ),
    el("p", { class: "meta" }, "Replay: ", el("code", {}, r.replay)),
  );

  main.append(el("h2", {}, "Assertions"));
  const table = el("table", { id: "verdicts" });
  table.append(
    el(
      "tr",
      {},
      el("th"),
      el("th", {}, "assertion"),
      el("th", {}, "seen"),
      el("th", {}, "worst at"),
      el("th", {}, "scope"),
    ),
  );
  for (const a of r.assertions) {
    const at = a.at >= 0
      ? el("a", { href: "#timeline", "data-at": String(a.at) }, formatNs(a.at))
      : "";
    table.append(
      el(
        "tr",
        { class: a.passed ? "pass" : "fail" },
        el("td", { class: "mark" }, a.passed ? "✓" : "✗"),
        el("td", {}, a.name),
        el("td", {}, a.actual),
        el("td", {}, at),
        el("td", {}, a.scope),
      ),
    );
  }
  if (r.assertions.length === 0) {
    table.append(el("tr", {}, el("td", { colspan: "5" }, "no assertions")));
  }
  main.append(table);

  main.append(el("h2", {}, "Timeline"));
  const tooltip = el("div", { id: "tooltip" });
  document.body.append(tooltip);
  main.append(
    el("p", { class: "note" }, "Wheel or +/− to zoom, drag to pan, double-click to reset."),
  );
  main.append(timeline(data, tooltip));
  const red = data.sliceReduction;
  if (red.shown < red.seen) {
    main.append(
      el(
        "p",
        { class: "note", id: "downsampled" },
        `Downsampled: ${red.shown.toLocaleString("en-US")} of ${
          red.seen.toLocaleString("en-US")
        } run slices shown (same-vCPU slices less than ${
          formatNs(red.mergedGapNs)
        } apart merged, slices shorter than ${
          formatNs(red.droppedBelowNs)
        } dropped; --trace FILE writes every slice for Perfetto).`,
      ),
    );
  }
  if (data.irqs.time.length < data.irqs.seen) {
    main.append(
      el(
        "p",
        { class: "note" },
        `IRQ marks thinned: ${data.irqs.time.length} of ${data.irqs.seen} raises shown.`,
      ),
    );
  }

  main.append(el("h2", {}, "IRQ latency"));
  const hist = el("div", { class: "grid", id: "histograms" });
  data.latency.forEach((h, i) => hist.append(histogram(h.name, h.count, h.max, h.bins, i)));
  if (data.latency.length === 0) {
    hist.append(el("p", { class: "note" }, "No vIRQ deliveries from IRQ lines."));
  }
  main.append(hist);

  main.append(el("h2", {}, "Task response times"));
  const plots = el("div", { class: "grid", id: "responses" });
  data.response.forEach((s, i) => {
    const thinned = s.points.length < s.seen ? `, ${s.points.length} shown` : "";
    const title = `${s.cell} / ${s.task}: ${s.seen} jobs${thinned}, ${s.misses} missed`;
    plots.append(responsePlot(title, s.points, s.deadlineNs, r.simulatedNs, i));
  });
  if (data.response.length === 0) plots.append(el("p", { class: "note" }, "No task completions."));
  main.append(plots);

  main.append(el("h2", {}, "CPU share"));
  const metrics = r.metrics as { cpuShare?: Record<string, number>; kernelShare?: number };
  main.append(sharesChart(metrics.cpuShare ?? {}, metrics.kernelShare ?? 0, data.vcpus));
  return main;
}

function start(): void {
  const style = document.createElement("style");
  style.textContent = STYLE;
  document.head.append(style);
  const source = document.getElementById("report-data");
  const data = JSON.parse(source?.textContent ?? "null") as ReportData | null;
  const app = document.getElementById("app") ?? document.body;
  if (data === null) {
    app.textContent = "No report data.";
    return;
  }
  app.append(render(data));
}

start();
