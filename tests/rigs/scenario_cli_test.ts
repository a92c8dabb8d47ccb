import assert from "node:assert/strict";
import { EXIT, parseScenarioFlags, registeredScenarios, underDenoTest } from "../../mod.ts";
// Importing a scenario file from a test file registers it as a Deno.test case (its run() does
// not run or exit): this file's "scenario: fixture: keypad presses reach their owner" case.
import "./fixtures/passing.ts";
import { deno, type DenoOutput } from "../_deno.ts";

const PASSING = "tests/rigs/fixtures/passing.ts";
const FAILING = "tests/rigs/fixtures/failing.ts";
const DEMO = "scenarios/demo.ts";

function denoRun(file: string, ...args: string[]): Promise<DenoOutput> {
  return deno(["run", file, ...args]);
}

/** The report's lines that carry a verdict mark. */
function verdictLines(stdout: string): string[] {
  return stdout.split("\n").filter((line) => /^\s+[✓✗] /.test(line));
}

Deno.test("deno run exits 0 and prints PASSED when every assertion holds", async () => {
  const { code, stdout, stderr } = await denoRun(PASSING);
  assert.equal(code, EXIT.passed, stderr);
  assert.equal(EXIT.passed, 0);
  assert.match(stdout, /^scenario: fixture: keypad presses reach their owner$/m);
  assert.match(
    stdout,
    /^handset \(1 core @ 532 MHz\), handset costs, seed 1: simulated 50ms in \d+\.\d\ds wall .*, [\d,]+ events, fingerprint [0-9a-f]{16}$/m,
  );
  assert.deepEqual(verdictLines(stdout).map((line) => line.replace(/\s+/g, " ").trim()), [
    '✓ irqLatency("keypad").count = 3 seen 3',
    '✓ cpuShare("busy") > 90% seen 99.953%',
  ]);
  assert.match(stdout, /^PASSED: 2 assertions$/m);
  assert.doesNotMatch(stdout, /Replay:/);
});

Deno.test("deno run exits 1 on a failed assertion with expected, seen, seed and replay", async () => {
  const { code, stdout } = await denoRun(FAILING, "--seed", "5", "--for", "60ms");
  assert.equal(code, EXIT.failed);
  assert.equal(EXIT.failed, 1);
  const [held, failed] = verdictLines(stdout);
  assert.match(held, /✓ irqLatency\("uart"\)\.max < 20us\s+seen 1\.768us$/);
  assert.match(failed, /✗ irqLatency\("uart"\)\.count = 1000000\s+seen \d+$/);
  assert.match(stdout, /^FAILED: 1 of 2 assertions \(seed 5\)$/m);
  assert.match(
    stdout,
    /^Replay: deno run tests\/rigs\/fixtures\/failing\.ts --seed 5 --for 60ms$/m,
  );
});

Deno.test("deno run exits 2 on bad input before anything runs", async () => {
  const { code, stdout, stderr } = await denoRun("tests/rigs/fixtures/unknown_cell.ts");
  assert.equal(code, EXIT.badInput);
  assert.equal(EXIT.badInput, 2);
  assert.match(stderr, /^error: Unknown cell "andriod" in expect\(\)/m);
  assert.match(stderr, /run deno run tests\/rigs\/fixtures\/unknown_cell\.ts --help for usage/);
  assert.equal(stdout, "");
});

Deno.test("The replay command of a failure reproduces the same failing assertion", async () => {
  const first = await denoRun(FAILING, "--seed", "11", "--for", "40ms");
  assert.equal(first.code, 1);
  const replay = /^Replay: (.+)$/m.exec(first.stdout)![1];
  assert.equal(replay, "deno run tests/rigs/fixtures/failing.ts --seed 11 --for 40ms");
  const [command, ...args] = replay.split(" ");
  assert.equal(command, "deno");
  const again = await deno(args);
  assert.equal(again.code, 1);
  assert.deepEqual(verdictLines(again.stdout), verdictLines(first.stdout));
  const fingerprint = (stdout: string) => /fingerprint ([0-9a-f]{16})/.exec(stdout)![1];
  assert.equal(fingerprint(again.stdout), fingerprint(first.stdout));
  // The failure depends on the seed: another seed sees another count.
  const other = await denoRun(FAILING, "--seed", "12", "--for", "40ms");
  assert.notDeepEqual(verdictLines(other.stdout)[1], verdictLines(first.stdout)[1]);
  assert.notEqual(fingerprint(other.stdout), fingerprint(first.stdout));
});

