import assert from "node:assert/strict";
import { firstSentence, listScenarios } from "../../../rigs/cli/scenario_list.ts";

Deno.test("firstSentence() reads the header doc comment up to the first full stop", () => {
  assert.equal(
    firstSentence("/**\n * (b) IPC burst: a flood. Then more.\n */"),
    "(b) IPC burst: a flood.",
  );
  assert.equal(firstSentence("// lead\n/** Version 2.1 ships. Yes. */"), "Version 2.1 ships.");
  assert.equal(firstSentence("import x from 'y';\n/** Not a header. */"), "");
});

Deno.test("listScenarios() lists scenario files, not helpers or tests", async () => {
  const dir = new URL("./fixtures", import.meta.url).pathname;
  const listed = await listScenarios(dir);
  assert.deepEqual(listed.map((s) => s.file.split("/").pop()), [
    "crash.ts",
    "hang.ts",
    "threshold.ts",
  ]);
  await assert.rejects(() => listScenarios(`${dir}/nope`), Deno.errors.NotFound);
});
