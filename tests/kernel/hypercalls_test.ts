import assert from "node:assert/strict";
import type { DeliveredVirq, OperationResult, ReceivedMessage } from "../../kernel/abi.ts";
import { assertRefused, makeRig, type Rig, startCell, valueOf } from "./_setup.ts";

const RUN_NS = 20_000_000;
type Results = Record<string, OperationResult>;
const bytes = (...values: number[]) => new Uint8Array(values);

/** Two cells "a" (sender, priority 100) and "b" (receiver, 50) joined by channel "ch". */
function channelRig(slots = 2, maxBytes = 8): {
  rig: Rig;
  out: Results;
  go: (
    sender: (caps: Record<string, number>) => Generator<
      import("../../kernel/abi.ts").Operation,
      void,
      OperationResult
    >,
  ) => void;
} {
  const rig = makeRig();
  const out: Results = {};
  return {
    rig,
    out,
    go(sender) {
      const a = startCell(rig, "a", (ctx) => sender(ctx.caps), { start: false });
      const b = startCell(rig, "b", function* () {}, { priority: 50, start: false });
      rig.kernel.createChannel({ name: "ch", from: a, to: b, slots, maxBytes });
      rig.kernel.grant(a, "endpoint", rig.kernel.createEndpoint("ep"), {
        rights: ["call"],
        name: "ep",
      });
      rig.kernel.start(a);
      rig.kernel.start(b);
      rig.engine.run({ until: RUN_NS });
    },
  };
}

Deno.test("send() queues a copy and raises the receiver's channel vIRQ", () => {
  const { rig, out, go } = channelRig();
  const payload = bytes(1, 2, 3);
  go(function* (caps) {
    out.send = yield { op: "send", cap: caps["send:ch"], bytes: payload };
    payload[0] = 99;
    // The same buffer again: each queued message keeps the bytes it was sent with.
    out.again = yield { op: "send", cap: caps["send:ch"], bytes: payload };
    payload[0] = 7;
  });
  assert.equal(out.send.ok, true);
  assert.equal(out.again.ok, true);
  const channel = rig.kernel.channel("ch")!;
  assert.equal(channel.depth, 2);
  assert.deepEqual([...channel.take()!.bytes], [1, 2, 3]);
  assert.deepEqual([...channel.take()!.bytes], [99, 2, 3]);
  assert.equal(rig.of("virq.pending").filter((r) => r.source === "b").length, 2);
});

Deno.test("send() refuses a forged, empty, wrong-type, revoked or receive-only capability", () => {
  const { rig, out, go } = channelRig();
  go(function* (caps) {
    out.outside = yield { op: "send", cap: 999, bytes: bytes(1) };
    out.negative = yield { op: "send", cap: -1, bytes: bytes(1) };
    out.fraction = yield { op: "send", cap: 0.5, bytes: bytes(1) };
    out.empty = yield { op: "send", cap: 63, bytes: bytes(1) };
    out.wrongType = yield { op: "send", cap: caps["ep"], bytes: bytes(1) };
    const child = valueOf<number>(yield { op: "derive", cap: caps["send:ch"], rights: [] });
    out.missing = yield { op: "send", cap: child, bytes: bytes(1) };
    const copy = valueOf<number>(yield { op: "derive", cap: caps["send:ch"], rights: ["send"] });
    yield { op: "revoke", cap: caps["send:ch"] };
    out.revoked = yield { op: "send", cap: copy, bytes: bytes(1) };
    out.notBytes = yield { op: "send", cap: caps["send:ch"], bytes: [1] as never };
  });
  assertRefused(rig, out.outside, "InvalidCapability", "send");
  assertRefused(rig, out.negative, "InvalidCapability", "send");
  assertRefused(rig, out.fraction, "InvalidCapability", "send");
  assertRefused(rig, out.empty, "InvalidCapability", "send");
  assertRefused(rig, out.wrongType, "WrongCapabilityType", "send");
  assertRefused(rig, out.missing, "MissingRight", "send");
  assertRefused(rig, out.revoked, "RevokedCapability", "send");
  assertRefused(rig, out.notBytes, "InvalidArgument", "send");
  assert.equal(rig.kernel.channel("ch")!.depth, 0);
});

