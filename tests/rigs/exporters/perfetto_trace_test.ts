import assert from "node:assert/strict";
import { PerfettoTraceExporter } from "../../../rigs/exporters/perfetto_trace.ts";
import { memorySink } from "../../../rigs/exporters/text_sink.ts";
import { parseTraceWindow } from "../../../rigs/exporters/trace_window.ts";
import type { ScenarioResult } from "../../../mod.ts";
import { fixture } from "./_fixture.ts";
import { assertFlows, assertNested, type TraceEvent } from "./_trace_checks.ts";

function traced(
  options: ConstructorParameters<typeof PerfettoTraceExporter>[1] = {},
): {
  text: string;
  trace: { displayTimeUnit: string; traceEvents: TraceEvent[] };
  result: ScenarioResult;
} {
  const { sink, text } = memorySink();
  const exporter = new PerfettoTraceExporter(sink, options);
  const result = fixture().execute({ for: "10ms", observe: (world) => exporter.observe(world) });
  exporter.finish(result);
  return { text: text(), trace: JSON.parse(text()), result };
}

const whole = traced();

Deno.test("PerfettoTraceExporter writes displayTimeUnit ns and exact decimal microseconds", () => {
  assert.equal(whole.trace.displayTimeUnit, "ns");
  for (const match of whole.text.matchAll(/"(ts|dur)":(-?[\d.e+-]+)/g)) {
    assert.match(match[2], /^\d+(\.\d{1,3})?$/, `${match[1]} ${match[2]} is exact µs`);
  }
});

Deno.test("PerfettoTraceExporter slices nest per thread with no partial overlap", () => {
  const threads = assertNested(whole.trace.traceEvents);
  assert.ok(threads >= 8, `slices on ${threads} threads`);
});

Deno.test("PerfettoTraceExporter IPC flows pair s/f by message id and bind to slices", () => {
  const flows = assertFlows(whole.trace.traceEvents);
  assert.ok(flows >= 20, `${flows} flows`);
});

Deno.test("PerfettoTraceExporter names every process and thread it uses and draws counters", () => {
  const events = whole.trace.traceEvents;
  const named = new Set(
    events.filter((e) => e.ph === "M" && e.name === "process_name").map((e) => e.pid),
  );
  const threads = new Set(
    events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => `${e.pid}/${e.tid}`),
  );
  for (const e of events) {
    if (e.ph === "M") continue;
    assert.ok(named.has(e.pid), `pid ${e.pid} of ${e.ph} ${e.name} is named`);
    if (e.ph === "X") assert.ok(threads.has(`${e.pid}/${e.tid}`), `thread ${e.pid}/${e.tid}`);
  }
  const cores = events.filter((e) => e.ph === "M" && /^core \d$/.test(String(e.args?.name)));
  assert.equal(cores.length, 4);
  const counters = new Set(events.filter((e) => e.ph === "C").map((e) => e.name));
  assert.ok(counters.has("cpu share %"));
  assert.ok(counters.has("queue app->ctl"));
  const runs = events.filter((e) => e.ph === "X" && e.cat === "run");
  assert.ok(runs.some((e) => e.pid === 11), "app runs on core 1");
});

Deno.test("PerfettoTraceExporter marks a failed assertion at its worst sample's time", () => {
  const failed = whole.result.assertions.find((a) => !a.passed)!;
  const marks = whole.trace.traceEvents.filter((e) => e.ph === "i" && e.cat === "assertion");
  assert.equal(marks.length, 1);
  assert.equal(Math.round(marks[0].ts * 1000), failed.at);
  assert.match(marks[0].name, /responseTime\("ctl", "loop"\)/);
});

Deno.test("PerfettoTraceExporter with a window writes only that window", () => {
  const { trace } = traced({ window: parseTraceWindow("2ms..4ms") });
  const timed = trace.traceEvents.filter((e) => e.ph !== "M");
  assert.ok(timed.length > 50);
  for (const e of timed) {
    assert.ok(e.ts >= 2000 && e.ts + (e.dur ?? 0) <= 4000, `${e.ph} ${e.name} at ${e.ts}`);
  }
  assertNested(trace.traceEvents);
  assertFlows(trace.traceEvents);
});

Deno.test("PerfettoTraceExporter does not change the run's fingerprint", () => {
  const plain = fixture().execute({ for: "10ms" });
  assert.equal(whole.result.fingerprint, plain.fingerprint);
});

Deno.test("PerfettoTraceExporter CPU-share counters average to the run's CPU share", () => {
  const cells = new Map(
    whole.trace.traceEvents.filter((e) => e.ph === "M" && e.name === "process_name")
      .map((e) => [e.pid, String(e.args?.name).replace(/^cell /, "")]),
  );
  const shares = whole.result.metrics.cpuShare as Record<string, number>;
  for (const [cell, expected] of Object.entries(shares)) {
    const values = whole.trace.traceEvents
      .filter((e) => e.ph === "C" && e.name === "cpu share %" && cells.get(e.pid) === cell)
      .map((e) => Number(e.args!.share));
    assert.ok(values.length >= 10);
    assert.ok(values.every((v) => v >= 0 && v <= 100));
    const mean = values.reduce((a, b) => a + b, 0) / values.length / 100;
    assert.ok(Math.abs(mean - expected) < 0.002, `${cell}: ${mean} vs ${expected}`);
  }
});
