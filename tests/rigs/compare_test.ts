// Importing the scenario files registers their own tests; compareKernels() then finds their
// scenarios by file.
import "../../scenarios/demo.ts";
import "../../scenarios/hypervisor_shootout.ts";
import assert from "node:assert/strict";
import { compareKernels, compareScenario, formatComparison } from "../../rigs/compare.ts";
import { scenario } from "../../rigs/scenario.ts";
import { ScenarioError } from "../../rigs/scenario_error.ts";
import { boards } from "../../hw/boards.ts";
import { native } from "../../guests/recipe.ts";
import { compute } from "../../guests/program.ts";

const demo = new URL("../../scenarios/demo.ts", import.meta.url);
const shootout = new URL("../../scenarios/hypervisor_shootout.ts", import.meta.url);

Deno.test("compareKernels() runs a scenario file on every profile with the same seed", async () => {
  const rows = await compareKernels(demo, undefined, { for: "200ms" });
  assert.deepEqual(rows.map((row) => row.kernel), [
    "okl4",
    "sel4-mcs",
    "pikeos",
    "nova",
    "xen",
    "kvm",
  ]);
  assert.ok(rows.every((row) => row.verdict !== "ERROR" && row.seed === rows[0].seed));
  assert.ok(rows.every((row) => "radio" in row.irqLatency));
  // Rows are plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(rows)), rows);
});

Deno.test("compareKernels() on the shoot-out keeps the designs' order of merit", async () => {
  const rows = await compareKernels(shootout, ["okl4", "pikeos", "xen", "kvm"]);
  const by = Object.fromEntries(rows.map((row) => [row.kernel, row]));
  assert.equal(by.okl4.verdict, "PASS");
  assert.equal(by.okl4.deadlineMisses, 0);
  assert.equal(by.pikeos.deadlineMisses, 0);
  assert.ok(by.pikeos.irqLatency.keypad.p99Ns > 100 * by.okl4.irqLatency.keypad.p99Ns);
  assert.ok(by.xen.deadlineMisses > 0);
  assert.ok(by.kvm.deadlineMisses > 0);
  assert.equal(by.okl4.onChip, true);
  assert.equal(by.xen.onChip, false);
  assert.equal(by.xen.trustedBytes, 16 * 1024 * 1024);
});

Deno.test("compareScenario() rejects an unknown kernel with the valid names", () => {
  const s = scenario("x").board(boards.handset()).cell(
    "app",
    native({
      priority: 1,
      *program() {
        for (;;) yield* compute(1_000);
      },
    }),
  );
  assert.throws(
    () => compareScenario(s, ["okl4", "l4ka"], { for: "1ms" }),
    (error: Error) =>
      error instanceof ScenarioError && /valid kernels are "okl4"/.test(error.message),
  );
});

Deno.test("formatComparison() prints one row per kernel with IRQ p99/max per line", () => {
  const s = scenario("two lines").board(boards.handset()).cell(
    "app",
    native({
      priority: 1,
      *program() {
        for (;;) yield* compute(532_000);
      },
    }),
  );
  const text = formatComparison(compareScenario(s, ["okl4", "xen"], { for: "10ms" }));
  const lines = text.split("\n");
  assert.match(lines[0], /^scenario: two lines \(seed 1\)$/);
  assert.match(lines[1], /^kernel +verdict +misses/);
  assert.match(lines[3], /^okl4 +PASS +0 /);
  assert.match(lines[4], /^xen +PASS +0 .*DRAM +500 kLoC, 16 MiB$/);
});

Deno.test("rig compare prints the table and writes JSON and HTML; bad kernels exit 2", async () => {
  const { rig } = await import("../../rigs/cli/rig_program.ts");
  const dir = await Deno.makeTempDir();
  const out: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
  const code = await rig([
    "compare",
    "scenarios/keypad_latency.ts",
    "--kernels",
    "okl4,xen",
    "--for",
    "300ms",
    "--json",
    `${dir}/rows.json`,
    "--html",
    `${dir}/rows.html`,
  ], io);
  assert.equal(code, 0, out.join("\n"));
  const text = out.join("\n");
  assert.match(text, /^okl4 +\S+ +0 /m);
  assert.match(text, /^xen +\S+ +\d+ /m);
  const rows = JSON.parse(await Deno.readTextFile(`${dir}/rows.json`));
  assert.deepEqual(rows.map((r: { kernel: string }) => r.kernel), ["okl4", "xen"]);
  assert.match(await Deno.readTextFile(`${dir}/rows.html`), /<td>xen<\/td>/);
  const bad: string[] = [];
  const badCode = await rig(["compare", "scenarios/keypad_latency.ts", "--kernels", "okl4,bogus"], {
    out: (t) => bad.push(t),
    err: (t) => bad.push(t),
  });
  assert.equal(badCode, 2);
  assert.match(bad.join("\n"), /unknown kernel "bogus"; valid kernels are okl4, sel4-mcs/);
  await Deno.remove(dir, { recursive: true });
});
