import assert from "node:assert/strict";
import { recordLayout } from "../../hw/fingerprint.ts";
import { COUNTED_KINDS, SAMPLED_KINDS, type TraceRecord } from "../../hw/trace_bus.ts";
import { ProbeSet } from "../../rigs/probe_set.ts";

Deno.test("ProbeSet.observe() counts a CPU slice for its overlap with the window only", () => {
  const probes = new ProbeSet("window", 1_000, 2_000);
  probes.observe({ time: 1_200, kind: "cpu.run", source: "a", start: 500, durationNs: 700 });
  probes.observe({ time: 2_500, kind: "cpu.kernel", source: "k", start: 1_900, durationNs: 600 });
  probes.observe({ time: 3_000, kind: "cpu.run", source: "a", start: 2_100, durationNs: 900 });
  assert.equal(probes.cpuNs.get("a"), 200);
  assert.equal(probes.kernelNs, 100);
  assert.equal(probes.records, 3);
});

Deno.test("ProbeSet.slice() sums each cell's guest time as slices alternate, a standby as its service from when it is aliased", () => {
  // Guest slices alternate between a few cells; a slice of a standby before its alias counts
  // as the standby's own.
  const probes = new ProbeSet("run", 0, Infinity);
  const slices: [string, number][] = [
    ["a", 10],
    ["b", 20],
    ["a", 30],
    ["c", 40],
    ["b", 50],
    ["a.b", 60],
    ["a", 70],
    ["c.b", 5],
  ];
  let start = 0;
  for (const [cell, durationNs] of slices) {
    probes.slice(false, cell, start, durationNs);
    probes.slice(true, "kernel", start + durationNs, 1);
    start += durationNs + 1;
  }
  probes.aliases.set("c.b", "c");
  for (const [cell, durationNs] of [["c.b", 100], ["b", 200], ["c.b", 300], ["c", 400]] as const) {
    probes.slice(false, cell, start, durationNs);
    start += durationNs;
  }
  assert.deepEqual(
    [...probes.cpuNs],
    [["a", 110], ["b", 270], ["c", 840], ["a.b", 60], ["c.b", 5]],
  );
  assert.equal(probes.kernelNs, 8);
  assert.equal(probes.records, 20);
});

Deno.test("ProbeSet.observe() ignores other records outside its window", () => {
  const probes = new ProbeSet("window", 1_000, 2_000);
  probes.observe({ time: 999, kind: "task.miss", source: "bb", task: "frame" });
  probes.observe({ time: 2_000, kind: "task.miss", source: "bb", task: "frame" });
  probes.observe({ time: 1_500, kind: "vcpu.switch", source: "kernel" });
  assert.equal(probes.misses.size, 0);
  assert.equal(probes.records, 1);
});

Deno.test("ProbeSet.observe() keys tasks by cell and counts a standby as its service", () => {
  const probes = new ProbeSet("run", 0, Infinity);
  const finish = (time: number, source: string, responseNs: number) =>
    probes.observe({ time, kind: "task.finish", source, task: "rx", responseNs });
  finish(10, "modem", 100);
  probes.aliases.set("modem.b", "modem");
  finish(20, "modem.b", 300);
  probes.observe({ time: 30, kind: "task.miss", source: "modem.b", task: "rx" });
  assert.equal(probes.completions.get("modem/rx"), 2);
  assert.equal(probes.response.get("modem/rx")?.max, 300);
  assert.equal(probes.misses.get("modem"), 1);
  assert.equal(probes.taskMisses.get("modem/rx"), 1);
  assert.equal(probes.firstMissAt.get("modem/rx"), 30);
  assert.deepEqual([...probes.completions.keys()], ["modem/rx"]);
});

Deno.test("ProbeSet takes a record of a counted kind built or not alike: it only counts it", () => {
  // While no plain subscriber listens these records come to count() unbuilt, so no probe may
  // need their fields.
  const snapshot = (probes: ProbeSet) =>
    JSON.stringify(probes, (_key, value) => value instanceof Map ? [...value] : value);
  for (const kind of COUNTED_KINDS) {
    const built = new ProbeSet("window", 1_000, 2_000);
    const counted = new ProbeSet("window", 1_000, 2_000);
    for (const time of [500, 1_500]) {
      built.observe({ time, kind, source: "bb", task: "frame", line: 3, vcpu: "bb.0" });
      counted.count(time);
    }
    assert.equal(built.records, 1, kind);
    assert.equal(snapshot(built), snapshot(counted), kind);
  }
});

