import assert from "node:assert/strict";
import plugin from "../../tools/lint/determinism_plugin.ts";

const RULE_ID = "determinism/no-wall-clock-or-random";

/** Each banned use, a line that makes it, and the hint the plugin must give. */
const BANNED: { name: string; source: string; hint: string }[] = [
  {
    name: "Math.random",
    source: "const x = Math.random();",
    hint: "Math.random is banned in simulation code, use engine.random(name)",
  },
  {
    name: "Date.now",
    source: "const t = Date.now();",
    hint: "Date.now is banned in simulation code, use engine.now (virtual time)",
  },
  {
    name: "performance.now",
    source: "const t = performance.now();",
    hint: "performance.now is banned in simulation code, use engine.now (virtual time)",
  },
  {
    name: "setTimeout",
    source: "setTimeout(() => {}, 10);",
    hint: "setTimeout is banned in simulation code, use engine.after(delay, fn)",
  },
  {
    name: "setInterval",
    source: "setInterval(() => {}, 10);",
    hint:
      "setInterval is banned in simulation code, use a self-rescheduling engine.after(delay, fn)",
  },
  {
    name: "crypto.getRandomValues",
    source: "crypto.getRandomValues(new Uint8Array(4));",
    hint: "crypto.getRandomValues is banned in simulation code, use engine.random(name)",
  },
];

function lint(fileName: string, source: string): Deno.lint.Diagnostic[] {
  return Deno.lint.runPlugin(plugin, fileName, source);
}

for (const folder of ["hw", "kernel", "guests"]) {
  for (const banned of BANNED) {
    Deno.test(`determinism plugin reports ${banned.name} in ${folder}/ with its hint`, () => {
      const diagnostics = lint(`${folder}/x.ts`, banned.source);
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      assert.equal(diagnostics[0].id, RULE_ID);
      assert.equal(diagnostics[0].message, `${banned.name} is banned here`);
      assert.equal(diagnostics[0].hint, banned.hint);
    });
  }
}

for (const banned of BANNED) {
  Deno.test(`determinism plugin allows ${banned.name} in rigs/`, () => {
    assert.deepEqual(lint("rigs/x.ts", banned.source), []);
  });
}

Deno.test("determinism plugin allows banned calls outside simulation folders", () => {
  for (const banned of BANNED) {
    assert.deepEqual(lint("bench/x.ts", banned.source), []);
    assert.deepEqual(lint("tools/x.ts", banned.source), []);
  }
});

Deno.test("determinism plugin reports banned calls in nested simulation paths", () => {
  const diagnostics = lint(`${Deno.cwd()}/hw/devices/uart.ts`, "const t = Date.now();");
  assert.deepEqual(diagnostics.map((d) => d.message), ["Date.now is banned here"]);
});

Deno.test("determinism plugin ignores hw-named folders outside the simulation layers", () => {
  assert.deepEqual(lint("rigs/hw/x.ts", "const t = Date.now();"), []);
  assert.deepEqual(lint("tests/hw/x_test.ts", "const t = Date.now();"), []);
});

Deno.test("determinism plugin reports globalThis forms of banned calls", () => {
  const source = [
    "globalThis.setTimeout(() => {}, 1);",
    "globalThis.setInterval(() => {}, 1);",
    "const r = globalThis.Math.random();",
    "const t = globalThis.performance.now();",
  ].join("\n");
  const messages = lint("kernel/x.ts", source).map((d) => d.message);
  assert.deepEqual(messages, [
    "globalThis.setTimeout is banned here",
    "globalThis.setInterval is banned here",
    "Math.random is banned here",
    "performance.now is banned here",
  ]);
});

Deno.test("determinism plugin leaves allowed code in hw/ alone", () => {
  const source = [
    "const engine = { now: 0, random: (name: string) => name };",
    "const t = engine.now;",
    "const r = engine.random('radio');",
    "const m = Math.max(1, 2);",
    "const d = new Date(0);",
  ].join("\n");
  assert.deepEqual(lint("hw/x.ts", source), []);
});
