import assert from "node:assert/strict";
import type { OperationResult } from "../../../kernel/abi.ts";
import { okl4 } from "../../../kernel/profiles/okl4.ts";
import { sel4Mcs } from "../../../kernel/profiles/sel4_mcs.ts";
import type { KernelProfile } from "../../../kernel/profiles/profile.ts";
import { profileRig } from "./_profile_rig.ts";

/** A client with 1 ms per 10 ms calls a server that computes `serveNs` before replying. */
function callOnce(profile: KernelProfile, serveNs: number, untilNs = 5_000_000) {
  const rig = profileRig(profile, { cells: ["server", "client"] });
  const endpoint = rig.kernel.createEndpoint("svc");
  const seen: { reply?: OperationResult; serverPriority?: number } = {};
  const server = rig.cell("server", function* (ctx) {
    yield { op: "receive", cap: ctx.caps["ep"] };
    seen.serverPriority = rig.kernel.cell("server").vcpus[0].priority;
    yield { op: "compute", cycles: serveNs };
    yield { op: "reply", bytes: new Uint8Array([1]) };
    for (;;) yield { op: "wait" };
  }, { priority: 20 });
  const client = rig.cell("client", function* (ctx) {
    seen.reply = yield { op: "call", cap: ctx.caps["ep"], bytes: new Uint8Array(4) };
    for (;;) yield { op: "wait" };
  }, { priority: 150, budgetNs: 1_000_000, periodNs: 10_000_000 });
  rig.kernel.grant(server, "endpoint", endpoint, { rights: ["receive"], name: "ep" });
  rig.kernel.grant(client, "endpoint", endpoint, { rights: ["call"], name: "ep" });
  rig.kernel.start(server);
  rig.kernel.start(client);
  rig.engine.run({ until: untilNs });
  return { rig, seen, server: server.vcpus[0], client: client.vcpus[0] };
}

Deno.test("sel4Mcs() runs a server on the caller's context and priority, charged to the caller", () => {
  const { rig, seen, server, client } = callOnce(sel4Mcs(), 300_000);
  assert.equal(seen.reply?.ok, true);
  assert.equal(seen.serverPriority, 150);
  // The 300 us of serving came out of the client's budget: refilled one period after it ran.
  assert.deepEqual(client.sc!.refills(), [
    { at: 0, amount: 700_000 },
    { at: 10_000_000, amount: 300_000 },
  ]);
  assert.equal(server.sc, undefined);
  assert.equal(server.priority, 20);
  assert.deepEqual(rig.of("sc.donate").map((r) => [r.time, r.vcpu, r.from]), [
    [0, "server.0", "client.0"],
  ]);
  assert.deepEqual(rig.of("sc.return").map((r) => [r.time, r.vcpu]), [[300_000, "server.0"]]);
});

Deno.test("okl4() runs a server on its own time: the caller's budget is untouched", () => {
  const { seen, client } = callOnce(okl4(), 300_000);
  assert.equal(seen.serverPriority, 20);
  assert.deepEqual(client.sc!.refills(), [{ at: 0, amount: 1_000_000 }]);
});

Deno.test("sel4Mcs() raises a timeout fault when the server exhausts the donated budget", () => {
  // The client gets the error when its budget is refilled, at 10 ms.
  const { rig, seen, server } = callOnce(sel4Mcs(), 2_000_000, 11_000_000);
  assert.equal(seen.reply?.ok, false);
  if (seen.reply?.ok === false) assert.equal(seen.reply.error.kind, "Timeout");
  assert.deepEqual(rig.of("sc.timeout").map((r) => [r.time, r.vcpu, r.caller]), [
    [1_000_000, "server.0", "client.0"],
  ]);
  // The server goes on with its own (unbudgeted) context and finishes its work.
  assert.equal(server.donor, undefined);
  assert.equal(server.runNs >= 2_000_000, true);
});
