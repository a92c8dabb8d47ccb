// The nightly-soak examples in docs/examples/ use only flags the rig commands have, and their
// shard counts agree with their matrix / completions.
import assert from "node:assert/strict";
import { rigProgram } from "../../../rigs/cli/rig_program.ts";

const examples = new URL("../../../docs/examples/", import.meta.url);
const program = rigProgram({ out: () => {}, err: () => {} }, { code: 0 });

function flagsOf(command: string): Set<string> {
  const sub = program.commands.find((c) => c.name() === command);
  assert.ok(sub, command);
  return new Set(sub.options.map((o) => o.long!));
}

/** The `rig` command lines of a YAML file, with `\` continuations joined. */
function rigCommands(yaml: string): string[] {
  const joined = yaml.replace(/\\\n\s*/g, " ");
  return [...joined.matchAll(/task rig (soak|merge) [^\n]*/g)].map((m) => m[0]);
}

for (const file of ["nightly-soak.github-actions.yml", "nightly-soak.k8s-indexed-job.yml"]) {
  Deno.test(`docs/examples/${file} calls rig soak and rig merge with valid flags`, async () => {
    const yaml = await Deno.readTextFile(new URL(file, examples));
    const commands = rigCommands(yaml);
    assert.ok(commands.some((c) => c.startsWith("task rig soak")), "runs rig soak");
    for (const command of commands) {
      const name = command.split(" ")[2];
      const valid = flagsOf(name);
      for (const [flag] of command.matchAll(/--[a-z][a-z-]*/g)) {
        assert.ok(valid.has(flag), `${file}: rig ${name} has no ${flag}`);
      }
    }
  });
}

Deno.test("the CI-matrix example has one job per shard and merges every shard", async () => {
  const yaml = await Deno.readTextFile(new URL("nightly-soak.github-actions.yml", examples));
  const shards = Number(/SHARDS: "(\d+)"/.exec(yaml)![1]);
  const matrix = /shard: \[([\d, ]+)\]/.exec(yaml)![1].split(",").map((s) => Number(s.trim()));
  assert.deepEqual(matrix, Array.from({ length: shards }, (_, i) => i + 1));
  assert.match(yaml, /--shard "\$\{\{ matrix.shard \}\}\/\$SHARDS"/);
  assert.match(yaml, /rig merge soak-shard-\*\.json/);
});

Deno.test("the Indexed Job example maps JOB_COMPLETION_INDEX 0..n-1 to shards 1..n", async () => {
  const yaml = await Deno.readTextFile(new URL("nightly-soak.k8s-indexed-job.yml", examples));
  assert.match(yaml, /completionMode: Indexed/);
  const completions = Number(/completions: (\d+)/.exec(yaml)![1]);
  const shards = Number(/name: SHARDS\n\s+value: "(\d+)"/.exec(yaml)![1]);
  assert.equal(completions, shards);
  assert.match(yaml, /SHARD=\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/);
  assert.match(yaml, /--shard "\$SHARD\/\$SHARDS"/);
});
