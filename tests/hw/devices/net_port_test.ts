import assert from "node:assert/strict";
import { NetPort } from "../../../hw/devices/net_port.ts";
import type { TraceRecord } from "../../../hw/trace_bus.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = NetPort.registers;

function net(options: { rxQueueMax?: number; latencyNs?: number } = {}) {
  const h = harness();
  const sentToWorld: Uint8Array[] = [];
  const device = new NetPort(h.engine, {
    name: "net",
    base: 0x43fd_0000,
    size: 0x4000,
    irq: 19,
    interrupts: h.interrupts,
    onSend: (bytes) => sentToWorld.push(bytes),
    ...options,
  });
  return { ...h, net: device, sentToWorld };
}

Deno.test("NetPort.deliver() enqueues after 100 µs latency plus 80 ns per byte", () => {
  const { engine, net: n, times } = net();
  engine.schedule(500, () => n.deliver(new Uint8Array(64).fill(7)));
  engine.run({ until: 105_619 });
  assert.deepEqual(times(19), []);
  engine.run({ until: 105_620 }); // 500 + 100,000 + 64 × 80
  assert.deepEqual(times(19), [105_620]);
  assert.equal(readWord(n, R.RX_LEN), 64);
  assert.deepEqual(n.read(R.RX, 4), new Uint8Array([7, 7, 7, 7]));
  n.write(R.RX_POP, word(1), "mgr");
  assert.equal(readWord(n, R.RX_COUNT), 0);
  assert.equal(readWord(n, R.STATUS), 0);
});

Deno.test("NetPort serialises messages on the wire", () => {
  const { engine, net: n, times } = net({ latencyNs: 0 });
  assert.equal(n.deliver(new Uint8Array(1_000)), 80_000);
  assert.equal(n.deliver(new Uint8Array(1_000)), 160_000);
  engine.run({ until: 200_000 });
  assert.deepEqual(times(19), [80_000, 160_000]);
});

Deno.test("NetPort drops messages beyond the RX queue bound and traces net.drop", () => {
  const { engine, net: n } = net({ rxQueueMax: 2 });
  const records: TraceRecord[] = [];
  engine.trace.subscribe((record) => records.push(record));
  for (let i = 0; i < 3; i++) n.deliver(new Uint8Array([i]));
  engine.run({ until: 1_000_000 });
  assert.equal(readWord(n, R.RX_COUNT), 2);
  assert.equal(readWord(n, R.RX_DROPPED), 1);
  assert.deepEqual(records.filter((r) => r.kind === "net.drop"), [
    { time: 100_240, kind: "net.drop", source: "net", bytes: 1, dropped: 1 },
  ]);
});

Deno.test("NetPort TX_LEN sends the TX window and captures it", () => {
  const { net: n, sentToWorld } = net();
  n.write(R.TX, new Uint8Array([0xca, 0xfe]), "mgr");
  n.write(R.TX_LEN, word(2), "mgr");
  n.send(new Uint8Array([1]));
  assert.deepEqual(n.sent(), [new Uint8Array([0xca, 0xfe]), new Uint8Array([1])]);
  assert.equal(sentToWorld.length, 2);
  assert.throws(() => n.deliver(new Uint8Array(4_097)), /the largest message is 4096 bytes/);
});

Deno.test("NetPort.receive() pops the head message for a driver", () => {
  const { engine, net: n } = net();
  n.deliver(new Uint8Array([1]));
  n.deliver(new Uint8Array([2, 2]));
  engine.run({ until: 1_000_000 });
  assert.deepEqual(n.receive(), new Uint8Array([1]));
  assert.equal(n.rxCount, 1);
  assert.deepEqual(n.receive(), new Uint8Array([2, 2]));
  assert.equal(n.receive(), undefined);
});
