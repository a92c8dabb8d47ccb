import assert from "node:assert/strict";
import { attacker, attackNames, attackRunner, attacks } from "../../guests/attacks.ts";
import { richOsControl } from "../../guests/rich_os.ts";
import { backendKeys, signCommand } from "../../guests/fota_image.ts";
import { manager } from "../../guests/manager.ts";
import { pinEntry } from "../../guests/pin_entry.ts";
import {
  CONTROL_RIGHTS,
  framesContain,
  framesOf,
  makeWorld,
  periodicCell,
  pinClient,
  storeCell,
  typeKeys,
  type World,
} from "./_world.ts";

const KEYS = backendKeys("backend");
const SECRET = new TextEncoder().encode("victim-secret-77");

function attackWorld(names = attackNames): World {
  const world = makeWorld();
  const k = world.kernel;
  world.load("baseband", periodicCell({ priority: 200, periodNs: 4_615_000, wcetNs: 900_000 }));
  world.load("pin", pinEntry({ priority: 220, pin: "4711" }));
  world.load("ui", pinClient({ priority: 60, requestsAtNs: [30_000_000] }));
  world.load("mgr", manager({ priority: 150, publicKey: KEYS.publicKey }));
  world.load("victim", storeCell({ priority: 70, pattern: "victim-secret-77" }));
  world.load("android", attacker({ priority: 50, attacks: names, startNs: 1_000_000 }));
  world.endpoint("pin", ["ui", "android"]);
  world.load("sink", storeCell({ priority: 30 }));
  world.channel("android", "baseband", { slots: 32, maxBytes: 256 });
  world.channel("android", "sink", { slots: 8, maxBytes: 256 });
  k.grantIrq(k.cell("android"), "uart");
  k.grantCellControl(k.cell("mgr"), k.cell("victim"), CONTROL_RIGHTS);
  for (const name of k.cells.keys()) k.start(k.cell(name));
  return world;
}

Deno.test("attacks: every attack of a compromised rich OS is blocked with zero leaked bytes", () => {
  const world = attackWorld();
  world.run(200_000_000);
  const outcomes = world.of("attack", "android");
  assert.deepEqual(outcomes.map((r) => r.name), [...attackNames]);
  for (const record of outcomes) {
    assert.equal(record.blocked, true, `${record.name}: ${record.detail}`);
    assert.equal(record.leakedBytes, 0, `${record.name}: ${record.detail}`);
  }
  // Faults reached the attacker only; nobody else was stopped or faulted.
  assert.ok(world.kernel.cell("android").faults > 0);
  for (const [name, cell] of world.kernel.cells) {
    if (name !== "android") assert.equal(cell.faults, 0, name);
    assert.equal(cell.state, "running", name);
  }
  // The victim's secret is only in the victim's frames.
  assert.equal(framesContain(world, framesOf(world.kernel.cell("android")), SECRET), false);
  assert.equal(framesContain(world, framesOf(world.kernel.cell("victim")), SECRET), true);
});

Deno.test("attacks: flood, IRQ storm and CPU hog are contained: the baseband keeps every deadline", () => {
  const world = attackWorld(["floodIpc", "irqStorm", "hogCpu"]);
  typeKeys(world, "4711#", 31_000_000);
  world.run(200_000_000);
  const [flood] = world.of("attack").filter((r) => r.name === "floodIpc");
  // The baseband drains its queue at once (it outranks the sender); the sink never runs while
  // the flood lasts, so its 8 slots fill and every further send is refused, never dropped.
  assert.equal(flood.detail, "2 channels: 2008 queued, 1992 QueueFull, 0 other errors");
  const tasks = world.of("task.finish");
  assert.ok(tasks.length >= 40);
  assert.equal(tasks.filter((t) => t.missed).length, 0);
  // The PIN still works while the rich OS hogs the CPU below it.
  assert.deepEqual(world.of("client.reply").map((r) => r.bytes), ["01"]);
});

Deno.test("attacks: the network side of a replayed or forged wipe is rejected by the manager", () => {
  const world = attackWorld(["replayCommand", "forgedCommand"]);
  const net = world.board.device<{ deliver(bytes: Uint8Array): number }>("net");
  const wipe = signCommand({ kind: "wipe", target: "victim", counter: 1 }, KEYS.secretKey);
  const forged = signCommand(
    { kind: "wipe", target: "victim", counter: 99 },
    backendKeys("attacker").secretKey,
  );
  world.engine.schedule(10_000_000, () => net.deliver(wipe));
  world.engine.schedule(40_000_000, () => net.deliver(wipe)); // captured, replayed
  world.engine.schedule(41_000_000, () => net.deliver(forged));
  world.run(80_000_000);
  assert.deepEqual(
    world.of("manager.command").map((r) => [r.accepted, r.reason]),
    [[true, "ok"], [false, "replay"], [false, "bad-signature"]],
  );
  assert.deepEqual(
    world.of("attack").map((r) => [r.name, r.blocked]),
    [["replayCommand", true], ["forgedCommand", true]],
  );
});

Deno.test("attacks: the library names each attack once", () => {
  assert.deepEqual([...attackNames].sort(), Object.keys(attacks).sort());
});

Deno.test("attackRunner() fits a rich OS's compromise hook", () => {
  const control = richOsControl();
  control.compromise(attackRunner(["readKeypad"]));
  assert.notEqual(control.compromised, undefined);
});

Deno.test("attacker() rejects an unknown option with a suggestion and the valid ones", () => {
  assert.throws(
    () => attacker({ priority: 40, attacks: ["readKeypad"], start: 1 } as never),
    new TypeError(
      'Cannot create attacker: unknown option "start" (did you mean "startNs"?); valid options are "priority", "attacks", "ramBytes", "startNs"',
    ),
  );
});
