import assert from "node:assert/strict";
import type { Keypad } from "../../hw/devices/keypad.ts";
import { cyclesToNs } from "../../hw/time.ts";
import type { OperationResult } from "../../kernel/abi.ts";
import {
  AUTOMOTIVE_COSTS,
  type CostTable,
  HANDSET_COSTS,
  ZERO_COSTS,
} from "../../kernel/cost_model.ts";
import { FixedPriorityPolicy } from "../../kernel/scheduler.ts";
import { makeRig, valueOf } from "./_setup.ts";

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

const GHZ = 1_000_000_000;
const nowOf = (result: OperationResult) => (result.ok ? result.value as number : -1);

Deno.test("Microvisor preempts a low-priority compute on a high-priority wake, exact finish times", () => {
  // At 1 GHz a cycle is a nanosecond, so every figure below is a row of the handset table.
  const rig = makeRig({ clockHz: GHZ });
  const finished: Record<string, number> = {};
  rig.kernel.createCell({
    name: "high",
    ramBytes: 4096,
    vcpus: [{
      priority: 200,
      *program() {
        yield { op: "sleep", durationNs: 100_000 };
        yield { op: "compute", cycles: 50_000 };
        finished.high = nowOf(yield { op: "now" });
      },
    }],
  });
  rig.kernel.createCell({
    name: "low",
    ramBytes: 4096,
    vcpus: [{
      priority: 10,
      *program() {
        yield { op: "compute", cycles: 1_000_000 };
        finished.low = nowOf(yield { op: "now" });
      },
    }],
  });
  rig.kernel.start(rig.kernel.cell("high"));
  rig.kernel.start(rig.kernel.cell("low"));
  rig.engine.run({ until: 5_000_000 });
  const t = HANDSET_COSTS;
  const cross = t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles; // 1190
  const call = t.hypercall.cycles; // 80
  const lowStart = cross + call + cross; // high switches in and sleeps, then low switches in
  const wake = cross + call + 100_000; // the sleep timer fires
  const highRuns = wake + t.irqEntry.cycles + cross;
  assert.equal(finished.high, highRuns + 50_000 + call);
  const lowResumes = finished.high + cross;
  const lowDoneBeforeWake = wake - lowStart;
  assert.equal(finished.low, lowResumes + (1_000_000 - lowDoneBeforeWake) + call);
  assert.equal(finished.low, 1_055_150);
  assert.equal(rig.kernel.cell("low").vcpus[0].runNs, 1_000_000);
  assert.deepEqual(rig.of("vcpu.preempt").map((r) => [r.time, r.vcpu, r.by]), [
    [wake + t.irqEntry.cycles, "low.0", "high.0"],
  ]);
});

Deno.test("Microvisor round-robins equal priorities with the slice", () => {
  const rig = makeRig({
    costs: ZERO_COSTS,
    clockHz: GHZ,
    policy: new FixedPriorityPolicy({ sliceNs: 1_000_000 }),
  });
  const finished: Record<string, number> = {};
  for (const name of ["a", "b"]) {
    const cell = rig.kernel.createCell({
      name,
      ramBytes: 4096,
      vcpus: [{
        priority: 10,
        *program() {
          yield { op: "compute", cycles: 2_500_000 };
          finished[name] = nowOf(yield { op: "now" });
        },
      }],
    });
    rig.kernel.start(cell);
  }
  rig.engine.run({ until: 10_000_000 });
  assert.deepEqual(finished, { a: 4_500_000, b: 5_000_000 });
  assert.deepEqual(rig.of("cpu.run").map((r) => [r.vcpu, r.start, r.durationNs]), [
    ["a.0", 0, 1_000_000],
    ["b.0", 1_000_000, 1_000_000],
    ["a.0", 2_000_000, 1_000_000],
    ["b.0", 3_000_000, 1_000_000],
    ["a.0", 4_000_000, 500_000],
    ["b.0", 4_500_000, 500_000],
  ]);
});

