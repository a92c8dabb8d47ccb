import assert from "node:assert/strict";
import { deno } from "../../_deno.ts";
import { openExporters } from "../../../rigs/exporters/output_files.ts";

const demo = "scenarios/demo.ts";

function run(permissions: string[], args: string[]) {
  return deno(["run", ...permissions, demo, "--for", "50ms", ...args]);
}

Deno.test("openExporters() opens one exporter per requested file", () => {
  assert.deepEqual(openExporters({}), []);
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
  assert.ok(events.every((e) => e.ts === undefined || (e.ts >= 10_000 && e.ts <= 20_000)));
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
