import assert from "node:assert/strict";
import { encodeBootRecord } from "../../guests/_manager_boot_record.ts";
import {
  backendKeys,
  buildImage,
  chunkImage,
  fotaCommands,
  readImageHeader,
  signImage,
  verifyImage,
} from "../../guests/fota_image.ts";
import { fotaService, manager } from "../../guests/manager.ts";
import type { Channel } from "../../kernel/objects/channel.ts";
import {
  CONTROL_RIGHTS,
  type FlashDevice,
  makeWorld,
  mapFlashWindow,
  periodicCell,
  provisionFlash,
  senderCell,
  type World,
} from "./_world.ts";

const KEYS = backendKeys("backend");
const BLOCK = 131_072;
const SLOTS: [number, number] = [16 * BLOCK, 17 * BLOCK];
const BOOT_RECORD = 20 * BLOCK;
const FOTA_AT = 20_000_000;
const CLIENT_MESSAGES = 80;
const V1 = signImage(buildImage({ name: "svc", version: "1.0", variant: "good" }), KEYS.secretKey);

interface FotaWorld extends World {
  flash: FlashDevice;
  deliver(bytes: Uint8Array[]): void;
}

function fotaWorld(): FotaWorld {
  const world = makeWorld();
  const k = world.kernel;
  world.load(
    "mgr",
    manager({
      priority: 150,
      publicKey: KEYS.publicKey,
      fota: {
        svc: {
          standby: "svc.b",
          slotOffsets: SLOTS,
          slotBytes: BLOCK,
          bootRecordOffset: BOOT_RECORD,
          healthTimeoutNs: 20_000_000,
        },
      },
    }),
  );
  world.load("svc", fotaService({ priority: 120 }));
  world.load("svc.b", fotaService({ priority: 120 }));
  world.load(
    "client",
    senderCell({
      priority: 100,
      to: "svc",
      messages: Array.from({ length: CLIENT_MESSAGES }, (_, i) => ({
        atNs: 1_000_000 * (i + 1),
        bytes: new Uint8Array([i]),
      })),
    }),
  );
  world.load("baseband", periodicCell({ priority: 200, periodNs: 4_615_000, wcetNs: 900_000 }));
  world.channel("client", "svc", { slots: 64 });
  world.channel("svc", "svc.b", { slots: 4, maxBytes: 64 });
  const [mgr, svc, standby] = ["mgr", "svc", "svc.b"].map((n) => k.cell(n));
  k.grantCellControl(mgr, svc, CONTROL_RIGHTS);
  k.grantCellControl(mgr, standby, CONTROL_RIGHTS);
  k.grantSignal(mgr, svc, "handover");
  k.grantSignal(mgr, standby, "golive");
  k.grantSignal(standby, mgr, "health");
  const clientChannel = k.channel("client->svc") as Channel;
  k.grant(standby, "channel", clientChannel, { rights: ["receive"], name: "receive:client->svc" });
  mapFlashWindow(world, "svc", "image", { offset: SLOTS[0], bytes: BLOCK });
  mapFlashWindow(world, "svc.b", "image", { offset: SLOTS[1], bytes: BLOCK });
  provisionFlash(world, [
    { offset: SLOTS[0], bytes: V1 },
    { offset: BOOT_RECORD, bytes: encodeBootRecord(1, 0) },
  ]);
  for (const name of ["mgr", "svc", "client", "baseband"]) k.start(k.cell(name));
  const net = world.board.device<{ deliver(bytes: Uint8Array): number }>("net");
  return {
    ...world,
    flash: world.board.device<FlashDevice>("flash"),
    deliver: (commands) => commands.forEach((c) => net.deliver(c)),
  };
}

function update(
  world: FotaWorld,
  options: { variant?: string; secretKey?: Uint8Array; atNs?: number; counter?: number } = {},
): Uint8Array {
  const image = signImage(
    buildImage({ name: "svc", version: "2.0", variant: options.variant ?? "good" }),
    options.secretKey ?? KEYS.secretKey,
  );
  const commands = fotaCommands(image, {
    target: "svc",
    counter: options.counter ?? 1,
    secretKey: KEYS.secretKey,
  });
  world.engine.schedule(options.atNs ?? FOTA_AT, () => world.deliver(commands));
  return image;
}

/** The instance running, the slot the boot record names, and whether that slot verifies. */
function running(world: FotaWorld): string[] {
  return ["svc", "svc.b"].filter((n) => world.kernel.cell(n).state === "running");
}

function servedEvents(world: FotaWorld): number[] {
  return world.of("service.event").map((r) => r.events as number);
}

Deno.test("manager() FOTA good path switches with an exact service gap and loses no message", () => {
  const world = fotaWorld();
  update(world);
  world.run(100_000_000);
  const [done] = world.of("fota.done");
  assert.deepEqual(
    world.of("fota.phase").map((r) => r.phase),
    ["erase", "receive", "verify", "boot", "switch", "commit", "cleanup"],
  );
  assert.equal(done.outcome, "switched");
  // From the manager issuing the switch to it seeing the new instance's go-live
  // acknowledgement: kernel paths only (switch, stop, timer, signal, two cross-cell switches
  // with vIRQ injection, the acknowledgement's signal, the manager's clock read).
  assert.equal(done.downtimeNs, 8_629);
  const switchRecord = world.of("fota.phase").find((r) => r.phase === "switch")!;
  const live = world.of("service.live")[0];
  assert.ok(live.time > switchRecord.time && live.time < switchRecord.time + 8_629);
  assert.deepEqual(running(world), ["svc.b"]);
  assert.equal(world.kernel.cell("svc").state, "destroyed");
  assert.deepEqual(
    world.of("service.boot").map((r) => [r.source, r.version]),
    [["svc", "1.0"], ["svc.b", "2.0"]],
  );
  // Every client message served exactly once, in order, across the two instances.
  assert.deepEqual(servedEvents(world), Array.from({ length: CLIENT_MESSAGES }, (_, i) => i + 1));
  const switchAt = world.of("fota.phase").find((r) => r.phase === "switch")!.time;
  for (const event of world.of("service.event")) {
    assert.equal(event.source, event.time < switchAt ? "svc" : "svc.b");
  }
  assert.equal(world.of("task.finish").filter((t) => t.missed).length, 0);
  assert.equal(world.of("service.boot_refused").length, 0);
});

