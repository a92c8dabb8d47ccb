import assert from "node:assert/strict";
import { boards, type Guest, ms, native, scenario, sleep, write } from "../../mod.ts";

/** A cell that holds the secret in its RAM for `holdMs`, then zeroes it. */
function leaky(holdMs: number) {
  return function* (): Guest {
    yield* sleep(ms(20));
    yield* write(0x200, new TextEncoder().encode("4711"));
    yield* sleep(ms(holdMs));
    yield* write(0x200, new Uint8Array(4));
    for (;;) yield* sleep(ms(100));
  };
}

function run(holdMs: number) {
  return scenario("transient secret")
    .board(boards.handset())
    .cell("leaky", native({ priority: 55, program: leaky(holdMs) }))
    .cell("other", native({ priority: 50, program: leaky(0) }))
    .expect((r) => [r.secret("4711").readableBy("leaky"), r.secret("4711").notReadableBy("other")])
    .execute({ for: "300ms" });
}

Deno.test("secret() catches a copy held only between scripted events (scans every 1 ms)", () => {
  const result = run(3);
  assert.equal(result.passed, true, JSON.stringify(result.assertions));
  const [readable] = result.assertions;
  // Seen while it was there: after the write at 20 ms and before it was zeroed 3 ms later
  // (scans run at the first trace record at least 1 ms after the previous scan).
  assert.equal(readable.at > 20_000_000 && readable.at < 24_000_000, true, String(readable.at));
});

Deno.test("secret() does not see a copy held for less than one scan interval", () => {
  // Zeroed at once (no sleep between the writes): the scans at 1 ms steps cannot see it; the
  // assertion that it was readable fails, which is what a scan-based check can and cannot do.
  const result = run(0);
  assert.equal(result.assertions[0].passed, false);
});
