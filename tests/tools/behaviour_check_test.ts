import assert from "node:assert/strict";
import { differences } from "../../tools/behaviour_check.ts";
import { deno } from "../_deno.ts";

Deno.test("differences() lists runs that changed, appeared or disappeared, and nothing else", () => {
  assert.deepEqual(
    differences(
      { "a (seed 7)": "sha256:1", "b (seed 7)": "sha256:2", "gone (seed 7)": "sha256:3" },
      { "a (seed 7)": "sha256:1", "b (seed 7)": "sha256:9", "new (seed 7)": "sha256:4" },
    ),
    [
      "b (seed 7): was sha256:2, now sha256:9",
      "gone (seed 7): was sha256:3, now (no run)",
      "new (seed 7): was (no run), now sha256:4",
    ],
  );
  assert.deepEqual(differences({ a: "x" }, { a: "x" }), []);
});

Deno.test("tools/behaviour_check.ts exits 2 with the usage on bad arguments or a missing baseline", async () => {
  for (
    const [args, expected] of [
      [["verify", "x.json"], /Bad arguments \["verify","x.json"\]: expected save or check/],
      [["check"], /Bad arguments \["check"\]/],
      [["check", "no-such-baseline.json"], /Cannot read the baseline no-such-baseline.json/],
    ] as const
  ) {
    const output = await deno([
      "run",
      "--allow-read",
      "--allow-write",
      "tools/behaviour_check.ts",
      ...args,
    ]);
    const stderr = output.stderr;
    assert.equal(output.code, 2, stderr);
    assert.match(stderr, expected);
    assert.match(stderr, /Usage: deno run --allow-read --allow-write tools\/behaviour_check.ts/);
  }
});