Deno.test("send() returns QueueFull on a full channel and MessageTooLarge above maxBytes", () => {
  const { rig, out, go } = channelRig(2, 8);
  go(function* (caps) {
    yield { op: "send", cap: caps["send:ch"], bytes: bytes(1) };
    yield { op: "send", cap: caps["send:ch"], bytes: bytes(2) };
    out.full = yield { op: "send", cap: caps["send:ch"], bytes: bytes(3) };
    out.large = yield { op: "send", cap: caps["send:ch"], bytes: new Uint8Array(9) };
  });
  assertRefused(rig, out.full, "QueueFull", "send");
  assertRefused(rig, out.large, "MessageTooLarge", "send");
  assert.equal(rig.kernel.channel("ch")!.depth, 2);
  assert.equal(rig.kernel.channel("ch")!.refusedFull, 1);
});

Deno.test("receive() on a channel returns messages in order with the sender's badge", () => {
  const rig = makeRig();
  const got: OperationResult[] = [];
  const errors: Results = {};
  const a = startCell(rig, "a", function* (ctx) {
    yield { op: "send", cap: ctx.caps["send:ch"], bytes: bytes(1) };
    yield { op: "send", cap: ctx.caps["send:ch"], bytes: bytes(2) };
  }, { priority: 100, start: false });
  const b = startCell(rig, "b", function* (ctx) {
    yield { op: "wait" };
    got.push(yield { op: "receive", cap: ctx.caps["receive:ch"] });
    got.push(yield { op: "receive", cap: ctx.caps["receive:ch"] });
    got.push(yield { op: "receive", cap: ctx.caps["receive:ch"] });
    const sendOnly = valueOf<number>(
      yield { op: "derive", cap: ctx.caps["receive:ch"], rights: [] },
    );
    errors.missing = yield { op: "receive", cap: sendOnly };
    errors.wrongType = yield { op: "receive", cap: ctx.caps["irq:keypad"] };
    errors.forged = yield { op: "receive", cap: 64 };
  }, { priority: 50, start: false });
  rig.kernel.createChannel({ name: "ch", from: a, to: b, slots: 4, maxBytes: 8 });
  rig.kernel.grantIrq(b, "keypad");
  rig.kernel.start(a);
  rig.kernel.start(b);
  rig.engine.run({ until: RUN_NS });
  const messages = got.map((r) => valueOf<ReceivedMessage | undefined>(r));
  assert.deepEqual(messages.map((m) => m && [...m.bytes]), [[1], [2], undefined]);
  assert.equal(messages[0]!.badge, a.vcpus[0].id + 1);
  assertRefused(rig, errors.missing, "MissingRight", "receive");
  assertRefused(rig, errors.wrongType, "WrongCapabilityType", "receive");
  assertRefused(rig, errors.forged, "InvalidCapability", "receive");
});

/** A server "s" (priority 100) and a client "c" (50) sharing endpoint "ep". */
function endpointRig(
  server: (caps: Record<string, number>, out: Results) => Generator<
    import("../../kernel/abi.ts").Operation,
    void,
    OperationResult
  >,
  client: (caps: Record<string, number>, out: Results) => Generator<
    import("../../kernel/abi.ts").Operation,
    void,
    OperationResult
  >,
  serverRights: string[] = ["receive"],
): { rig: Rig; out: Results } {
  const rig = makeRig();
  const out: Results = {};
  const endpoint = rig.kernel.createEndpoint("ep");
  const s = startCell(rig, "s", (ctx) => server(ctx.caps, out), { start: false });
  const c = startCell(rig, "c", (ctx) => client(ctx.caps, out), { priority: 50, start: false });
  rig.kernel.grant(s, "endpoint", endpoint, { rights: serverRights, name: "ep" });
  rig.kernel.grant(c, "endpoint", endpoint, { rights: ["call"], name: "ep", badge: 5 });
  rig.kernel.createChannel({ name: "ch", from: c, to: s, slots: 1, maxBytes: 8 });
  rig.kernel.start(s);
  rig.kernel.start(c);
  rig.engine.run({ until: RUN_NS });
  return { rig, out };
}

