import assert from "node:assert/strict";
import { Board } from "../../hw/board.ts";
import { BoardError } from "../../hw/board_error.ts";
import { boards } from "../../hw/boards.ts";
import { Engine } from "../../hw/engine.ts";
import type { FlashController } from "../../hw/devices/flash_controller.ts";
import { Keypad } from "../../hw/devices/keypad.ts";
import type { Radio } from "../../hw/devices/radio.ts";

Deno.test("Board builds the handset: one 532 MHz core, VIC, devices wired", () => {
  const engine = new Engine();
  const board = new Board(engine, boards.handset());
  assert.equal(board.name, "handset");
  assert.equal(board.cores.length, 1);
  assert.equal(board.cores[0].clockHz, 532_000_000);
  assert.equal(board.interrupts.kind, "vic");
  assert.equal(board.interrupts.lines, 64);
  assert.deepEqual([...board.devices.keys()], [
    "keypad",
    "display",
    "radio",
    "uart",
    "net",
    "flash",
    "watchdog",
  ]);
  assert.equal(board.irqLine("keypad"), 24);
  assert.deepEqual(board.interrupts.config(24), {
    line: 24,
    name: "keypad",
    priority: 0x40,
    trigger: "edge",
    targetCore: 0,
  });
  assert.equal(board.interrupts.isEnabled(24), false);
  assert.equal(board.timers.length, 1);
  assert.equal(board.timers[0].line, 28);
  assert.equal(board.interrupts.lineNamed("timer"), 28);
  assert.equal(board.memory.regionNamed("dram")?.size, 128 * 1024 * 1024);
  assert.equal(board.memory.allocatedPages, 0);
});

Deno.test("Board maps device registers into physical memory", () => {
  const engine = new Engine();
  const board = new Board(engine, boards.handset());
  board.device<Keypad>("keypad").press("5");
  engine.run({ until: 10_000 });
  assert.equal(board.memory.readU32(0x43fa_8000 + Keypad.registers.DATA), 0x35);
  assert.equal(board.device<Radio>("radio").frameNumber, 0);
});

Deno.test("Board backs the flash region with the flash controller", () => {
  const engine = new Engine();
  const board = new Board(engine, boards.handset());
  assert.equal(board.memory.readU32(0xa000_0000), 0xffff_ffff);
  board.device<FlashController>("flash").program(0, new Uint8Array([1, 2, 3, 4]));
  engine.run({ until: 200_000 });
  assert.equal(board.memory.readU32(0xa000_0000), 0x0403_0201);
  assert.equal(board.device<FlashController>("flash").flashBytes, 64 * 1024 * 1024);
});

Deno.test("Board builds the automotive board: four cores, GIC, timers on PPI 30", () => {
  const engine = new Engine();
  const board = new Board(engine, boards.automotive());
  assert.equal(board.cores.length, 4);
  assert.equal(board.cores[3].cyclesToNs(1_200), 1_000);
  assert.equal(board.interrupts.kind, "gic");
  assert.deepEqual(board.timers.map((t) => [t.core, t.line]), [[0, 30], [1, 30], [2, 30], [3, 30]]);
  board.timers[2].setOneShot(500);
  engine.run({ until: 1_000 });
  assert.equal(board.interrupts.isPending(30, 2), true);
  assert.equal(board.interrupts.isPending(30, 0), false);
  assert.ok(board.irqLine("can") >= 32);
});

Deno.test("Board.device() lists the device names when one is unknown", () => {
  const board = new Board(new Engine(), boards.handset());
  assert.throws(
    () => board.device("modem"),
    /Cannot find device "modem" on board "handset": valid devices are keypad, display, radio, uart, net, flash, watchdog/,
  );
  assert.throws(() => board.irqLine("modem"), RangeError);
});

Deno.test("Board wraps a device's rejection of an option value in a BoardError", () => {
  assert.throws(
    () =>
      new Board(
        new Engine(),
        boards.handset({ devices: { radio: { options: { jitterNs: -5 } } } }),
      ),
    (error: unknown) =>
      error instanceof BoardError && error.field === "devices[2].options" &&
      /options of device "radio" rejected: .*jitterNs -5/.test(error.message),
  );
});

Deno.test("Board validates before building", () => {
  assert.throws(
    () => new Board(new Engine(), { ...boards.handset(), cores: [] }),
    BoardError,
  );
});
