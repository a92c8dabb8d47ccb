import assert from "node:assert/strict";
import { deno } from "../../_deno.ts";
import { boards, compute, native, scenario } from "../../../mod.ts";
import { openExporters } from "../../../rigs/exporters/output_files.ts";
import { HtmlReportExporter } from "../../../rigs/exporters/html_report.ts";
import { PerfettoTraceExporter } from "../../../rigs/exporters/perfetto_trace.ts";
import { VcdExporter } from "../../../rigs/exporters/vcd.ts";

const demo = "scenarios/demo.ts";

function run(permissions: string[], args: string[]) {
  return deno(["run", ...permissions, demo, "--for", "50ms", ...args]);
}

Deno.test("openExporters() opens one exporter per requested file", async () => {
  assert.deepEqual(openExporters({}), []);
  const dir = await Deno.makeTempDir();
  const exporters = openExporters({ trace: `${dir}/t.json`, vcd: `${dir}/t.vcd` });
  assert.deepEqual(exporters.map((e) => e.constructor), [PerfettoTraceExporter, VcdExporter]);
  const all = openExporters({ html: `${dir}/r.html`, trace: `${dir}/a.json`, vcd: `${dir}/a.vcd` });
  assert.deepEqual(all.map((e) => e.constructor), [
    PerfettoTraceExporter,
    VcdExporter,
    HtmlReportExporter,
  ]);
  const busy = scenario("busy").board(boards.handset()).cell(
    "busy",
    native({
      priority: 10,
      *program() {
        for (;;) yield* compute(5_320);
      },
    }),
  );
  const result = busy.execute({
    for: "1ms",
    observe: (world) => [...exporters, ...all].forEach((e) => e.observe(world)),
  });
  for (const exporter of [...exporters, ...all]) exporter.finish(result);
  const text = (name: string) => Deno.readTextFileSync(`${dir}/${name}`);
  assert.ok(Array.isArray(JSON.parse(text("t.json")).traceEvents));
  assert.match(text("t.vcd"), /\$enddefinitions \$end/);
  assert.match(text("r.html"), /id="report-data"/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scenario flags --trace --vcd --html --junit write their files; fingerprint unchanged", async () => {
  const dir = await Deno.makeTempDir();
  const files = ["trace.json", "run.vcd", "report.html", "junit.xml", "plain.json", "out.json"]
    .map((name) => `${dir}/${name}`);
  const [trace, vcd, html, junit, plain, json] = files;
  const exported = await run([`--allow-write=${dir}`], [
    ...["--trace", trace, "--vcd", vcd, "--html", html, "--junit", junit, "--json", json],
    ...["--trace-window", "10ms..20ms"],
  ]);
  // The demo's verdict at 50 ms is not the point (0 pass, 1 an assertion failed): the files are.
  assert.ok(exported.code === 0 || exported.code === 1, exported.stderr);
  const without = await run([`--allow-write=${dir}`], ["--json", plain]);
  assert.equal(without.code, exported.code, without.stderr);
  const fingerprint = (path: string) => JSON.parse(Deno.readTextFileSync(path)).fingerprint;
  assert.equal(fingerprint(json), fingerprint(plain));
  const events = JSON.parse(Deno.readTextFileSync(trace)).traceEvents as { ts?: number }[];
  const timed = events.filter((e) => e.ts !== undefined);
  assert.ok(timed.length > 0, "the windowed trace has timed events");
  assert.ok(timed.every((e) => e.ts! >= 10_000 && e.ts! <= 20_000));
  assert.match(Deno.readTextFileSync(vcd), /\$enddefinitions \$end\n#10000000\n\$dumpvars/);
  assert.match(Deno.readTextFileSync(html), /id="report-data"/);
  assert.match(Deno.readTextFileSync(junit), /<testsuite name="baseband keeps/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scenario flags without --allow-write exit 2 and name the flag", async () => {
  for (const flag of ["--trace", "--vcd", "--html", "--junit"]) {
    const { code, stderr } = await run([], [flag, "out.file"]);
    assert.equal(code, 2, `${flag}: ${stderr}`);
    assert.match(stderr, new RegExp(`Cannot write "out.file" for ${flag}: .*--allow-write`));
  }
});

Deno.test("scenario flag --trace-window rejects a bad window with exit 2", async () => {
  const { code, stderr } = await run([], ["--trace-window", "5ms", "--trace", "x.json"]);
  assert.equal(code, 2);
  assert.match(stderr, /Invalid --trace-window: .*expected A\.\.B/);
});