Deno.test("Microvisor gives a budgeted vCPU exactly its budget per period under contention", () => {
  const rig = makeRig({ costs: ZERO_COSTS, clockHz: GHZ });
  const hog = (priority: number, budget?: { budgetNs: number; periodNs: number }) =>
    rig.kernel.createCell({
      name: `p${priority}`,
      ramBytes: 4096,
      vcpus: [{
        priority,
        ...budget,
        *program() {
          for (;;) yield { op: "compute", cycles: 1_000_000_000 };
        },
      }],
    });
  const high = hog(100, { budgetNs: 2_000_000, periodNs: 10_000_000 });
  const low = hog(10);
  rig.kernel.start(high);
  rig.kernel.start(low);
  rig.engine.run({ until: 50_000_000 });
  const runs = rig.of("cpu.run").filter((r) => r.vcpu === "p100.0");
  assert.deepEqual(
    runs.map((r) => [r.start, r.durationNs]),
    [0, 1, 2, 3, 4].map((k) => [k * 10_000_000, 2_000_000]),
  );
  assert.deepEqual(
    rig.of("budget.exhausted").map((r) => [r.time, r.refillAt]),
    [0, 1, 2, 3, 4].map((k) => [k * 10_000_000 + 2_000_000, (k + 1) * 10_000_000]),
  );
  assert.equal(high.vcpus[0].runNs, 10_000_000);
  assert.equal(low.vcpus[0].runNs + high.vcpus[0].runNs, 50_000_000);
});

Deno.test("Microvisor wakes a sleeping vCPU to the nanosecond plus the timer interrupt", () => {
  const rig = makeRig({ clockHz: GHZ });
  const times: number[] = [];
  rig.kernel.createCell({
    name: "app",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      *program() {
        times.push(nowOf(yield { op: "now" }));
        yield { op: "sleep", durationNs: 1_000_000 };
        times.push(nowOf(yield { op: "now" }));
      },
    }],
  });
  rig.kernel.start(rig.kernel.cell("app"));
  rig.engine.run({ until: 5_000_000 });
  const t = HANDSET_COSTS;
  const call = t.hypercall.cycles;
  const asleepAt = times[0] + call;
  const [, wake] = rig.of("vcpu.switch");
  assert.equal(wake.time, asleepAt + 1_000_000 + t.irqEntry.cycles);
  assert.equal(times[1], wake.time + t.switchSameCell.cycles + call);
  assert.deepEqual(times, [1_270, 1_001_770]);
});

Deno.test("Microvisor delivers a periodic timer vIRQ every period at a fixed offset", () => {
  const rig = makeRig({ clockHz: GHZ });
  const seen: number[] = [];
  let armedAt = -1;
  rig.kernel.createCell({
    name: "rtos",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      *program() {
        yield { op: "timer", periodNs: 1_000_000 };
        armedAt = nowOf(yield { op: "now" }) - HANDSET_COSTS.hypercall.cycles;
        for (let i = 0; i < 4; i++) {
          const woke = yield { op: "wait" };
          assert.equal(valueOf<{ name: string }[]>(woke)[0].name, "timer");
          seen.push(nowOf(yield { op: "now" }));
        }
      },
    }],
  });
  rig.kernel.start(rig.kernel.cell("rtos"));
  rig.engine.run({ until: 10_000_000 });
  const t = HANDSET_COSTS;
  const offset = t.irqEntry.cycles + t.switchSameCell.cycles + t.virqInjection.cycles +
    t.hypercall.cycles;
  assert.deepEqual(seen, [1, 2, 3, 4].map((k) => armedAt + k * 1_000_000 + offset));
});

