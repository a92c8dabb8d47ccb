import assert from "node:assert/strict";
import { Uart } from "../../../hw/devices/uart.ts";
import { harness, readWord, word } from "./_harness.ts";

const R = Uart.registers;

function uart(options: { baud?: number } = {}) {
  const h = harness();
  const device = new Uart(h.engine, {
    name: "uart",
    base: 0x43f9_0000,
    size: 0x1000,
    irq: 45,
    interrupts: h.interrupts,
    ...options,
  });
  return { ...h, uart: device };
}

function print(device: Uart, text: string, writer: string) {
  for (const c of text) device.write(R.TX, word(c.charCodeAt(0)), writer);
}

Deno.test("Uart sends a byte in 10 bit-times: 86,806 ns at 115200 baud", () => {
  const { engine, uart: u } = uart();
  assert.equal(u.byteTimeNs, 86_806);
  print(u, "A", "baseband");
  assert.equal(readWord(u, R.STATUS) & Uart.STATUS_TX_BUSY, Uart.STATUS_TX_BUSY);
  engine.run({ until: 86_805 });
  assert.equal(u.txBusy, true);
  engine.run({ until: 86_806 });
  assert.equal(u.txBusy, false);
  assert.equal(u.partialLine("baseband"), "A");
});

Deno.test("Uart captures lines per writer when the newline finishes", () => {
  const { engine, uart: u } = uart();
  print(u, "hi\n", "baseband");
  print(u, "yo\r\n", "android");
  engine.run({ until: 3 * 86_806 - 1 });
  assert.deepEqual(u.lines(), []);
  engine.run({ until: 3 * 86_806 });
  assert.deepEqual(u.lines("baseband"), ["hi"]);
  engine.run({ until: 7 * 86_806 });
  assert.deepEqual(u.lines("android"), ["yo"]);
  assert.deepEqual(u.lines(), ["hi", "yo"]);
  assert.equal(u.records()[1].time, 7 * 86_806);
});

Deno.test("Uart drops bytes written to a full TX FIFO", () => {
  const { uart: u } = uart();
  print(u, "x".repeat(20), "a");
  assert.equal(readWord(u, R.TX_OVERRUN), 4);
  assert.equal(readWord(u, R.STATUS) & Uart.STATUS_TX_FULL, Uart.STATUS_TX_FULL);
});

Deno.test("Uart.receive() delivers bytes one byte time apart with an IRQ each", () => {
  const { engine, uart: u, times } = uart({ baud: 9_600 });
  assert.equal(u.byteTimeNs, 1_041_667);
  u.receive("ok");
  engine.run({ until: 5_000_000 });
  assert.deepEqual(times(45), [1_041_667, 2_083_334]);
  assert.equal(readWord(u, R.STATUS) & Uart.STATUS_RX_READY, Uart.STATUS_RX_READY);
  assert.equal(readWord(u, R.RX), 0x6f);
  assert.equal(readWord(u, R.RX), 0x6b);
  assert.equal(readWord(u, R.RX), 0);
});
