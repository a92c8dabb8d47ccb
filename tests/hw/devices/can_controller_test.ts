import assert from "node:assert/strict";
import { CanController } from "../../../hw/devices/can_controller.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = CanController.registers;

function can() {
  const h = harness("gic");
  const device = new CanController(h.engine, {
    name: "can",
    base: 0x308c_0000,
    size: 0x1000,
    irq: 174,
    interrupts: h.interrupts,
  });
  return { ...h, can: device };
}

Deno.test("CanController sends a frame in (47 + 8n) × 2 µs at 500 kbit/s", () => {
  const { engine, can: c, times } = can();
  assert.equal(c.bitTimeNs, 2_000);
  assert.equal(c.send({ id: 0x100, data: new Uint8Array(0) }), 94_000);
  assert.equal(c.send({ id: 0x100, data: new Uint8Array(8) }), 94_000 + 222_000);
  assert.equal(c.send({ id: 0x1234, data: new Uint8Array(2) }), 316_000 + 166_000);
  engine.run({ until: 1_000_000 });
  assert.deepEqual(c.sent().map((frame) => frame.time), [94_000, 316_000, 482_000]);
  assert.deepEqual(times(174), [94_000, 316_000, 482_000]);
});

Deno.test("CanController registers queue a frame and report TX_DONE", () => {
  const { engine, can: c } = can();
  c.write(R.TX_ID, word(0x7df), "ecu");
  c.write(R.TX_DLC, word(3), "ecu");
  c.write(R.TX_DATA0, word(0x0d_01_02), "ecu");
  c.write(R.TX_CMD, word(1), "ecu");
  assert.equal(readWord(c, R.STATUS) & 1, 1);
  engine.run({ until: 142_000 }); // 47 + 24 = 71 bits
  assert.equal(readWord(c, R.STATUS), 4);
  assert.deepEqual(c.sent()[0], { id: 0x7df, data: new Uint8Array([2, 1, 0x0d]), time: 142_000 });
});

Deno.test("CanController.deliver() receives after the frame time with an IRQ", () => {
  const { engine, can: c, times } = can();
  engine.schedule(1_000, () => c.deliver({ id: 0x321, data: new Uint8Array([9, 8, 7, 6, 5]) }));
  engine.run({ until: 200_000 });
  assert.deepEqual(times(174), [1_000 + 87 * 2_000]);
  assert.equal(readWord(c, R.RX_COUNT), 1);
  assert.equal(readWord(c, R.RX_ID), 0x321);
  assert.equal(readWord(c, R.RX_DLC), 5);
  assert.equal(readWord(c, R.RX_DATA0), 0x0607_0809);
  assert.equal(readWord(c, R.RX_DATA1), 0x05);
  c.write(R.RX_POP, word(1), "ecu");
  assert.equal(c.rxCount, 0);
  assert.throws(() => c.deliver({ id: 1, data: new Uint8Array(9) }), /9 data bytes, valid is 0..8/);
});