Deno.test("Microvisor interrupts a compute with virtual interrupts on and returns remainingCycles", () => {
  const rig = makeRig({ clockHz: GHZ });
  let outcome: unknown;
  const cell = rig.kernel.createCell({
    name: "guest",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      *program() {
        yield { op: "interrupts", enabled: true };
        outcome = valueOf(yield { op: "compute", cycles: 1_000_000 });
      },
    }],
  });
  rig.kernel.grantIrq(cell, "uart");
  rig.kernel.start(cell);
  rig.engine.schedule(500_000, () => rig.board.interrupts.raise(rig.board.irqLine("uart")));
  rig.engine.run({ until: 5_000_000 });
  const t = HANDSET_COSTS;
  const computeStart = t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles +
    t.hypercall.cycles;
  assert.deepEqual(outcome, {
    remainingCycles: 1_000_000 - (500_000 - computeStart),
    virqs: [{ virq: 0, name: "uart", count: 1, flags: 0 }],
  });
  assert.equal(rig.of("virq.deliver")[0].latencyNs, t.irqEntry.cycles + t.virqInjection.cycles);
});

/** A sender on core 0 wakes a receiver waiting on core 1; returns when the receiver ran. */
function crossCoreWake(costs: CostTable): number {
  const rig = makeRig({ board: "automotive", costs });
  let woke = -1;
  const receiver = rig.kernel.createCell({
    name: "r",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      affinity: 1,
      *program() {
        yield { op: "wait" };
        woke = nowOf(yield { op: "now" });
      },
    }],
  });
  const sender = rig.kernel.createCell({
    name: "s",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      affinity: 0,
      *program(ctx) {
        yield { op: "sleep", durationNs: 100_000 };
        yield { op: "send", cap: ctx.caps["send:ch"], bytes: new Uint8Array(4) };
      },
    }],
  });
  rig.kernel.createChannel({ name: "ch", from: sender, to: receiver, slots: 4, maxBytes: 16 });
  rig.kernel.start(receiver);
  rig.kernel.start(sender);
  rig.engine.run({ until: 1_000_000 });
  return woke;
}

Deno.test("Microvisor charges an IPI for a cross-core wake on the automotive board", () => {
  const t = AUTOMOTIVE_COSTS;
  const at = (cycles: number) => cyclesToNs(cycles, 1_200_000_000);
  const sent = at(t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles) +
    at(t.hypercall.cycles) + 100_000 + at(t.irqEntry.cycles) + at(t.switchSameCell.cycles) +
    at(t.hypercall.cycles + t.capLookup.cycles + t.ipcShort.cycles);
  const woke = crossCoreWake(t);
  assert.equal(
    woke,
    sent + at(t.ipi.cycles) + at(t.switchSameCell.cycles) + at(t.virqInjection.cycles) +
      at(t.hypercall.cycles),
  );
  const withoutIpi = crossCoreWake({ ...t, ipi: { cycles: 0, source: "test" } });
  assert.equal(woke - withoutIpi, at(t.ipi.cycles));
  assert.equal(woke - withoutIpi, 1_250);
});

