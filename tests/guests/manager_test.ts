import assert from "node:assert/strict";
import { backendKeys, signCommand } from "../../guests/fota_image.ts";
import { manager } from "../../guests/manager.ts";
import { PAGE_SIZE } from "../../hw/physical_memory.ts";
import {
  CONTROL_RIGHTS,
  type FlashDevice,
  makeWorld,
  memoryFingerprint,
  periodicCell,
  provisionFlash,
  senderCell,
  storeCell,
  type World,
} from "./_world.ts";

const KEYS = backendKeys("backend");
const BLOCK = 131_072;
const VICTIM = { offset: 8 * BLOCK, bytes: 2 * BLOCK };
const OTHER = { offset: 10 * BLOCK, bytes: BLOCK };
const USER_SECRET = new TextEncoder().encode("user-secret-0042");
const WIPE_AT = 20_000_000;

interface WipeWorld extends World {
  flash: FlashDevice;
  net: { deliver(bytes: Uint8Array): number };
}

function wipeWorld(): WipeWorld {
  const world = makeWorld();
  world.load(
    "mgr",
    manager({
      priority: 150,
      publicKey: KEYS.publicKey,
      partitions: { victim: VICTIM, other: OTHER },
    }),
  );
  world.load("victim", storeCell({ priority: 60 }));
  world.load("other", storeCell({ priority: 70, pattern: "other-cell-state" }));
  world.load(
    "user",
    senderCell({
      priority: 40,
      to: "victim",
      messages: [{ atNs: 5_000_000, bytes: USER_SECRET }],
    }),
  );
  world.load("baseband", periodicCell({ priority: 200, periodNs: 4_615_000, wcetNs: 900_000 }));
  world.channel("user", "victim");
  for (const target of ["victim", "other"]) {
    world.kernel.grantCellControl(
      world.kernel.cell("mgr"),
      world.kernel.cell(target),
      CONTROL_RIGHTS,
    );
  }
  const flash = world.board.device<FlashDevice>("flash");
  provisionFlash(world, [
    { offset: VICTIM.offset, bytes: new Uint8Array(4096).fill(0x5a) },
    { offset: VICTIM.offset + BLOCK, bytes: USER_SECRET },
    { offset: OTHER.offset, bytes: new TextEncoder().encode("other-flash-data") },
  ]);
  for (const name of ["mgr", "victim", "other", "user", "baseband"]) {
    world.kernel.start(world.kernel.cell(name));
  }
  return { ...world, flash, net: world.board.device("net") };
}

function wipe(counter: number, target = "victim", secretKey = KEYS.secretKey): Uint8Array {
  return signCommand({ kind: "wipe", target, counter }, secretKey);
}

function commands(world: World) {
  return world.of("manager.command").map((r) => [r.command, r.target, r.accepted, r.reason]);
}

Deno.test("manager() wipe zeroes every frame and erases the partition of the target only", () => {
  const world = wipeWorld();
  world.engine.schedule(WIPE_AT, () => world.net.deliver(wipe(1)));
  world.run(WIPE_AT);
  const victim = world.kernel.cell("victim");
  const oldFrames = [...victim.frames];
  assert.ok(oldFrames.length > 0);
  let checkedAtZeroize = false;
  world.engine.trace.subscribe((record) => {
    if (record.kind === "memory.zeroize" && record.source === "victim") {
      for (const frame of oldFrames) {
        assert.ok(world.board.memory.read(frame, PAGE_SIZE).every((b) => b === 0));
      }
      checkedAtZeroize = true;
    }
  });
  world.run(60_000_000);
  assert.equal(checkedAtZeroize, true);
  assert.deepEqual(commands(world), [["wipe", "victim", true, "ok"]]);
  const [done] = world.of("wipe.done");
  assert.equal(done.target, "victim");
  assert.equal(done.blocks, 2);
  assert.equal(done.frames, 4);
  // Two block erases at 2 ms each bound the wipe from below.
  assert.ok((done.durationNs as number) >= 2 * 2_000_000);
  assert.ok(world.flash.readFlash(VICTIM.offset, VICTIM.bytes).every((b) => b === 0xff));
  assert.equal(
    new TextDecoder().decode(world.flash.readFlash(OTHER.offset, 16)),
    "other-flash-data",
  );
  // Restarted from its pristine image: running, and the user's data is gone.
  assert.equal(victim.state, "running");
  for (const frame of victim.frames) {
    const bytes = world.board.memory.read(frame, PAGE_SIZE);
    assert.ok(!new TextDecoder().decode(bytes).includes("user-secret"));
  }
});

Deno.test("manager() wipe leaves other cells' memory and the periodic cell's deadlines intact", () => {
  const wiped = wipeWorld();
  wiped.engine.schedule(WIPE_AT, () => wiped.net.deliver(wipe(1)));
  const control = wipeWorld();
  wiped.run(60_000_000);
  control.run(60_000_000);
  // The wipe happened (else the comparison below is of two identical runs).
  assert.deepEqual(wiped.of("wipe.done").map((r) => r.target), ["victim"]);
  assert.equal(control.of("wipe.done").length, 0);
  for (const name of ["other", "user", "baseband"]) {
    assert.equal(
      memoryFingerprint(wiped, wiped.kernel.cell(name)),
      memoryFingerprint(control, control.kernel.cell(name)),
      name,
    );
  }
  const tasks = wiped.of("task.finish");
  const controlTasks = control.of("task.finish");
  assert.ok(tasks.length > 0, "the periodic cell finished jobs");
  assert.equal(tasks.length, controlTasks.length);
  assert.equal(tasks.filter((t) => t.missed).length, 0);
  // The periodic cell outranks the manager: only kernel IRQ entries for the net and flash
  // lines can land inside its jobs, so each response moves by at most a few microseconds.
  tasks.forEach((task, i) => {
    const delta = (task.responseNs as number) - (controlTasks[i].responseNs as number);
    assert.ok(delta >= 0 && delta <= 5_000, `job ${i} moved by ${delta} ns`);
  });
});

Deno.test("manager() rejects forged, tampered, replayed and malformed wipes", () => {
  const world = wipeWorld();
  const good = wipe(5);
  const tampered = good.slice();
  tampered[16] ^= 0x01; // "victim" -> "wictim" under the same signature
  world.engine.schedule(
    10_000_000,
    () => world.net.deliver(wipe(1, "victim", backendKeys("attacker").secretKey)),
  );
  world.engine.schedule(11_000_000, () => world.net.deliver(tampered));
  world.engine.schedule(12_000_000, () => world.net.deliver(new Uint8Array([1, 2, 3])));
  world.engine.schedule(20_000_000, () => world.net.deliver(good));
  world.engine.schedule(40_000_000, () => world.net.deliver(good)); // captured and replayed
  world.engine.schedule(41_000_000, () => world.net.deliver(wipe(4))); // older counter
  world.engine.schedule(42_000_000, () => world.net.deliver(wipe(6, "nobody")));
  world.run(60_000_000);
  assert.deepEqual(commands(world), [
    ["wipe", "victim", false, "bad-signature"],
    ["wipe", "wictim", false, "bad-signature"],
    ["wipe", "", false, "malformed"],
    ["wipe", "victim", true, "ok"],
    ["wipe", "victim", false, "replay"],
    ["wipe", "victim", false, "replay"],
    ["wipe", "nobody", false, "unknown-target"],
  ]);
  assert.equal(world.of("wipe.done").length, 1);
});