Deno.test("receive() on an endpoint blocks until a call and call() blocks until the reply", () => {
  const { rig, out } = endpointRig(function* (caps, out) {
    out.request = yield { op: "receive", cap: caps["ep"] };
    out.reply = yield { op: "reply", bytes: bytes(7, 7) };
  }, function* (caps, out) {
    out.call = yield { op: "call", cap: caps["ep"], bytes: bytes(4) };
  });
  const request = valueOf<ReceivedMessage>(out.request);
  assert.deepEqual([...request.bytes], [4]);
  assert.equal(request.badge, 5);
  assert.equal(out.reply.ok, true);
  assert.deepEqual([...valueOf<ReceivedMessage>(out.call).bytes], [7, 7]);
  assert.equal(rig.of("ipc.reply").length, 1);
});

Deno.test("receive() and call() on an endpoint refuse missing rights, wrong types and size", () => {
  const { rig, out } = endpointRig(function* (caps, out) {
    out.noReceive = yield { op: "receive", cap: caps["ep"] };
    out.wrongType = yield { op: "call", cap: caps["receive:ch"], bytes: bytes(1) };
  }, function* (caps, out) {
    out.noCall = yield { op: "receive", cap: caps["ep"] };
    out.large = yield { op: "call", cap: caps["ep"], bytes: new Uint8Array(2049) };
    out.forged = yield { op: "call", cap: 40, bytes: bytes(1) };
    out.notBytes = yield { op: "call", cap: caps["ep"], bytes: "x" as never };
  }, ["call"]);
  assertRefused(rig, out.noReceive, "MissingRight", "receive");
  assertRefused(rig, out.wrongType, "WrongCapabilityType", "call");
  assertRefused(rig, out.noCall, "MissingRight", "receive");
  assertRefused(rig, out.large, "MessageTooLarge", "call");
  assertRefused(rig, out.forged, "InvalidCapability", "call");
  assertRefused(rig, out.notBytes, "InvalidArgument", "call");
});

Deno.test("reply() refuses when no caller waits and when the reply is too large", () => {
  const { rig, out } = endpointRig(function* (_caps, out) {
    out.nobody = yield { op: "reply", bytes: bytes(1) };
    out.large = yield { op: "reply", bytes: new Uint8Array(4096) };
  }, function* () {});
  assertRefused(rig, out.nobody, "NotWaitingForReply", "reply");
  assertRefused(rig, out.large, "MessageTooLarge", "reply");
});

Deno.test("wait() blocks until a vIRQ and poll() returns pending vIRQs without blocking", () => {
  const rig = makeRig();
  const out: Results = {};
  const b = startCell(rig, "b", function* () {
    out.poll = yield { op: "poll" };
    out.wait = yield { op: "wait" };
  }, { priority: 50, start: false });
  const a = startCell(rig, "a", function* (ctx) {
    yield { op: "sleep", durationNs: 100_000 };
    out.signal = yield { op: "signal", cap: ctx.caps["signal:b:doorbell"], flags: 0b101 };
  }, { start: false });
  rig.kernel.grantSignal(a, b, "doorbell");
  rig.kernel.start(a);
  rig.kernel.start(b);
  rig.engine.run({ until: RUN_NS });
  assert.deepEqual(valueOf(out.poll), []);
  assert.equal(out.signal.ok, true);
  const [virq] = valueOf<DeliveredVirq[]>(out.wait);
  assert.deepEqual(virq, { virq: b.virq("doorbell"), name: "doorbell", count: 1, flags: 0b101 });
});

Deno.test("signal() refuses a capability without the right or of the wrong type", () => {
  const rig = makeRig();
  const out: Results = {};
  const b = startCell(rig, "b", function* () {}, { priority: 50, start: false });
  const a = startCell(rig, "a", function* (ctx) {
    const weak = valueOf<number>(
      yield { op: "derive", cap: ctx.caps["signal:b:doorbell"], rights: [] },
    );
    out.missing = yield { op: "signal", cap: weak, flags: 1 };
    out.wrongType = yield { op: "signal", cap: ctx.caps["irq:uart"], flags: 1 };
    out.forged = yield { op: "signal", cap: -3, flags: 1 };
  }, { start: false });
  rig.kernel.grantSignal(a, b, "doorbell");
  rig.kernel.grantIrq(a, "uart");
  rig.kernel.start(a);
  rig.kernel.start(b);
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.missing, "MissingRight", "signal");
  assertRefused(rig, out.wrongType, "WrongCapabilityType", "signal");
  assertRefused(rig, out.forged, "InvalidCapability", "signal");
  assert.equal(rig.of("virq.pending").length, 0);
});