/** The same three cells, unchanged, on a board; returns what the guests saw. */
function sameCells(board: "handset" | "automotive", costs: CostTable) {
  const rig = makeRig({ board, costs });
  const seen: string[] = [];
  const pin = rig.kernel.createCell({
    name: "pin",
    ramBytes: 8192,
    vcpus: [{
      priority: 220,
      *program(ctx) {
        for (let i = 0; i < 3; i++) {
          const virqs = valueOf<{ name: string }[]>(yield { op: "wait" });
          seen.push(`pin:${virqs.map((v) => v.name).join(",")}`);
          yield { op: "irqAck", cap: ctx.caps["irq:uart"] };
          yield { op: "send", cap: ctx.caps["send:events"], bytes: new Uint8Array([i]) };
        }
      },
    }],
  });
  const app = rig.kernel.createCell({
    name: "app",
    ramBytes: 8192,
    vcpus: [{
      priority: 50,
      *program(ctx) {
        for (let got = 0; got < 3;) {
          yield { op: "wait" };
          for (;;) {
            const message = valueOf<{ bytes: Uint8Array } | undefined>(
              yield { op: "receive", cap: ctx.caps["receive:events"] },
            );
            if (message === undefined) break;
            seen.push(`app:${message.bytes[0]}`);
            got++;
          }
        }
      },
    }],
  });
  const hog = rig.kernel.createCell({
    name: "hog",
    ramBytes: 4096,
    vcpus: [{
      priority: 10,
      *program() {
        for (;;) yield { op: "compute", cycles: 10_000_000 };
      },
    }],
  });
  rig.kernel.grantIrq(pin, "uart");
  rig.kernel.createChannel({ name: "events", from: pin, to: app, slots: 4, maxBytes: 8 });
  for (const cell of [pin, app, hog]) rig.kernel.start(cell);
  const line = rig.board.irqLine("uart");
  for (const at of [1_000_000, 2_000_000, 3_000_000]) {
    rig.engine.schedule(at, () => rig.board.interrupts.raise(line));
  }
  rig.engine.run({ until: 10_000_000 });
  const latencies = rig.of("virq.deliver").map((r) => r.latencyNs);
  return { seen, latencies };
}

Deno.test("Microvisor runs the same cells unchanged on handset and automotive", () => {
  const handset = sameCells("handset", HANDSET_COSTS);
  const automotive = sameCells("automotive", AUTOMOTIVE_COSTS);
  const expected = ["pin:uart", "app:0", "pin:uart", "app:1", "pin:uart", "app:2"];
  assert.deepEqual(handset.seen, expected);
  assert.deepEqual(automotive.seen, expected);
  // The hog runs at each IRQ, so each latency is entry + cross-cell switch + injection.
  const latency = (t: CostTable, hz: number) =>
    cyclesToNs(t.irqEntry.cycles, hz) +
    cyclesToNs(t.switchCrossCellDirect.cycles + t.switchCrossCellIndirect.cycles, hz) +
    cyclesToNs(t.virqInjection.cycles, hz);
  assert.deepEqual(handset.latencies, Array(3).fill(latency(HANDSET_COSTS, HZ)));
  assert.deepEqual(automotive.latencies, Array(3).fill(latency(AUTOMOTIVE_COSTS, 1_200_000_000)));
});

Deno.test("Microvisor drops a hypercall whose vCPU was stopped from another core mid-path", () => {
  // Target on core 1 enters receive (1,900 ns switch, then a 365 ns path); the manager on core
  // 0 stops it at 2,031 ns, inside that path. The receive must not queue the halted vCPU.
  const rig = makeRig({ board: "automotive", costs: AUTOMOTIVE_COSTS });
  const endpoint = rig.kernel.createEndpoint("ep");
  const calls: OperationResult[] = [];
  const target = rig.kernel.createCell({
    name: "t",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      affinity: 1,
      *program(ctx) {
        yield { op: "receive", cap: ctx.caps["ep"] };
      },
    }],
  });
  const manager = rig.kernel.createCell({
    name: "m",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      affinity: 0,
      *program(ctx) {
        yield { op: "cellControl", cap: ctx.caps["cell:t"], action: "stop" };
      },
    }],
  });
  const client = rig.kernel.createCell({
    name: "c",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      affinity: 2,
      *program(ctx) {
        yield { op: "sleep", durationNs: 10_000 };
        calls.push(yield { op: "call", cap: ctx.caps["ep"], bytes: new Uint8Array(4) });
      },
    }],
  });
  rig.kernel.grant(target, "endpoint", endpoint, { rights: ["receive"], name: "ep" });
  rig.kernel.grant(client, "endpoint", endpoint, { rights: ["call"], name: "ep" });
  rig.kernel.grantCellControl(manager, target, ["stop"]);
  for (const cell of [target, manager, client]) rig.kernel.start(cell);
  rig.engine.run({ until: 1_000_000 });
  const stopped = rig.of("cell.state").find((r) => r.state === "stopped")!;
  const receive = rig.of("cpu.kernel").find((r) => r.path === "receive")!;
  assert.ok(stopped.time > (receive.start as number) && stopped.time < receive.time);
  assert.equal(target.vcpus[0].state, "halted");
  assert.deepEqual(endpoint.receivers, []);
  assert.deepEqual(calls, []);
  assert.equal(client.vcpus[0].blockedOn, "call");
});

