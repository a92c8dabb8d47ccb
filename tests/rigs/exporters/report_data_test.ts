import assert from "node:assert/strict";
import { renderHtmlReport } from "../../../rigs/exporters/html_report.ts";
import { ReportCollector } from "../../../rigs/exporters/report_data.ts";
import { fixture, radioFixture } from "./_fixture.ts";

Deno.test("ReportCollector downsamples slices beyond its limit, keeps the worst job, says how", () => {
  const collector = new ReportCollector({ slices: 50, points: 16 });
  const result = fixture().execute({ for: "20ms", observe: (world) => collector.observe(world) });
  const data = collector.data(result);
  assert.ok(data.slices.start.length <= 50);
  assert.ok(data.sliceReduction.seen > 50);
  assert.ok(data.sliceReduction.mergedGapNs > 0);
  for (const series of data.response) assert.ok(series.points.length <= 17);
  const loop = data.response.find((s) => s.task === "loop")!;
  const worst = Math.max(...loop.points.map((p) => p[1]));
  assert.equal(worst, Number(result.assertions[1].actualValue), "the worst job is kept");
  const html = renderHtmlReport(data);
  assert.match(html, /"shown":\d+/);
});

Deno.test("ReportCollector histograms IRQ latency in quarter-octave bins", () => {
  const collector = new ReportCollector();
  const result = radioFixture().execute({
    for: "50ms",
    observe: (world) => collector.observe(world),
  });
  const radio = collector.data(result).latency.find((h) => h.name === "radio")!;
  assert.equal(radio.bins.reduce((n, b) => n + b.count, 0), radio.count);
  for (const bin of radio.bins) assert.ok(bin.hi / Math.max(1, bin.lo) <= 1.2 && bin.lo < bin.hi);
  assert.equal(radio.count, 11);
  assert.ok(radio.max > 3_000 && radio.max < 10_000);
});