Deno.test("The replay command omits --for when the run used the scenario's own length", async () => {
  const { stdout } = await denoRun(FAILING, "--seed", "2");
  assert.match(stdout, /simulated 100ms/);
  assert.match(stdout, /^Replay: deno run tests\/rigs\/fixtures\/failing\.ts --seed 2$/m);
});

Deno.test("--json writes the result schema (needs --allow-write)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/result.json`;
  try {
    const { code } = await deno([
      "run",
      `--allow-write=${dir}`,
      FAILING,
      "--seed",
      "3",
      "--for",
      "30ms",
      "--json",
      path,
    ]);
    assert.equal(code, 1);
    const result = JSON.parse(await Deno.readTextFile(path));
    for (
      const key of [
        "scenario",
        "seed",
        "passed",
        "simulatedNs",
        "events",
        "fingerprint",
        "assertions",
        "metrics",
        "replay",
      ]
    ) {
      assert.ok(key in result, `missing "${key}"`);
    }
    assert.equal(result.scenario, "fixture: seeded arrivals miss an impossible count");
    assert.equal(result.seed, 3);
    assert.equal(result.passed, false);
    assert.equal(result.simulatedNs, 30_000_000);
    assert.ok(Number.isSafeInteger(result.events) && result.events > 0);
    assert.match(result.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(result.replay, "deno run tests/rigs/fixtures/failing.ts --seed 3 --for 30ms");
    assert.equal(result.assertions.length, 2);
    for (const a of result.assertions) {
      for (const key of ["name", "passed", "expected", "actual", "at"]) {
        assert.ok(key in a, `assertion missing "${key}"`);
      }
    }
    const [held, failed] = result.assertions;
    assert.deepEqual(
      { name: held.name, passed: held.passed, expected: held.expected, actual: held.actual },
      {
        name: 'irqLatency("uart").max < 20us',
        passed: true,
        expected: "< 20us",
        actual: "1.768us",
      },
    );
    assert.equal(failed.passed, false);
    assert.equal(failed.expected, "= 1000000");
    assert.equal(failed.at, -1);
    assert.ok(held.at > 0 && held.at < 30_000_000);
    const count = result.metrics.irqLatencyNs.uart.count;
    assert.equal(failed.actual, String(count));
    assert.equal(typeof result.metrics.kernelShare, "number");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--json without write permission names --allow-write and exits 2 without running", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/result.json`;
  try {
    const { code, stdout, stderr } = await denoRun(PASSING, "--json", path);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot write ".*result\.json" for --json: .*needs write permission/);
    assert.match(stderr, /run deno run --allow-write tests\/rigs\/fixtures\/passing\.ts --json /);
    assert.doesNotMatch(stdout, /PASSED|FAILED/);
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--help prints the usage and exits 0", async () => {
  const { code, stdout } = await denoRun(PASSING, "--help");
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: deno run tests\/rigs\/fixtures\/passing\.ts \[options\]$/m);
  for (const flag of ["--seed N", "--for DURATION", "--json FILE", "--max-events N", "--quiet"]) {
    assert.ok(stdout.includes(flag), `help lists ${flag}`);
  }
  assert.doesNotMatch(stdout, /PASSED/);
});

