import assert from "node:assert/strict";
import { PIN_DIGITS_ADDRESS, pinEntry } from "../../guests/pin_entry.ts";
import {
  framesContain,
  framesOf,
  makeWorld,
  periodicCell,
  pinClient,
  typeKeys,
  type World,
} from "./_world.ts";

const PIN = new TextEncoder().encode("4711");

function pinWorld(requestsAtNs: number[], maxFailures = 3): World {
  const world = makeWorld();
  world.load("pin", pinEntry({ priority: 220, pin: "4711", maxFailures }));
  world.load("android", pinClient({ priority: 50, requestsAtNs }));
  world.load("baseband", periodicCell({ priority: 200, periodNs: 4_615_000, wcetNs: 900_000 }));
  world.endpoint("pin", ["android"]);
  for (const name of ["pin", "android", "baseband"]) world.kernel.start(world.kernel.cell(name));
  return world;
}

function replies(world: World): string[] {
  return world.of("client.reply").map((r) => r.bytes as string);
}

Deno.test("pinEntry() answers ok with exactly one byte and the PIN is in no other cell's frames", () => {
  const world = pinWorld([1_000_000]);
  typeKeys(world, "4711#", 2_000_000);
  // Mid-entry (after "4711", before "#"): the digits sit in the PIN cell's RAM, nowhere else.
  world.run(2_700_000);
  const pin = world.kernel.cell("pin");
  assert.equal(framesContain(world, framesOf(pin), PIN), true);
  world.run(20_000_000);
  assert.deepEqual(replies(world), ["01"]);
  for (const reply of world.of("ipc.reply", "pin")) assert.equal(reply.bytes, 1);
  for (const [name, cell] of world.kernel.cells) {
    if (name === "pin") continue;
    assert.equal(framesContain(world, framesOf(cell), PIN), false, `PIN found in ${name}`);
  }
  // After the verification the digit buffer is zero: the PIN is gone from the PIN cell too.
  assert.equal(framesContain(world, framesOf(pin), PIN), false);
  const digits = world.kernel.guestRead(pin, PIN_DIGITS_ADDRESS, 16);
  assert.ok(digits.ok && digits.value.every((b) => b === 0));
});

Deno.test("pinEntry() lights the secure indicator only while it owns input", () => {
  const world = pinWorld([1_000_000]);
  typeKeys(world, "4711#", 2_000_000);
  world.run(20_000_000);
  const changes = world.of("display.secure").map((r) => [r.on, r.initiator]);
  assert.deepEqual(changes, [[true, "pin"], [false, "pin"]]);
  const [on, off] = world.of("display.secure").map((r) => r.time);
  const [key] = world.of("keypad.key");
  const [result] = world.of("pin.result");
  assert.ok(on <= key.time && off >= result.time);
});

Deno.test("pinEntry() answers fail for a wrong PIN and locks out after maxFailures", () => {
  const at = [1_000_000, 11_000_000, 21_000_000, 31_000_000];
  const world = pinWorld(at);
  typeKeys(world, "1234#", 2_000_000);
  typeKeys(world, "4712#", 12_000_000);
  typeKeys(world, "0000#", 22_000_000);
  typeKeys(world, "4711#", 32_000_000); // the right PIN, too late
  world.run(45_000_000);
  assert.deepEqual(replies(world), ["00", "00", "02", "02"]);
  assert.deepEqual(world.of("pin.result").map((r) => r.result), [
    "fail",
    "fail",
    "locked",
    "locked",
  ]);
});

Deno.test("pinEntry() resets the failure count on success and honours * as clear", () => {
  const world = pinWorld([1_000_000, 11_000_000, 21_000_000, 31_000_000], 2);
  typeKeys(world, "9#", 2_000_000);
  typeKeys(world, "4711#", 12_000_000);
  typeKeys(world, "99*4711#", 22_000_000);
  typeKeys(world, "12#", 32_000_000);
  world.run(45_000_000);
  assert.deepEqual(replies(world), ["00", "01", "01", "00"]);
});

Deno.test("pinEntry() keeps the periodic cell's deadlines while handling keys", () => {
  const world = pinWorld([1_000_000]);
  typeKeys(world, "4711#", 2_000_000, 50_000);
  world.run(30_000_000);
  const tasks = world.of("task.finish");
  assert.ok(tasks.length >= 6);
  assert.equal(tasks.filter((t) => t.missed).length, 0);
});

Deno.test("pinEntry() rejects a malformed PIN at build time", () => {
  assert.throws(() => pinEntry({ priority: 1, pin: "47a1" }), /4..16 digits/);
  assert.throws(() => pinEntry({ priority: 1, maxFailures: 0 }), /maxFailures 0/);
});