Deno.test("irqAck() re-enables the owner's line and refuses other capabilities", () => {
  const rig = makeRig();
  const out: Results = {};
  const lines: number[] = [];
  const a = startCell(rig, "a", function* (ctx) {
    out.first = yield { op: "wait" };
    const weak = valueOf<number>(yield { op: "derive", cap: ctx.caps["irq:uart"], rights: [] });
    out.missing = yield { op: "irqAck", cap: weak };
    out.wrongType = yield { op: "irqAck", cap: ctx.caps["signal:a:self"] };
    out.ack = yield { op: "irqAck", cap: ctx.caps["irq:uart"] };
    out.second = yield { op: "wait" };
  }, { start: false });
  rig.kernel.grantIrq(a, "uart");
  rig.kernel.grantSignal(a, a, "self");
  rig.kernel.start(a);
  const line = rig.board.irqLine("uart");
  rig.engine.schedule(1_000_000, () => rig.board.interrupts.raise(line));
  rig.engine.schedule(2_000_000, () => {
    lines.push(rig.board.interrupts.isEnabled(line) ? 1 : 0);
    rig.board.interrupts.raise(line);
  });
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.missing, "MissingRight", "irqAck");
  assertRefused(rig, out.wrongType, "WrongCapabilityType", "irqAck");
  assert.equal(out.ack.ok, true);
  assert.deepEqual(lines, [1]);
  assert.equal(valueOf<DeliveredVirq[]>(out.second)[0].name, "uart");
  assert.equal(rig.of("virq.deliver").length, 2);
});

Deno.test("sleep(), now() and yield() return in order; a bad duration is InvalidArgument", () => {
  const rig = makeRig();
  const out: Results = {};
  startCell(rig, "a", function* () {
    out.bad = yield { op: "sleep", durationNs: -1 };
    out.fraction = yield { op: "sleep", durationNs: 1.5 };
    out.before = yield { op: "now" };
    out.sleep = yield { op: "sleep", durationNs: 1_000_000 };
    out.after = yield { op: "now" };
    out.yield = yield { op: "yield" };
  });
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.bad, "InvalidArgument", "sleep");
  assertRefused(rig, out.fraction, "InvalidArgument", "sleep");
  assert.equal(out.sleep.ok, true);
  assert.equal(out.yield.ok, true);
  assert.ok(valueOf<number>(out.after) - valueOf<number>(out.before) > 1_000_000);
});

Deno.test("timer() raises a periodic vIRQ, period 0 stops it, a too short period is refused", () => {
  const rig = makeRig();
  const out: Results = {};
  const ticks: number[] = [];
  startCell(rig, "a", function* () {
    out.short = yield { op: "timer", periodNs: 10 };
    out.negative = yield { op: "timer", periodNs: 1_000_000, firstNs: -5 };
    out.start = yield { op: "timer", periodNs: 1_000_000 };
    for (let i = 0; i < 3; i++) {
      yield { op: "wait" };
      ticks.push(valueOf<number>(yield { op: "now" }));
    }
    out.stop = yield { op: "timer", periodNs: 0 };
    out.poll = yield { op: "sleep", durationNs: 5_000_000 };
    out.pending = yield { op: "poll" };
  });
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.short, "InvalidArgument", "timer");
  assertRefused(rig, out.negative, "InvalidArgument", "timer");
  assert.equal(ticks.length, 3);
  assert.equal(ticks[1] - ticks[0], 1_000_000);
  assert.equal(ticks[2] - ticks[1], 1_000_000);
  assert.deepEqual(valueOf(out.pending), []);
});

Deno.test("interrupts() and waive() apply; waive above the base is InvalidArgument", () => {
  const rig = makeRig();
  const out: Results = {};
  const a = startCell(rig, "a", function* () {
    out.interrupts = yield { op: "interrupts", enabled: true };
    out.above = yield { op: "waive", priority: 101 };
    out.negative = yield { op: "waive", priority: -1 };
    out.waive = yield { op: "waive", priority: 7 };
    yield { op: "sleep", durationNs: 1_000 };
  });
  rig.engine.run({ until: RUN_NS });
  assert.equal(out.interrupts.ok, true);
  assert.equal(a.vcpus[0].virqInterrupts, true);
  assertRefused(rig, out.above, "InvalidArgument", "waive");
  assertRefused(rig, out.negative, "InvalidArgument", "waive");
  assert.equal(out.waive.ok, true);
  assert.equal(a.vcpus[0].basePriority, 100);
});

