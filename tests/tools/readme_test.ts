import assert from "node:assert/strict";

const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const ci = await Deno.readTextFile(new URL("../../.ci/run", import.meta.url));

function quickStart(): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith("Quick start"));
  assert.ok(section, "README has a Quick start section");
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)];
  assert.equal(blocks.length, 1, "Quick start has exactly one sh block");
  return blocks[0][1].split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !l.startsWith("#")
  );
}

Deno.test("README Quick start holds exactly two commands: demo, then the test suite", () => {
  const commands = quickStart();
  assert.equal(commands.length, 2);
  assert.match(commands[0], /task demo$/);
  assert.match(commands[1], /task test$/);
});

Deno.test("CI runs the README's test command verbatim", () => {
  const [, test] = quickStart();
  const lines = ci.split("\n").map((l) => l.trim());
  assert.ok(lines.includes(test), `.ci/run runs "${test}"`);
});