Deno.test("Microvisor keeps a vCPU woken inside a suspended cell suspended until resume", () => {
  const rig = makeRig();
  const endpoint = rig.kernel.createEndpoint("ep");
  const got: OperationResult[] = [];
  const server = rig.kernel.createCell({
    name: "s",
    ramBytes: 4096,
    vcpus: [{
      priority: 100,
      *program(ctx) {
        got.push(yield { op: "receive", cap: ctx.caps["ep"] });
      },
    }],
  });
  const client = rig.kernel.createCell({
    name: "c",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      *program(ctx) {
        yield { op: "sleep", durationNs: 100_000 };
        yield { op: "call", cap: ctx.caps["ep"], bytes: new Uint8Array([3]) };
      },
    }],
  });
  rig.kernel.grant(server, "endpoint", endpoint, { rights: ["receive"], name: "ep" });
  rig.kernel.grant(client, "endpoint", endpoint, { rights: ["call"], name: "ep" });
  rig.kernel.start(server);
  rig.kernel.start(client);
  rig.engine.run({ until: 50_000 });
  rig.kernel.suspend(server);
  rig.engine.run({ until: 1_000_000 });
  assert.deepEqual(got, []);
  assert.equal(server.vcpus[0].blockedOn, "suspended");
  assert.equal(rig.of("cpu.run").filter((r) => r.source === "s").length, 0);
  rig.kernel.resume(server);
  rig.engine.run({ until: 2_000_000 });
  assert.deepEqual([...valueOf<{ bytes: Uint8Array }>(got[0]).bytes], [3]);
});

Deno.test("Microvisor keeps a preempted vCPU's slice so frequent preemption cannot starve its equal", () => {
  // Zero costs, 1 GHz: a high-priority vCPU takes 100 us of every 1 ms; two equal vCPUs share
  // the rest in 10 ms slices of their own run time. Without keeping the rest of a slice across
  // preemptions, the first would restart its slice every millisecond and the second never run.
  const rig = makeRig({ costs: ZERO_COSTS, clockHz: 1_000_000_000 });
  const high = rig.kernel.createCell({
    name: "tick",
    ramBytes: 4096,
    vcpus: [{
      priority: 200,
      *program() {
        yield { op: "timer", periodNs: 1_000_000 };
        for (;;) {
          yield { op: "wait" };
          yield { op: "compute", cycles: 100_000 };
        }
      },
    }],
  });
  const spin = function* () {
    for (;;) yield { op: "compute", cycles: 1_000_000_000 } as const;
  };
  const a = rig.kernel.createCell({
    name: "a",
    ramBytes: 4096,
    vcpus: [{ priority: 50, program: spin }],
  });
  const b = rig.kernel.createCell({
    name: "b",
    ramBytes: 4096,
    vcpus: [{ priority: 50, program: spin }],
  });
  for (const cell of [high, a, b]) rig.kernel.start(cell);
  rig.engine.run({ until: 100_000_000 });
  rig.kernel.settle();
  const ran = (cell: string) =>
    rig.of("cpu.run").filter((r) => r.source === cell).reduce(
      (n, r) => n + Number(r.durationNs),
      0,
    );
  // The tick runs at 1, 2, … 99 ms (9.9 ms); the 90.1 ms left go in 10 ms slices a, b, a, …:
  // a has five whole slices, b four and the first 0.1 ms of its fifth.
  assert.equal(ran("tick"), 9_900_000);
  assert.equal(ran("a"), 50_000_000);
  assert.equal(ran("b"), 40_100_000);
});
