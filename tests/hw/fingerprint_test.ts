import assert from "node:assert/strict";
import { Fingerprint, mixString, recordLayout } from "../../hw/fingerprint.ts";
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

Deno.test("mixNumber() mixes a whole number's 64-bit halves as one word, any other number's double bits", async () => {
  const { mixNumber } = await import("../../hw/fingerprint.ts");
  // The definition mixNumber keeps, written with BigInt and a DataView.
  const word = (hash: number, w: number) => {
    const mixed = Math.imul(hash ^ w, 0x9e3779b1);
    return (mixed << 13) | (mixed >>> 19);
  };
  const whole = (hash: number, v: number) => {
    const bits = BigInt.asIntN(64, BigInt(v));
    const low = Number(BigInt.asIntN(32, bits));
    const high = Number(BigInt.asIntN(32, bits >> 32n));
    return word(hash, low ^ Math.imul(high, 0x85ebca6b));
  };
  const view = new DataView(new ArrayBuffer(8));
  const double = (hash: number, v: number) => {
    view.setFloat64(0, v, true);
    return word(word(hash, view.getInt32(0, true)), view.getInt32(4, true));
  };
  const wholes = [
    0,
    1,
    -1,
    3,
    2 ** 31,
    -(2 ** 31),
    2 ** 32 - 1,
    2 ** 32,
    4_615_000 + 2 ** 32,
    60_000_000_123,
    2 ** 53 - 1,
    -(2 ** 53) + 1,
    2 ** 60,
  ];
  const others = [2 ** 32 + 0.5, 1.5, -1.5, 0.25, 2 ** 63, 2 ** 70, Infinity, -Infinity];
  const seen = new Set<number>();
  for (const v of [...wholes, ...others]) {
    const hash = mixNumber(7, v);
    assert.equal(hash, wholes.includes(v) ? whole(7, v) : double(7, v), String(v));
    assert.ok(!seen.has(hash), `${v} collided`);
    seen.add(hash);
  }
  // Equal values mix alike: 0 and -0 are equal.
  assert.equal(mixNumber(7, -0), mixNumber(7, 0));
  // Every NaN mixes as the one quiet NaN, whatever payload it carries.
  const payload = new Float64Array(new Uint32Array([1, 0x7ff0_0000]).buffer)[0];
  assert.ok(Number.isNaN(payload));
  assert.equal(mixNumber(7, payload), mixNumber(7, NaN));
  assert.equal(mixNumber(7, NaN), double(7, NaN));
});

Deno.test("recordLayout() names the layout's kind and hashes as the layout it wraps", () => {
  const record = { time: 5, kind: "radio.frame", source: "radio" };
  const layout = recordLayout<typeof record>(
    "radio.frame",
    (r, seed) => mixString(mixString(mixString(seed, String(r.time)), r.kind), r.source),
  );
  assert.equal(layout.kind, "radio.frame");
  assert.equal(layout(record, 3), mixString(mixString(mixString(3, "5"), "radio.frame"), "radio"));
});