Deno.test("derive() reduces rights, never raises them; revoke() removes every copy", () => {
  const { rig, out, go } = channelRig();
  go(function* (caps) {
    out.raise = yield { op: "derive", cap: caps["send:ch"], rights: ["receive"] };
    out.bogus = yield { op: "derive", cap: caps["send:ch"], rights: ["fly"] };
    out.forged = yield { op: "derive", cap: 500, rights: [] };
    const child = valueOf<number>(yield { op: "derive", cap: caps["send:ch"], rights: ["send"] });
    const grandchild = valueOf<number>(yield { op: "derive", cap: child, rights: ["send"] });
    out.childSend = yield { op: "send", cap: grandchild, bytes: bytes(1) };
    out.revoke = yield { op: "revoke", cap: caps["send:ch"] };
    out.revokedDerive = yield { op: "derive", cap: child, rights: [] };
    out.revokedRevoke = yield { op: "revoke", cap: grandchild };
    out.forgedRevoke = yield { op: "revoke", cap: 1e9 };
    out.parentSend = yield { op: "send", cap: caps["send:ch"], bytes: bytes(2) };
  });
  assertRefused(rig, out.raise, "MissingRight", "derive");
  assertRefused(rig, out.bogus, "MissingRight", "derive");
  assertRefused(rig, out.forged, "InvalidCapability", "derive");
  assert.equal(out.childSend.ok, true);
  assert.equal(valueOf(out.revoke), 2);
  assertRefused(rig, out.revokedDerive, "RevokedCapability", "derive");
  assertRefused(rig, out.revokedRevoke, "RevokedCapability", "revoke");
  assertRefused(rig, out.forgedRevoke, "InvalidCapability", "revoke");
  assert.equal(out.parentSend.ok, true);
});

Deno.test("read() and write() reach RAM; unmapped and read-only addresses fault", () => {
  const rig = makeRig();
  const out: Results = {};
  const section = rig.kernel.createSection("shared", 4096);
  const a = startCell(rig, "a", function* (ctx) {
    out.write = yield { op: "write", address: 0x100, bytes: bytes(1, 2, 3, 4) };
    out.read = yield { op: "read", address: 0x100, length: 4 };
    out.unmapped = yield { op: "read", address: ctx.ram.size, length: 1 };
    out.straddle = yield { op: "write", address: ctx.ram.size - 2, bytes: bytes(1, 2, 3, 4) };
    const window = ctx.windows["shared"];
    out.readOnly = yield { op: "write", address: window.base, bytes: bytes(1) };
    out.sectionRead = yield { op: "read", address: window.base, length: 2 };
    out.badLength = yield { op: "read", address: 0, length: -1 };
    out.badAddress = yield { op: "read", address: -4096, length: 1 };
  }, { ramBytes: 8192, start: false });
  rig.kernel.grantSection(a, section, ["read"]);
  rig.kernel.start(a);
  rig.engine.run({ until: RUN_NS });
  assert.equal(out.write.ok, true);
  assert.deepEqual([...valueOf<Uint8Array>(out.read)], [1, 2, 3, 4]);
  assertRefused(rig, out.unmapped, "Fault", "read");
  assertRefused(rig, out.straddle, "Fault", "write");
  assertRefused(rig, out.readOnly, "Fault", "write");
  assert.deepEqual([...valueOf<Uint8Array>(out.sectionRead)], [0, 0]);
  assertRefused(rig, out.badLength, "InvalidArgument", "read");
  assertRefused(rig, out.badAddress, "InvalidArgument", "read");
  assert.equal(a.faults, 3);
  assert.deepEqual(rig.of("fault").map((r) => r.reason), ["unmapped", "unmapped", "permission"]);
});

