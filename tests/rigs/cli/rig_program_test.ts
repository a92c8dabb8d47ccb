// End-to-end tests of `deno task rig …`, each in a subprocess run from the repository root,
// on the small fixtures in ./fixtures (a 50 ms scenario takes milliseconds per seed).
import assert from "node:assert/strict";
import type { SoakReport } from "../../../rigs/cli/soak_report.ts";

import { deno, root } from "../../_deno.ts";
const THRESHOLD = "tests/rigs/cli/fixtures/threshold.ts";
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env", "--allow-sys"];

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function rig(...args: string[]): Promise<Ran> {
  const { code, stdout, stderr } = await deno([
    "run",
    "--quiet",
    ...PERMISSIONS,
    "rigs/cli/main.ts",
    ...args,
  ]);
  return { code, out: stdout, err: stderr };
}

async function readReport(path: string): Promise<SoakReport> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Test cases of a JUnit file: name and whether it has a failure or error. */
function testcases(xml: string): Map<string, string> {
  const cases = new Map<string, string>();
  for (
    const m of xml.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)
  ) {
    const body = m[3] ?? "";
    cases.set(m[1], /<failure /.test(body) ? "failure" : /<error /.test(body) ? "error" : "pass");
  }
  return cases;
}

/** Checks the JUnit document's shape: root testsuites, one testsuite, counts agreeing. */
function checkJunit(xml: string, tests: number): void {
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  const suites = [
    ...xml.matchAll(
      /<testsuite (name="[^"]*" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="0" time="[\d.]+")>/g,
    ),
  ];
  assert.equal(suites.length, 1);
  const [, , t, f, e] = suites[0];
  assert.equal(Number(t), tests);
  const cases = testcases(xml);
  assert.equal(cases.size, tests);
  assert.equal([...cases.values()].filter((v) => v === "failure").length, Number(f));
  assert.equal([...cases.values()].filter((v) => v === "error").length, Number(e));
  // Balanced tags: every opened testcase with a body is closed.
  assert.equal(
    (xml.match(/<testcase [^>]*[^/]>/g) ?? []).length,
    (xml.match(/<\/testcase>/g) ?? []).length,
  );
  assert.ok(xml.trimEnd().endsWith("</testsuites>"));
}