Deno.test("ProbeSet takes a record of a sampled kind built or as a sample alike, in its window, a standby as its service", () => {
  const snapshot = (probes: ProbeSet) =>
    JSON.stringify(probes, (_key, value) => value instanceof Map ? [...value] : value);
  for (const [kind, fields] of SAMPLED_KINDS) {
    const built = new ProbeSet("window", 1_000, 2_000);
    const sampled = new ProbeSet("window", 1_000, 2_000);
    for (const probes of [built, sampled]) probes.aliases.set("modem.b", "modem");
    const samples: [number, string, number][] = [
      [500, "modem", 100],
      [1_200, "modem", 300],
      [1_500, "modem.b", 250],
      [2_000, "modem", 900],
    ];
    for (const [time, source, value] of samples) {
      built.observe({ time, kind, source, job: 1, [fields.key]: "rx", [fields.value]: value });
      sampled.sample(time, kind, source, "rx", value);
    }
    assert.equal(sampled.records, 2, kind);
    assert.equal(snapshot(sampled), snapshot(built), kind);
    if (kind === "task.finish") {
      assert.equal(sampled.completions.get("modem/rx"), 2);
      assert.equal(sampled.response.get("modem/rx")?.max, 300);
      assert.equal(sampled.response.get("modem/rx")?.maxAt, 1_200);
      assert.equal(
        sampled.response.get("modem/rx")?.percentile(50),
        built.response.get("modem/rx")?.percentile(50),
      );
    }
  }
  assert.ok(SAMPLED_KINDS.has("task.finish"));
});

Deno.test("ProbeSet.observe() takes a record's kind from a layout that names one", () => {
  const pending = recordLayout<TraceRecord>("virq.pending", (_r, seed) => seed);
  const deliver = recordLayout<TraceRecord>("virq.deliver", (_r, seed) => seed);
  const run = new ProbeSet("run", 0, Infinity);
  const window = new ProbeSet("window", 1_000, 2_000);
  for (const probes of [run, window]) {
    probes.observe({ time: 500, kind: "virq.pending", source: "k", vcpu: "a.0" }, pending);
    probes.observe({ time: 1_500, kind: "virq.pending", source: "k", vcpu: "a.0" }, pending);
    probes.observe(
      { time: 1_600, kind: "virq.deliver", source: "k", name: "radio", latencyNs: 40 },
      deliver,
    );
  }
  assert.equal(run.records, 3);
  assert.equal(window.records, 2);
  assert.equal(run.irqLatency.get("radio")?.max, 40);
  assert.equal(window.irqLatency.get("radio")?.count, 1);
});

Deno.test("ProbeSet.observe() counts a deadline miss in the window of its deadline, not of its record", () => {
  const window = new ProbeSet("window", 1_000, 2_000);
  const later = new ProbeSet("later", 2_000, 3_000);
  // Recorded at 2,500 (the RTOS ran again then), for a deadline at 1,400.
  const miss = { time: 2_500, kind: "task.miss", source: "bb", task: "frame", deadline: 1_400 };
  window.observe(miss);
  later.observe(miss);
  assert.equal(window.misses.get("bb"), 1);
  assert.equal(window.firstMissAt.get("bb/frame"), 1_400);
  assert.equal(later.misses.size, 0);
});

Deno.test("A hung RTOS's missed deadlines count in the window of the hang", async () => {
  const { boards, manager, ms, rtos, scenario, task } = await import("../../mod.ts");
  const result = scenario("hang window")
    .board(boards.handset())
    .cell(
      "rt",
      rtos({ priority: 200, tasks: [task("ctl", { period: ms(10), wcet: ms(1), priority: 4 })] }),
    )
    .cell("mgr", manager({ priority: 150 }))
    .script((t) => t.at("400ms").hang("rt").at("450ms").resume("rt"))
    .expect((r) => [
      r.window("0ms", "400ms").deadlineMisses("rt").toBe(0),
      r.window("400ms", "450ms").deadlineMisses("rt").toBe(4),
      r.window("450ms", "600ms").deadlineMisses("rt").toBe(1),
    ])
    .execute({ for: "600ms" });
  // Jobs arrive a few microseconds after each 10 ms (the RTOS's epoch is its first clock read
  // after booting), so the jobs of 400, 410, 420 and 430 ms miss deadlines inside the hang and
  // the job of 440 ms misses its deadline just after 450 ms. All five are recorded when the RTOS
  // runs again at 450 ms.
  assert.deepEqual(
    result.assertions.map((a) => [a.name, a.passed, a.actual]),
    [
      ['deadlineMisses("rt") = 0 [window 0ns..400ms]', true, "0"],
      ['deadlineMisses("rt") = 4 [window 400ms..450ms]', true, "4"],
      ['deadlineMisses("rt") = 1 [window 450ms..600ms]', true, "1"],
    ],
  );
  const misses = result.assertions[1];
  assert.match(String(misses.at), /^41\d{7}$/); // the first miss is at its deadline, about 410 ms
});
