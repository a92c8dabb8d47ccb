import assert from "node:assert/strict";
import type { Keypad } from "../../hw/devices/keypad.ts";
import { cyclesToNs } from "../../hw/time.ts";
import type { OperationResult } from "../../kernel/abi.ts";
import { HANDSET_COSTS, ZERO_COSTS } from "../../kernel/cost_model.ts";
import { makeRig } from "./_setup.ts";

const HZ = 532_000_000;
const ns = (cycles: number) => cyclesToNs(cycles, HZ);

Deno.test("Microvisor IRQ latency equals the charged rows to the nanosecond when idle", () => {
  const rig = makeRig();
  const cell = rig.kernel.createCell({
    name: "pin",
    ramBytes: 65536,
    vcpus: [{
      priority: 220,
      *program(ctx) {
        for (;;) {
          yield { op: "wait" };
          yield { op: "irqAck", cap: ctx.caps["irq:keypad"] };
        }
      },
    }],
  });
  rig.kernel.grantIrq(cell, "keypad");
  rig.kernel.start(cell);
  const keypad = rig.board.device<Keypad>("keypad");
  rig.engine.schedule(1_000_000, () => keypad.press("4"));
  rig.engine.run({ until: 2_000_000 });
  const [delivery] = rig.of("virq.deliver");
  const t = HANDSET_COSTS;
  const expected = ns(t.irqEntry.cycles) + ns(t.switchSameCell.cycles) +
    ns(t.virqInjection.cycles);
  assert.equal(delivery.latencyNs, expected);
  assert.equal(delivery.latencyNs, 1_768);
  assert.equal(delivery.assertedAt, 1_000_000 + keypad.scanDelayNs);
});

Deno.test("Microvisor call/reply round trip equals the charged rows to the nanosecond", () => {
  const rig = makeRig();
  const endpoint = rig.kernel.createEndpoint("svc");
  const results: OperationResult[] = [];
  let replyAt = -1;
  const server = rig.kernel.createCell({
    name: "server",
    ramBytes: 65536,
    vcpus: [{
      priority: 100,
      *program(ctx) {
        const request = yield { op: "receive", cap: ctx.caps["ep"] };
        results.push(request);
        yield { op: "reply", bytes: new Uint8Array([9]) };
      },
    }],
  });
  const client = rig.kernel.createCell({
    name: "client",
    ramBytes: 65536,
    vcpus: [{
      priority: 50,
      *program(ctx) {
        const reply = yield { op: "call", cap: ctx.caps["ep"], bytes: new Uint8Array(8) };
        results.push(reply);
        const now: OperationResult = yield { op: "now" };
        replyAt = now.ok ? now.value as number : -1;
      },
    }],
  });
  rig.kernel.grant(server, "endpoint", endpoint, { rights: ["receive"], name: "ep" });
  rig.kernel.grant(client, "endpoint", endpoint, { rights: ["call"], name: "ep", badge: 7 });
  rig.kernel.start(server);
  rig.kernel.start(client);
  rig.engine.run({ until: 1_000_000 });
  assert.equal(results.length, 2);
  assert.deepEqual((results[0] as { value: { badge: number } }).value.badge, 7);
  assert.deepEqual([...(results[1] as { value: { bytes: Uint8Array } }).value.bytes], [9]);
  const t = HANDSET_COSTS;
  const cross = t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles;
  // server: switch in (from nothing), receive (blocks); client: switch in, call; server: switch
  // in, reply; server exits; client: switch in, now.
  const expected = ns(cross) + ns(t.hypercall.cycles + t.capLookup.cycles + t.ipcShort.cycles) +
    ns(cross) + ns(t.hypercall.cycles + t.capLookup.cycles + t.ipcShort.cycles) +
    ns(cross) + ns(t.hypercall.cycles + t.ipcShort.cycles) +
    ns(cross) + ns(t.hypercall.cycles);
  assert.equal(replyAt, expected);
});

Deno.test("Microvisor runs compute to the nanosecond and halts a finished vCPU", () => {
  const rig = makeRig({ costs: ZERO_COSTS, clockHz: 1_000_000_000 });
  const cell = rig.kernel.createCell({
    name: "app",
    ramBytes: 4096,
    vcpus: [{
      priority: 1,
      *program() {
        yield { op: "compute", cycles: 12_345 };
      },
    }],
  });
  rig.kernel.start(cell);
  rig.engine.run({ until: 100_000 });
  assert.equal(cell.vcpus[0].runNs, 12_345);
  assert.equal(cell.vcpus[0].state, "halted");
});