Deno.test("manager() FOTA rejects a badly signed image and the old instance keeps serving", () => {
  const world = fotaWorld();
  update(world, { secretKey: backendKeys("attacker").secretKey });
  world.run(100_000_000);
  assert.deepEqual(
    world.of("fota.done").map((r) => [r.outcome, r.reason]),
    [["rejected", "bad-signature"]],
  );
  assert.deepEqual(running(world), ["svc"]);
  assert.deepEqual(world.of("service.boot").map((r) => r.source), ["svc"]);
  assert.deepEqual(servedEvents(world), Array.from({ length: CLIENT_MESSAGES }, (_, i) => i + 1));
});

for (const variant of ["crash-on-boot", "no-health"]) {
  Deno.test(`manager() FOTA rolls back a new instance that is ${variant}`, () => {
    const world = fotaWorld();
    update(world, { variant });
    world.run(100_000_000);
    assert.deepEqual(
      world.of("fota.done").map((r) => [r.outcome, r.reason]),
      [["rolled-back", "health-timeout"]],
    );
    assert.deepEqual(running(world), ["svc"]);
    assert.equal(world.kernel.cell("svc.b").state, "destroyed");
    assert.deepEqual(servedEvents(world), Array.from({ length: CLIENT_MESSAGES }, (_, i) => i + 1));
    assert.ok(world.of("service.event").every((r) => r.source === "svc"));
  });
}

Deno.test("manager() FOTA power loss at 60 + every flash operation's midpoint leaves exactly one valid image running", () => {
  const reference = fotaWorld();
  update(reference);
  reference.run(100_000_000);
  const first = reference.of("fota.phase")[0].time;
  const last = reference.of("fota.done")[0].time;
  const outcomes = { old: 0, new: 0, torn: 0 };
  const even = Array.from({ length: 60 }, (_, i) => first + Math.floor(((last - first) * i) / 59));
  const flashDone = reference.of("flash.done").filter((r) => r.time >= first && r.time <= last);
  const midpoints = reference.of("flash.start")
    .filter((r) => r.time >= first && r.time <= last)
    .map((r, i) => r.time + Math.floor((flashDone[i].time - r.time) / 2));
  const cutPoints = [...even, ...midpoints];
  assert.ok(midpoints.length >= 10);
  for (const [i, cutAt] of cutPoints.entries()) {
    const world = fotaWorld();
    update(world);
    world.engine.schedule(cutAt, () => {
      world.flash.powerLoss();
      const mgr = world.kernel.cell("mgr");
      world.kernel.stop(mgr);
      world.kernel.start(mgr);
    });
    world.run(100_000_000);
    const label = `cut ${i} at ${cutAt} ns`;
    const [loss] = world.of("flash.power_loss");
    if (loss.operation !== "idle") outcomes.torn++;
    const live = running(world);
    assert.equal(live.length, 1, `${label}: running ${live.join(",")}`);
    const slot = live[0] === "svc" ? 0 : 1;
    const image = world.flash.readFlash(SLOTS[slot], V1.length);
    assert.equal(verifyImage(image, KEYS.publicKey), true, label);
    const version = readImageHeader(image).version;
    const lastBoot = world.of("service.boot").filter((r) => r.source === live[0]).at(-1)!;
    assert.equal(lastBoot.version, version, label);
    assert.equal(world.of("service.boot_refused").length, 0, label);
    if (version === "1.0") outcomes.old++;
    else outcomes.new++;
  }
  assert.ok(outcomes.old > 0 && outcomes.new > 0, JSON.stringify(outcomes));
  assert.ok(outcomes.torn >= midpoints.length, JSON.stringify(outcomes));
});

Deno.test("buildImage(), fotaCommands() and chunkImage() reject a misspelled option, naming it, a suggestion and the valid ones", () => {
  assert.throws(
    () => buildImage({ name: "svc", version: "2.0", variant: "good", bodyByte: 100 } as never),
    new TypeError(
      'Cannot build image: unknown option "bodyByte" (did you mean "bodyBytes"?); valid options are "name", "version", "variant", "bodyBytes"',
    ),
  );
  assert.throws(
    () =>
      fotaCommands(V1, {
        target: "svc",
        counter: 1,
        secretKey: KEYS.secretKey,
        pageByte: 1_024,
      } as never),
    new TypeError(
      'Cannot build FOTA commands: unknown option "pageByte" (did you mean "pageBytes"?); valid options are "target", "counter", "secretKey", "pageBytes"',
    ),
  );
  assert.throws(
    () => chunkImage(V1, { pageByte: 1_024 } as never),
    new TypeError(
      'Cannot chunk image: unknown option "pageByte" (did you mean "pageBytes"?); valid options are "pageBytes"',
    ),
  );
});