Deno.test("--seed and --for set the run; --quiet prints only failures and the verdict", async () => {
  const { code, stdout } = await denoRun(FAILING, "--seed", "7", "--for", "20ms", "--quiet");
  assert.equal(code, 1);
  assert.deepEqual(stdout.trimEnd().split("\n").map((line) => line.replace(/\s+\d+$/, " N")), [
    '  ✗ irqLatency("uart").count = 1000000  seen N',
    "FAILED: 1 of 2 assertions (seed 7)",
    "Replay: deno run tests/rigs/fixtures/failing.ts --seed 7 --for 20ms",
  ]);
  const full = await denoRun(PASSING, "--seed", "7", "--for", "20ms");
  assert.match(full.stdout, /seed 7: simulated 20ms/);
});

Deno.test("--max-events stops a run loudly (exit 1) with the command that replays it", async () => {
  const { code, stdout, stderr } = await denoRun(PASSING, "--max-events", "100");
  assert.equal(code, 1);
  assert.match(stderr, /^error: Run stopped at [\d.]+ms: reached the limit of 100 events/m);
  assert.match(stderr, /^Replay: deno run tests\/rigs\/fixtures\/passing\.ts --max-events 100$/m);
  assert.doesNotMatch(stderr, /^\s+at /m);
  assert.equal(stdout, "");
});

Deno.test("parseScenarioFlags() reads every run flag over the scenario's defaults", () => {
  const defaults = { for: "5s", seed: 3 };
  assert.deepEqual(parseScenarioFlags([], defaults).run, {
    for: "5s",
    seed: 3,
    maxEvents: undefined,
    kernel: undefined,
  });
  const flags = parseScenarioFlags(
    ["--seed", "9", "--for", "250ms", "--max-events", "1000", "--kernel", "pikeos", "--quiet"],
    defaults,
  );
  assert.deepEqual(flags.run, { for: 250_000_000, seed: 9, maxEvents: 1_000, kernel: "pikeos" });
  assert.equal(flags.quiet, true);
  assert.equal(flags.help, false);
  assert.equal(parseScenarioFlags(["-h"], {}).help, true);
  assert.equal(parseScenarioFlags(["--json", "out.json"], {}).json, "out.json");
});

Deno.test("Importing a scenario file registers it with its file and run() options", () => {
  const registered = registeredScenarios().find((r) =>
    r.scenario.name === "fixture: keypad presses reach their owner"
  );
  assert.ok(registered !== undefined);
  assert.match(registered.file!, /\/tests\/rigs\/fixtures\/passing\.ts$/);
  assert.deepEqual(registered.options, { for: "50ms" });
  assert.equal(registered.scenario.execute(registered.options).passed, true);
});

Deno.test("A registered scenario that fails fails its Deno.test case with the failing assertion", async () => {
  // registration.ts imports the failing fixture (whose run() registers a case) and calls
  // Scenario.test() on a passing scenario.
  const { code, stdout, stderr } = await deno(["test", "tests/rigs/fixtures/registration.ts"]);
  const output = stdout + stderr;
  assert.notEqual(code, 0);
  assert.match(output, /scenario: fixture: registered by test\(\) \.\.\. ok/);
  assert.match(output, /scenario: fixture: seeded arrivals miss an impossible count \.\.\. FAILED/);
  assert.match(
    output,
    /Scenario "fixture: seeded arrivals miss an impossible count" failed \(seed 1\)/,
  );
  assert.match(output, /irqLatency\("uart"\)\.count = 1000000: seen \d+/);
  assert.match(output, /Replay: deno run .* --seed 1/);
  assert.match(output, /1 passed \| 1 failed/);
});

