import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join, resolve } from "node:path";
import { compareHandset, parseAbArguments, quantile } from "../../tools/ab_handset.ts";

Deno.test("ab_handset: arguments and their defaults", () => {
  assert.deepEqual(parseAbArguments(["../before"]), {
    other: "../before",
    rounds: 40,
    duration: "20s",
    swap: false,
  });
  assert.deepEqual(parseAbArguments(["--rounds", "3", "x", "--for", "1.5min", "--swap"]), {
    other: "x",
    rounds: 3,
    duration: "1.5min",
    swap: true,
  });
});

Deno.test("ab_handset: each bad argument says what was wrong and what is valid", () => {
  const cases: [string[], RegExp][] = [
    [[], /Name the other checkout/],
    [["a", "b"], /One other checkout only, got "a" and "b"/],
    [["a", "--rounds", "0"], /--rounds must be a whole number from 1 to 1000, got "0"/],
    [["a", "--rounds"], /--rounds must be a whole number from 1 to 1000, got nothing/],
    [["a", "--for", "soon"], /--for needs a duration above 0 such as 60s or 500ms, got "soon"/],
    [["a", "--for", "0s"], /--for needs a duration above 0 .*, got "0s"/],
    [["a", "--for"], /--for needs a duration above 0 .*, got nothing/],
    [["a", "--fast"], /Unknown option "--fast": valid options are --rounds, --for, --swap/],
  ];
  for (const [args, message] of cases) assert.throws(() => parseAbArguments(args), message);
});

Deno.test("ab_handset: a checkout that is not one is refused", async () => {
  const empty = await Deno.makeTempDir();
  try {
    await assert.rejects(
      compareHandset({ other: empty, rounds: 1, duration: "1s", swap: false }),
      /is not a microvisor-rig checkout: no scenarios\/coexistence\.ts/,
    );
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("ab_handset: quantiles interpolate between ranks and leave the input alone", () => {
  const values = [4, 1, 3, 2];
  assert.equal(quantile(values, 0.5), 2.5);
  assert.equal(quantile(values, 0.25), 1.75);
  assert.equal(quantile(values, 0.75), 3.25);
  assert.equal(quantile(values, 0), 1);
  assert.equal(quantile(values, 1), 4);
  assert.equal(quantile([7], 0.5), 7);
  assert.deepEqual(values, [4, 1, 3, 2]);
});

Deno.test("ab_handset: a checkout against a copy of itself runs both sides and agrees", async () => {
  const root = resolve(new URL("../..", import.meta.url).pathname);
  // A copy in another folder is another module graph: comparing the checkout with itself would
  // load one scenario twice and compare its result with itself.
  const copy = await Deno.makeTempDir({ prefix: "ab_handset_copy_" });
  try {
    for (const entry of ["deno.json", "mod.ts", "hw", "kernel", "guests", "rigs", "scenarios"]) {
      cpSync(join(root, entry), join(copy, entry), { recursive: true });
    }
    const rounds: number[] = [];
    const { here, there, ratio, ratioQuartiles, realtimeRatio } = await compareHandset(
      { other: copy, rounds: 3, duration: "1s", swap: true },
      (round) => rounds.push(round),
    );
    assert.deepEqual(rounds, [1, 2, 3]);
    assert.equal(here.root, root);
    assert.equal(there.root, copy);
    assert.ok(here.eventsPerS > 0 && there.eventsPerS > 0);
    assert.ok(here.medianEventsPerS > 0 && here.medianEventsPerS <= here.eventsPerS);
    assert.ok(ratio > 0 && ratioQuartiles[0] <= ratio && ratio <= ratioQuartiles[1]);
    assert.match(here.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(here.fingerprint, there.fingerprint);
    assert.ok(here.events > 0);
    assert.equal(here.events, there.events);
    assert.ok(realtimeRatio > 0);
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});