Deno.test("map() maps a section with the capability's rights and refuses bad requests", () => {
  const rig = makeRig();
  const out: Results = {};
  const section = rig.kernel.createSection("shared", 8192);
  const a = startCell(rig, "a", function* (ctx) {
    const cap = ctx.caps["section:shared"];
    out.map = yield { op: "map", cap, address: 0x1000_0000 };
    out.write = yield { op: "write", address: 0x1000_1ffc, bytes: bytes(9, 9, 9, 9) };
    out.overlap = yield { op: "map", cap, address: 0x1000_1000 };
    out.inRam = yield { op: "map", cap, address: 0x1000 };
    out.unaligned = yield { op: "map", cap, address: 0x2000_0010 };
    out.beyond = yield { op: "map", cap, address: 2 ** 32 - 4096 };
    const noMap = valueOf<number>(yield { op: "derive", cap, rights: ["read"] });
    out.missing = yield { op: "map", cap: noMap, address: 0x3000_0000 };
    out.wrongType = yield { op: "map", cap: ctx.caps["irq:uart"], address: 0x3000_0000 };
  }, { start: false });
  rig.kernel.grantSection(a, section, ["read", "write", "map"]);
  rig.kernel.grantIrq(a, "uart");
  rig.kernel.start(a);
  rig.engine.run({ until: RUN_NS });
  assert.equal(out.map.ok, true);
  assert.equal(out.write.ok, true);
  assert.deepEqual([...rig.board.memory.read(section.frames[1] + 4092, 4)], [9, 9, 9, 9]);
  assertRefused(rig, out.overlap, "InvalidArgument", "map");
  assertRefused(rig, out.inRam, "InvalidArgument", "map");
  assertRefused(rig, out.unaligned, "InvalidArgument", "map");
  assertRefused(rig, out.beyond, "InvalidArgument", "map");
  assertRefused(rig, out.missing, "MissingRight", "map");
  assertRefused(rig, out.wrongType, "WrongCapabilityType", "map");
});

/** A manager "m" (priority 200) with a cell capability on a target "t" (priority 10). */
function controlRig(
  rights: string[],
  manager: (caps: Record<string, number>, out: Results, rig: Rig) => Generator<
    import("../../kernel/abi.ts").Operation,
    void,
    OperationResult
  >,
): { rig: Rig; out: Results; target: ReturnType<Rig["kernel"]["cell"]> } {
  const rig = makeRig();
  const out: Results = {};
  const target = startCell(rig, "t", function* () {
    yield { op: "write", address: 0, bytes: bytes(0xaa, 0xbb) };
    for (;;) yield { op: "sleep", durationNs: 100_000 };
  }, { priority: 10 });
  const m = startCell(rig, "m", (ctx) => manager(ctx.caps, out, rig), {
    priority: 200,
    start: false,
  });
  rig.kernel.grantCellControl(m, target, rights);
  rig.kernel.start(m);
  rig.engine.run({ until: RUN_NS });
  return { rig, out, target };
}

Deno.test("cellControl() stop, start, restart, suspend and resume change the target's state", () => {
  const states: string[] = [];
  const { rig, out, target } = controlRig(
    ["start", "stop", "restart", "suspend", "resume"],
    function* (caps, out, rig) {
      const cap = caps["cell:t"];
      yield { op: "sleep", durationNs: 1_000_000 };
      out.suspend = yield { op: "cellControl", cap, action: "suspend" };
      states.push(rig.kernel.cell("t").state);
      out.resume = yield { op: "cellControl", cap, action: "resume" };
      states.push(rig.kernel.cell("t").state);
      out.stop = yield { op: "cellControl", cap, action: "stop" };
      states.push(rig.kernel.cell("t").state);
      out.start = yield { op: "cellControl", cap, action: "start" };
      states.push(rig.kernel.cell("t").state);
      out.again = yield { op: "cellControl", cap, action: "start" };
      out.restart = yield { op: "cellControl", cap, action: "restart" };
      states.push(rig.kernel.cell("t").state);
      out.bogus = yield { op: "cellControl", cap, action: "explode" as never };
    },
  );
  assert.deepEqual(states, ["suspended", "running", "stopped", "running", "running"]);
  for (const key of ["suspend", "resume", "stop", "start", "restart"]) {
    assert.equal(out[key].ok, true, key);
  }
  assertRefused(rig, out.again, "IllegalState", "cellControl");
  assertRefused(rig, out.bogus, "MissingRight", "cellControl");
  assert.equal(target.vcpus[0].state === "halted", false);
});