Deno.test("An output file whose directory is missing or that is a directory is bad input before the run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const cases: [string[], string][] = [
      [
        ["--json", `${dir}/missing/f.json`],
        `error: Cannot write "${dir}/missing/f.json" for --json: directory "${dir}/missing" does not exist`,
      ],
      [
        ["--html", dir],
        `error: Cannot write "${dir}" for --html: it is a directory; give a file path such as "${dir}/report.html"`,
      ],
      [
        ["--junit", `${dir}/file/junit.xml`],
        `error: Cannot write "${dir}/file/junit.xml" for --junit: "${dir}/file" is not a directory`,
      ],
      [
        ["--json", `${dir}/ok.json`, "--trace", `${dir}/missing/t.json`],
        `error: Cannot write "${dir}/missing/t.json" for --trace: directory "${dir}/missing" does not exist`,
      ],
    ];
    for (const [flags, message] of cases) {
      const { code, stdout, stderr } = await deno([
        "run",
        `--allow-write=${dir}`,
        PASSING,
        ...flags,
      ]);
      assert.equal(code, EXIT.badInput, stderr);
      assert.equal(stderr, message + "\n");
      assert.equal(stdout, "", "nothing ran");
    }
    // The check leaves nothing behind: the file it could write was created and removed again.
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["file"]);
    assert.equal(await Deno.readTextFile(`${dir}/file`), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "An output file that fails after the run still prints the report, then one error line, exit 2",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    // Writing /dev/full fails with ENOSPC although the path checks out before the run.
    const { code, stdout, stderr } = await deno(["run", "-A", PASSING, "--json", "/dev/full"]);
    assert.equal(code, EXIT.badInput);
    assert.match(stdout, /^PASSED: 2 assertions$/m);
    assert.equal(
      stderr,
      `error: Cannot write "/dev/full" for --json: No space left on device (os error 28): ` +
        `writefile '/dev/full'\n`,
    );
  },
});

Deno.test("underDenoTest() is true under deno test (deno run is covered by the exit-code tests)", () => {
  assert.equal(underDenoTest(), true);
});

Deno.test("deno test on a scenario file registers its case instead of running and exiting", async () => {
  const passing = await deno(["test", PASSING]);
  const output = passing.stdout + passing.stderr;
  assert.equal(passing.code, 0, output);
  assert.match(output, /^scenario: fixture: keypad presses reach their owner \.\.\. ok/m);
  assert.match(output, /ok \| 1 passed \| 0 failed/);
  assert.doesNotMatch(output, /Deno\.exit|PASSED:/);
  const failing = await deno(["test", FAILING]);
  const failed = failing.stdout + failing.stderr;
  assert.equal(failing.code, 1);
  assert.match(failed, /scenario: fixture: seeded arrivals miss an impossible count \.\.\. FAILED/);
  assert.match(failed, /Replay: deno run tests\/rigs\/fixtures\/failing\.ts --seed 1/);
  assert.match(failed, /FAILED \| 0 passed \| 1 failed/);
  assert.doesNotMatch(failed, /Deno\.exit/);
});

Deno.test("deno bench on a scenario file times its runs and fails when an assertion fails", async () => {
  const passing = await deno(["bench", PASSING]);
  const output = passing.stdout + passing.stderr;
  assert.equal(passing.code, 0, output);
  assert.match(output, /\| scenario: fixture: keypad presses reach their owner +\| /);
  assert.doesNotMatch(output, /Deno\.exit|PASSED:|Bench failed/);
  const failing = await deno(["bench", FAILING]);
  const failed = failing.stdout + failing.stderr;
  assert.equal(failing.code, 1, failed);
  assert.match(failed, /Scenario "fixture: seeded arrivals miss an impossible count" failed/);
  assert.match(failed, /Replay: deno run tests\/rigs\/fixtures\/failing\.ts --seed 1/);
  assert.match(failed, /Bench failed/);
});

Deno.test({
  name:
    "A trace file whose disk fills during the run loses only that file: report, then one error, exit 2",
  // /dev/full fails every write with "No space left on device"; the trace flushes mid-run.
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { code, stdout, stderr } = await deno([
      "run",
      "-A",
      DEMO,
      "--quiet",
      "--trace",
      "/dev/full",
    ]);
    assert.equal(code, EXIT.badInput, stderr);
    assert.match(stdout, /^PASSED: 9 assertions$/m);
    assert.equal(
      stderr.trim(),
      'error: Cannot write "/dev/full" for --trace: No space left on device (os error 28)',
    );
  },
});