Deno.test("rig soak --seeds 40 --workers 2 --junit gives 40 testcases; 2 shards merge to the same", async () => {
  const dir = await Deno.makeTempDir();
  const all = await rig(
    "soak",
    THRESHOLD,
    "--seeds",
    "40",
    "--workers",
    "2",
    "--junit",
    `${dir}/all.xml`,
    "--json",
    `${dir}/all.json`,
    "--progress",
    "lines",
  );
  assert.equal(all.code, 1, all.out + all.err); // some seeds break the threshold
  const xml = await Deno.readTextFile(`${dir}/all.xml`);
  checkJunit(xml, 40);
  const unsharded = testcases(xml);
  assert.ok([...unsharded.values()].includes("failure"));
  assert.ok([...unsharded.values()].includes("pass"));

  for (const i of [1, 2]) {
    const shard = await rig(
      "soak",
      THRESHOLD,
      "--seeds",
      "40",
      "--workers",
      "2",
      "--shard",
      `${i}/2`,
      "--json",
      `${dir}/shard-${i}.json`,
      "--progress",
      "none",
    );
    assert.ok(shard.code === 0 || shard.code === 1, shard.err);
    const report = await readReport(`${dir}/shard-${i}.json`);
    assert.equal(report.results.length, 20);
    assert.ok(report.results.every((r) => r.seed % 2 === i - 1), "seed k is in shard (k mod n)+1");
  }
  const merged = await rig(
    "merge",
    `${dir}/shard-1.json`,
    `${dir}/shard-2.json`,
    "--json",
    `${dir}/merged.json`,
    "--junit",
    `${dir}/merged.xml`,
  );
  assert.equal(merged.code, 1, merged.err);
  const mergedXml = await Deno.readTextFile(`${dir}/merged.xml`);
  checkJunit(mergedXml, 40);
  assert.deepEqual(testcases(mergedXml), unsharded);
  const a = await readReport(`${dir}/all.json`);
  const m = await readReport(`${dir}/merged.json`);
  assert.deepEqual(m.totals, a.totals);
  assert.deepEqual(
    m.results.map((r) => [r.seed, r.passed, r.fingerprint]),
    a.results.map((r) => [r.seed, r.passed, r.fingerprint]),
  );
  assert.match(merged.out, /FAILED: 40 seeds, \d+ passed, \d+ failed, 0 errors/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rig soak reports a seeded failure with a replay command that fails with that seed", async () => {
  const ran = await rig("soak", THRESHOLD, "--seeds", "12", "--workers", "2", "--progress", "none");
  assert.equal(ran.code, 1);
  const replay = /Replay: (deno run (\S+) --seed (\d+))/.exec(ran.out);
  assert.ok(replay, ran.out);
  const [, , file, seed] = replay;
  assert.equal(file, THRESHOLD);
  assert.match(ran.out, new RegExp(`✗ seed ${seed} FAILED: irqLatency\\("uart"\\)\\.count < 30`));
  const { code, stdout } = await deno(["run", "--quiet", file, "--seed", seed]);
  assert.equal(code, 1);
  assert.match(
    stdout,
    new RegExp(`FAILED: 1 of 1 assertions \\(seed ${seed}\\)`),
  );
  const again = await rig("replay", file, "--seed", seed);
  assert.equal(again.code, 1);
  assert.match(again.out, new RegExp(`\\(seed ${seed}\\)`));
});

Deno.test("rig soak reports a crashing worker as that seed's error and goes on", async () => {
  const dir = await Deno.makeTempDir();
  const ran = await rig(
    "soak",
    "tests/rigs/cli/fixtures/crash.ts",
    "--seeds",
    "6",
    "--workers",
    "2",
    "--json",
    `${dir}/r.json`,
    "--junit",
    `${dir}/r.xml`,
    "--progress",
    "none",
  );
  assert.equal(ran.code, 1, ran.err);
  const report = await readReport(`${dir}/r.json`);
  assert.deepEqual(report.totals.seeds, 6);
  assert.deepEqual([report.totals.passed, report.totals.errors], [5, 1]);
  const crashed = report.results.find((r) => !r.passed)!;
  assert.equal(crashed.seed, 3);
  assert.equal(crashed.error?.kind, "crash");
  assert.match(crashed.error!.message, /fixture crash on seed 3/);
  assert.equal(crashed.replay, "deno run tests/rigs/cli/fixtures/crash.ts --seed 3");
  checkJunit(await Deno.readTextFile(`${dir}/r.xml`), 6);
  assert.equal(testcases(await Deno.readTextFile(`${dir}/r.xml`)).get("seed 3"), "error");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rig soak reports a hung worker after --seed-timeout, replaces it and goes on", async () => {
  const dir = await Deno.makeTempDir();
  const started = performance.now();
  const ran = await rig(
    "soak",
    "tests/rigs/cli/fixtures/hang.ts",
    "--seeds",
    "5",
    "--workers",
    "2",
    "--seed-timeout",
    "1500ms",
    "--json",
    `${dir}/r.json`,
    "--progress",
    "none",
  );
  assert.equal(ran.code, 1, ran.err);
  assert.ok(performance.now() - started < 20_000);
  const report = await readReport(`${dir}/r.json`);
  assert.deepEqual(report.results.map((r) => r.seed), [1, 2, 3, 4, 5]);
  const hung = report.results.find((r) => !r.passed)!;
  assert.equal(hung.seed, 2);
  assert.equal(hung.error?.kind, "timeout");
  assert.match(ran.out, /✗ seed 2 TIMEOUT: Hung: no result after \d+ ms/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rig soak stopped by SIGINT writes every result gathered so far and exits 130", async () => {
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PERMISSIONS,
      "rigs/cli/main.ts",
      "soak",
      THRESHOLD,
      "--seeds",
      "1000000",
      "--workers",
      "2",
      "--json",
      `${dir}/r.json`,
      "--junit",
      `${dir}/r.xml`,
      "--progress",
      "lines",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let out = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  // Wait for three failing seeds, then interrupt.
  while ((out.match(/✗ seed/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 130, out);
  assert.match(out, /Interrupted: stopping the workers/);
  const report = await readReport(`${dir}/r.json`);
  assert.equal(report.interrupted, true);
  assert.ok(report.totals.seeds >= 3 && report.totals.seeds < 1_000_000);
  assert.equal(report.results.length, report.totals.seeds);
  for (const m of out.matchAll(/✗ seed (\d+) FAILED/g)) {
    assert.ok(report.results.some((r) => r.seed === Number(m[1]) && !r.passed));
  }
  checkJunit(await Deno.readTextFile(`${dir}/r.xml`), report.totals.seeds);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rig merge sums the shards' totals and refuses overlapping shards", async () => {
  const dir = await Deno.makeTempDir();
  for (const i of [1, 2, 3]) {
    const ran = await rig(
      "soak",
      THRESHOLD,
      "--seed-from",
      "100",
      "--seeds",
      "9",
      "--workers",
      "1",
      "--shard",
      `${i}/3`,
      "--json",
      `${dir}/s${i}.json`,
      "--progress",
      "none",
    );
    assert.ok(ran.code <= 1, ran.err);
  }
  const shards = await Promise.all([1, 2, 3].map((i) => readReport(`${dir}/s${i}.json`)));
  const merged = await rig(
    "merge",
    `${dir}/s1.json`,
    `${dir}/s2.json`,
    `${dir}/s3.json`,
    "--json",
    `${dir}/m.json`,
  );
  const m = await readReport(`${dir}/m.json`);
  assert.equal(m.totals.seeds, 9);
  for (const key of ["passed", "failed", "errors", "simulatedNs", "events"] as const) {
    assert.equal(m.totals[key], shards.reduce((sum, s) => sum + s.totals[key], 0));
  }
  assert.deepEqual(m.results.map((r) => r.seed), [100, 101, 102, 103, 104, 105, 106, 107, 108]);
  assert.deepEqual(m.shards, ["1/3", "2/3", "3/3"]);
  assert.equal(merged.code, m.totals.failed > 0 ? 1 : 0);
  const overlap = await rig("merge", `${dir}/s1.json`, `${dir}/s1.json`);
  assert.equal(overlap.code, 2);
  assert.match(overlap.err, /Seed \d+ is in both .*s1.json and .*s1.json: shards must not overlap/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rig gives exit 2 and a clear message, never a stack trace, for bad arguments", async () => {
  const cases: [string[], RegExp][] = [
    [["soak"], /missing required argument 'file'/],
    [["soak", THRESHOLD], /needs --seeds N .* or --for-wall DURATION/],
    [["soak", THRESHOLD, "--seeds", "ten"], /option '--seeds <n>' argument 'ten' is invalid/],
    [["soak", THRESHOLD, "--seeds", "4", "--shard", "3/2"], /Invalid --shard "3\/2"/],
    [["soak", THRESHOLD, "--seeds", "4", "--for-wall", "8 parsecs"], /--for-wall <duration>/],
    [["soak", "no/such.ts", "--seeds", "4"], /Cannot find "no\/such.ts"/],
    [["soak", THRESHOLD, "--sedes", "4"], /unknown option '--sedes'/],
    [["replay", THRESHOLD], /required option '--seed <n>' not specified/],
    [["merge", THRESHOLD], /is not JSON/],
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["list", "no/such/dir"], /Cannot list "no\/such\/dir"/],
  ];
  for (const [args, message] of cases) {
    const ran = await rig(...args);
    assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.out}${ran.err}`);
    assert.match(ran.err, message, args.join(" "));
    assert.doesNotMatch(ran.err, /^\s+at /m, `no stack trace for ${args.join(" ")}`);
  }
});

Deno.test("rig --help on every command shows examples and exits 0", async () => {
  for (const command of [[], ["run"], ["soak"], ["replay"], ["merge"], ["list"]]) {
    const ran = await rig(...command, "--help");
    assert.equal(ran.code, 0);
    assert.match(ran.out, /Examples:\n {2}deno task rig/);
  }
});

Deno.test("rig run and rig list run and list scenario files", async () => {
  const ran = await rig("run", THRESHOLD, "--seed", "1");
  assert.equal(ran.code, 0, ran.err);
  assert.match(ran.out, /PASSED: 1 assertion$/m);
  const twice = await rig("run", THRESHOLD, THRESHOLD, "--seed", "2");
  assert.equal(twice.code, 1, twice.err); // seed 2 breaks the threshold
  assert.equal(twice.out.match(/FAILED: 1 of 1 assertions \(seed 2\)/g)?.length, 2);
  const listed = await rig("list", "tests/rigs/cli/fixtures");
  assert.equal(listed.code, 0);
  assert.match(listed.out, /threshold\.ts +Soak fixture: UART interrupts arrive at random/);
  assert.doesNotMatch(listed.out, /_uart_scenario/);
});
