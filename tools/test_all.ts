/**
 * The whole gate, run by `deno task test` and by CI: `deno fmt --check`, `deno lint` (with the
 * determinism plugin), `deno check` on everything, `deno doc --lint mod.ts` (every public
 * symbol documented, no public type referencing an unexported one), and `deno test --doc` with a
 * JUnit report.
 * It ends with one plain line `tests: N passed, M failed` counted from that report, and exits
 * non-zero when any step fails.
 *
 * @module
 */

const deno = Deno.execPath();
const resultsDir = ".test-results";
const junitPath = `${resultsDir}/junit.xml`;
const failures: string[] = [];

async function step(name: string, args: string[]): Promise<boolean> {
  console.log(`\n==> ${name}: deno ${args.join(" ")}`);
  const { code } = await new Deno.Command(deno, { args, stdout: "inherit", stderr: "inherit" })
    .output();
  if (code !== 0) failures.push(`${name} (exit ${code})`);
  return code === 0;
}

/** Counts test cases and failures in a JUnit XML report. */
function countJunit(xml: string): { passed: number; failed: number; skipped: number } {
  let passed = 0, failed = 0, skipped = 0;
  const testcase = /<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testcase)) {
    const body = match[2] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

await Deno.mkdir(resultsDir, { recursive: true });
await Deno.remove(junitPath).catch(() => {});
await step("format", ["fmt", "--check"]);
await step("lint", ["lint"]);
await step("type check", ["check", "."]);
await step("doc lint", ["doc", "--lint", "mod.ts"]);
await step("tests", [
  "test",
  "-A",
  "--doc",
  "--parallel",
  `--junit-path=${junitPath}`,
  ...Deno.args,
]);

let counts = { passed: 0, failed: 0, skipped: 0 };
try {
  counts = countJunit(await Deno.readTextFile(junitPath));
} catch {
  failures.push("tests (no JUnit report was written)");
}
if (failures.length > 0) console.log(`\nFailed steps: ${failures.join(", ")}`);
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed`);
Deno.exit(failures.length > 0 || counts.failed > 0 ? 1 : 0);