Deno.test("cellControl() zeroize wipes the target's frames and charges the caller the zeroing", () => {
  let frames: number[] = [];
  const { rig, out, target } = controlRig(["zeroize"], function* (caps, out, rig) {
    yield { op: "sleep", durationNs: 1_000_000 };
    frames = [...rig.kernel.cell("t").frames];
    out.zeroize = yield { op: "cellControl", cap: caps["cell:t"], action: "zeroize" };
    out.stop = yield { op: "cellControl", cap: caps["cell:t"], action: "stop" };
  });
  assert.equal(valueOf(out.zeroize), 16);
  assert.equal(target.state, "wiped");
  assert.equal(target.space.size, 0);
  for (const frame of frames) assert.ok(rig.board.memory.read(frame, 4096).every((b) => b === 0));
  assertRefused(rig, out.stop, "MissingRight", "cellControl");
  assert.equal(rig.of("memory.zeroize").length, 1);
});

Deno.test("cellControl() destroy revokes every capability naming the target", () => {
  const { rig, out, target } = controlRig(["destroy", "start"], function* (caps, out) {
    yield { op: "sleep", durationNs: 1_000_000 };
    out.destroy = yield { op: "cellControl", cap: caps["cell:t"], action: "destroy" };
    out.start = yield { op: "cellControl", cap: caps["cell:t"], action: "start" };
    out.wrongType = yield { op: "cellControl", cap: 63, action: "start" };
  });
  assert.equal(valueOf(out.destroy), 16);
  assert.equal(target.state, "destroyed");
  assertRefused(rig, out.start, "RevokedCapability", "cellControl");
  assertRefused(rig, out.wrongType, "InvalidCapability", "cellControl");
  assert.deepEqual(rig.kernel.start(target)?.kind, "IllegalState");
  rig.kernel.zeroize(target);
  assert.equal(target.state, "destroyed");
});

Deno.test("cellSwitch() moves channels and IRQ lines; it needs the switch right on both", () => {
  const rig = makeRig();
  const out: Results = {};
  const old = startCell(rig, "old", function* () {}, { priority: 10 });
  const next = startCell(rig, "new", function* () {}, { priority: 10 });
  const producer = startCell(rig, "p", function* () {}, { priority: 5 });
  rig.kernel.createChannel({ name: "ch", from: producer, to: old, slots: 2, maxBytes: 8 });
  rig.kernel.grantIrq(old, "uart");
  const m = startCell(rig, "m", function* (ctx) {
    out.missing = yield { op: "cellSwitch", cap: ctx.caps["cell:old"], toCap: ctx.caps["weak"] };
    out.wrongType = yield { op: "cellSwitch", cap: ctx.caps["cell:old"], toCap: 60 };
    out.switch = yield {
      op: "cellSwitch",
      cap: ctx.caps["cell:old"],
      toCap: ctx.caps["cell:new"],
    };
  }, { priority: 200, start: false });
  rig.kernel.grantCellControl(m, old, ["switch"]);
  rig.kernel.grantCellControl(m, next, ["switch"]);
  rig.kernel.grant(m, "cell", next, { rights: ["start"], name: "weak" });
  rig.kernel.start(m);
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.missing, "MissingRight", "cellSwitch");
  assertRefused(rig, out.wrongType, "InvalidCapability", "cellSwitch");
  assert.deepEqual(valueOf(out.switch), { channels: 1, lines: 1 });
  assert.equal(rig.kernel.channel("ch")!.receiver, next);
  assert.equal(rig.kernel.irqOwner(rig.board.irqLine("uart")), "new");
});

Deno.test("compute() with bad cycles and an unknown operation are traced InvalidArgument", () => {
  const rig = makeRig();
  const out: Results = {};
  startCell(rig, "a", function* () {
    out.compute = yield { op: "compute", cycles: -3 };
    out.unknown = yield { op: "teleport" } as never;
  });
  rig.engine.run({ until: RUN_NS });
  assertRefused(rig, out.compute, "InvalidArgument", "compute");
  assertRefused(rig, out.unknown, "InvalidArgument", "teleport");
});
