import assert from "node:assert/strict";
import { Board } from "../../hw/board.ts";
import { BoardError } from "../../hw/board_error.ts";
import { boards } from "../../hw/boards.ts";
import { Engine } from "../../hw/engine.ts";
import type { Radio } from "../../hw/devices/radio.ts";

const MiB = 1024 * 1024;

Deno.test("boards.handset() matches the documented handset", () => {
  const spec = boards.handset();
  assert.deepEqual(spec.cores, [{ clockHz: 532_000_000 }]);
  const sizes = Object.fromEntries(spec.memory.map((r) => [r.name, [r.base, r.size, r.kind]]));
  assert.deepEqual(sizes.sram, [0x1ffc_0000, 256 * 1024, "sram"]);
  assert.deepEqual(sizes.dram, [0x8000_0000, 128 * MiB, "dram"]);
  assert.deepEqual(sizes.flash, [0xa000_0000, 64 * MiB, "flash"]);
  assert.deepEqual(spec.interruptController.kind, "vic");
  assert.deepEqual(spec.devices.map((d) => d.kind), [
    "keypad",
    "display",
    "radio",
    "uart",
    "net",
    "flash",
    "watchdog",
  ]);
});

Deno.test("boards.automotive() matches the documented automotive board", () => {
  const spec = boards.automotive();
  assert.equal(spec.cores.length, 4);
  assert.ok(spec.cores.every((core) => core.clockHz === 1_200_000_000));
  const dram = spec.memory.find((r) => r.name === "dram")!;
  assert.equal(dram.size, 1024 * MiB);
  assert.equal(spec.memory.find((r) => r.name === "flash")!.size, 256 * MiB);
  assert.equal(spec.memory.find((r) => r.name === "sram")!.size, MiB);
  assert.deepEqual(spec.interruptController, { kind: "gic", lines: 256, timerLine: 30 });
  assert.ok(spec.devices.some((d) => d.kind === "can"));
  assert.ok(spec.devices.every((d) => d.irq >= 32));
});

Deno.test("boards.handset() applies clock, core, memory and device overrides", () => {
  const spec = boards.handset({
    name: "slow",
    clockHz: 400_000_000,
    memory: { dram: { size: 64 * MiB } },
    devices: { radio: { priority: 0x08, options: { jitterNs: 1_000 } } },
  });
  assert.equal(spec.name, "slow");
  assert.deepEqual(spec.cores, [{ clockHz: 400_000_000 }]);
  assert.equal(spec.memory.find((r) => r.name === "dram")!.size, 64 * MiB);
  const radio = spec.devices.find((d) => d.name === "radio")!;
  assert.equal(radio.priority, 0x08);
  assert.deepEqual(radio.options, { jitterNs: 1_000 });
  const board = new Board(new Engine(), spec);
  assert.equal(board.device<Radio>("radio").jitterNs, 1_000);
  assert.equal(boards.handset().cores[0].clockHz, 532_000_000); // presets are not mutated
});

Deno.test("boards.automotive() takes extra devices and a core count", () => {
  const spec = boards.automotive({
    cores: 2,
    extraDevices: [{ name: "can2", kind: "can", base: 0x308d_0000, size: 0x1000, irq: 175 }],
  });
  assert.equal(spec.cores.length, 2);
  const board = new Board(new Engine(), spec);
  assert.equal(board.irqLine("can2"), 175);
});

Deno.test("boards.handset() rejects unknown override keys, naming the valid ones", () => {
  const fails = (overrides: unknown, field: string, message: RegExp) =>
    assert.throws(() => boards.handset(overrides as never), (error: unknown) => {
      assert.ok(error instanceof BoardError);
      assert.equal(error.field, field);
      assert.match(error.message, message);
      return true;
    });
  fails(
    { clock: 1 },
    "overrides.clock",
    /Invalid overrides of board "handset": clock is not a valid key, valid keys are name, clockHz, cores, memory, devices, extraDevices/,
  );
  fails(
    { memory: { rom: { size: 1 } } },
    "overrides.memory.rom",
    /memory.rom is not a valid key, valid keys are sram, aips1, aips2, dram, flash, emi/,
  );
  fails(
    { memory: { dram: { kind: "sram" } } },
    "overrides.memory.dram.kind",
    /valid keys are base, size/,
  );
  fails(
    { devices: { modem: {} } },
    "overrides.devices.modem",
    /valid keys are keypad, display, radio, uart, net, flash, watchdog/,
  );
  fails(
    { devices: { radio: { jitterNs: 5 } } },
    "overrides.devices.radio.jitterNs",
    /valid keys are base, size, irq, priority, trigger, targetCore, options/,
  );
});

Deno.test("boards.handset() validates the derived board", () => {
  assert.throws(
    () => boards.handset({ clockHz: 0 }),
    /cores\[0\].clockHz 0 is not a positive finite number/,
  );
  assert.throws(
    () => boards.handset({ devices: { radio: { options: { jitter: 5 } } } }),
    /devices\[2\].options.jitter is not an option of a radio device/,
  );
});

Deno.test("each preset names the cost table measured on its kind of board, and derived boards keep it", () => {
  assert.equal(boards.handset().costs, "handset");
  assert.equal(boards.automotive().costs, "automotive");
  assert.equal(boards.automotive({ name: "ecu", cores: 2 }).costs, "automotive");
  assert.throws(
    () => new Board(new Engine(), { ...boards.handset(), costs: "fast" as never }),
    (error: unknown) =>
      error instanceof BoardError &&
      error.message ===
        'Invalid board "handset": costs "fast" is not a cost table: valid are "handset", "automotive"',
  );
});
