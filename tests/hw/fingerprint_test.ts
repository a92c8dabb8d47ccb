import assert from "node:assert/strict";
import { Fingerprint } from "../../hw/fingerprint.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";

function hexOf(...records: TraceRecord[]): string {
  const fingerprint = new Fingerprint();
  for (const record of records) fingerprint.add(record);
  return fingerprint.hex();
}

const BASE: TraceRecord = {
  time: 4_615_000,
  kind: "radio.frame",
  source: "radio",
  slot: 3,
  ok: true,
  note: "x",
};

Deno.test("Fingerprint.hex() is pinned so a change to the hash cannot go unnoticed", () => {
  assert.equal(new Fingerprint().hex(), "7dbf3b17c293a3c5");
  assert.equal(hexOf(BASE), "9200bf108e9c90ea");
});

Deno.test("Fingerprint.hex() is the same for the same records", () => {
  assert.equal(hexOf(BASE, { ...BASE, time: 5 }), hexOf({ ...BASE }, { ...BASE, time: 5 }));
});

Deno.test("Fingerprint.hex() changes with each field of a record", () => {
  const base = hexOf(BASE);
  const variants: TraceRecord[] = [
    { ...BASE, time: 4_615_001 },
    { ...BASE, time: 4_615_000 + 2 ** 32 },
    { ...BASE, kind: "radio.frames" },
    { ...BASE, source: "radio2" },
    { ...BASE, slot: 4 },
    { ...BASE, slot: "3" },
    { ...BASE, slot: 3.5 },
    { ...BASE, ok: false },
    { ...BASE, ok: 1 },
    { ...BASE, note: "" },
    { time: 4_615_000, kind: "radio.frame", source: "radio", slot: 3, ok: true },
  ];
  const seen = new Set([base]);
  for (const variant of variants) {
    const hex = hexOf(variant);
    assert.ok(!seen.has(hex), `${JSON.stringify(variant)} collided: ${hex}`);
    seen.add(hex);
  }
});

Deno.test("Fingerprint.hex() hashes values, not field names (a kind fixes its fields)", () => {
  const renamed = {
    time: 4_615_000,
    kind: "radio.frame",
    source: "radio",
    slot: 3,
    ok: true,
    nota: "x",
  };
  assert.equal(hexOf(renamed), hexOf(BASE));
});

Deno.test("Fingerprint.hex() depends on record order and field order", () => {
  const a: TraceRecord = { time: 1, kind: "a", source: "s" };
  const b: TraceRecord = { time: 2, kind: "b", source: "s" };
  assert.notEqual(hexOf(a, b), hexOf(b, a));
  assert.notEqual(
    hexOf({ time: 1, kind: "k", source: "s", x: 1, y: 2 }),
    hexOf({ time: 1, kind: "k", source: "s", y: 2, x: 1 }),
  );
});

Deno.test("Fingerprint.hex() depends on where records begin and end", () => {
  assert.notEqual(hexOf(BASE), hexOf(BASE, BASE));
  assert.notEqual(hexOf(), hexOf(BASE));
  assert.notEqual(
    hexOf({ time: 1, kind: "ab", source: "c" }),
    hexOf({ time: 1, kind: "a", source: "bc" }),
  );
});

Deno.test("Fingerprint.records counts the records added", () => {
  const fingerprint = new Fingerprint();
  assert.equal(fingerprint.records, 0);
  fingerprint.add(BASE);
  fingerprint.add(BASE);
  assert.equal(fingerprint.records, 2);
  assert.match(fingerprint.hex(), /^[0-9a-f]{16}$/);
});
