import assert from "node:assert/strict";
import { Radio } from "../../../hw/devices/radio.ts";
import { harness, readWord, word } from "./_harness.ts";

function radio(options: { jitterNs?: number; start?: number; autoStart?: boolean } = {}) {
  const h = harness();
  const device = new Radio(h.engine, {
    name: "radio",
    base: 0x43fc_0000,
    size: 0x1000,
    irq: 18,
    interrupts: h.interrupts,
    ...options,
  });
  return { ...h, radio: device };
}

Deno.test("Radio signals exactly 217 frames in [0, 1 s], frame k at k × 4,615,000 ns", () => {
  const { engine, radio: r, times } = radio();
  engine.run({ until: 1_000_000_000 });
  const frames = times(18);
  assert.equal(frames.length, 217);
  frames.forEach((time, k) => assert.equal(time, k * 4_615_000));
  assert.equal(frames[216], 996_840_000);
  assert.equal(r.frameNumber, 216);
  assert.equal(readWord(r, Radio.registers.FRAME_NUMBER), 216);
});

Deno.test("Radio RX window holds the current frame's burst", () => {
  const { engine, radio: r } = radio();
  engine.run({ until: 4_615_000 * 5 });
  assert.equal(r.frameNumber, 5);
  assert.equal(readWord(r, Radio.registers.RX_LEN), 16);
  assert.deepEqual(r.read(Radio.registers.RX, 16), Radio.burst(5));
});

Deno.test("Radio jitter moves each frame within ±jitterNs, deterministically per seed", () => {
  const run = () => {
    const { engine, times } = radio({ jitterNs: 10_000 });
    engine.run({ until: 100_000_000 });
    return times(18);
  };
  const a = run();
  assert.deepEqual(a, run());
  assert.ok(a.some((time, k) => time !== k * 4_615_000));
  a.forEach((time, k) => assert.ok(Math.abs(time - k * 4_615_000) <= 10_000));
});

Deno.test("Radio start option, stop() and start() keep the frame grid", () => {
  const { engine, radio: r, times } = radio({ start: 1_000 });
  engine.run({ until: 10_000_000 });
  assert.deepEqual(times(18), [1_000, 4_616_000, 9_231_000]);
  r.stop();
  engine.run({ until: 20_000_000 });
  assert.equal(times(18).length, 3);
  r.start();
  engine.run({ until: 25_000_000 });
  assert.deepEqual(times(18).slice(3), [23_076_000]);
  assert.equal(r.frameNumber, 5);
});

Deno.test("Radio TX_SEND records the TX window bytes with the frame number", () => {
  const { engine, radio: r } = radio({ autoStart: true });
  engine.run({ until: 5_000_000 });
  r.write(Radio.registers.TX, new Uint8Array([1, 2, 3]), "baseband");
  r.write(Radio.registers.TX_SEND, word(3), "baseband");
  assert.deepEqual(r.sent(), [{ frame: 1, time: 5_000_000, bytes: new Uint8Array([1, 2, 3]) }]);
});

Deno.test("Radio rejects jitter of half a frame or more", () => {
  assert.throws(() => radio({ jitterNs: 2_307_500 }), /jitterNs 2307500 is not a whole number/);
});
