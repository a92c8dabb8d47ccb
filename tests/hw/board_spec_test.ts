import assert from "node:assert/strict";
import { type BoardSpec, type DeviceSpec, validateBoard } from "../../hw/board_spec.ts";
import { BoardError } from "../../hw/board_error.ts";
import { boards } from "../../hw/boards.ts";

/** Asserts that validateBoard() throws a BoardError on `field` whose message matches. */
function rejects(spec: BoardSpec, field: string, message: RegExp) {
  assert.throws(() => validateBoard(spec), (error: unknown) => {
    assert.ok(error instanceof BoardError, `expected a BoardError, got ${error}`);
    assert.equal(error.field, field);
    assert.match(error.message, message);
    return true;
  });
}

const handset = () => boards.handset();
const withDevice = (index: number, change: Partial<DeviceSpec>): BoardSpec => {
  const spec = handset();
  return {
    ...spec,
    devices: spec.devices.map((device, i) => (i === index ? { ...device, ...change } : device)),
  };
};

Deno.test("validateBoard() accepts both presets", () => {
  validateBoard(boards.handset());
  validateBoard(boards.automotive());
});

Deno.test("validateBoard() rejects overlapping regions", () => {
  const spec = handset();
  rejects(
    {
      ...spec,
      memory: [...spec.memory, { name: "sram2", base: 0x8000_0000, size: 4096, kind: "sram" }],
    },
    "memory[6].base",
    /Invalid board "handset": memory\[6\].base 0x80000000 of region "sram2" overlaps region "dram" \(0x80000000..0x87ffffff\)/,
  );
});

Deno.test("validateBoard() rejects zero, negative and fractional region sizes", () => {
  const spec = handset();
  for (const size of [0, -4096, 4096.5]) {
    rejects(
      { ...spec, memory: spec.memory.map((r, i) => (i === 0 ? { ...r, size } : r)) },
      "memory[0].size",
      new RegExp(
        `memory\\[0\\].size ${size} of region "sram" is not a positive whole number of bytes`,
      ),
    );
  }
});

Deno.test("validateBoard() rejects a negative region base", () => {
  const spec = handset();
  rejects(
    { ...spec, memory: spec.memory.map((r, i) => (i === 0 ? { ...r, base: -1 } : r)) },
    "memory[0].base",
    /memory\[0\].base -1 of region "sram" is not a non-negative whole number/,
  );
});

Deno.test("validateBoard() rejects an unknown region kind", () => {
  const spec = handset();
  rejects(
    { ...spec, memory: spec.memory.map((r, i) => (i === 0 ? { ...r, kind: "rom" as never } : r)) },
    "memory[0].kind",
    /"rom" is not a region kind, valid are sram, dram, flash, mmio/,
  );
});

Deno.test("validateBoard() rejects duplicate region names", () => {
  const spec = handset();
  rejects(
    {
      ...spec,
      memory: [...spec.memory, { name: "dram", base: 0x9000_0000, size: 4096, kind: "dram" }],
    },
    "memory[6].name",
    /"dram" is already the name of memory\[3\], region names must be unique/,
  );
});

Deno.test("validateBoard() rejects duplicate device names", () => {
  rejects(
    withDevice(1, { name: "keypad" }),
    "devices[1].name",
    /devices\[1\].name "keypad" is already the name of devices\[0\], device names must be unique/,
  );
});

Deno.test("validateBoard() rejects duplicate IRQ lines", () => {
  rejects(
    withDevice(1, { irq: 24 }),
    "devices[1].irq",
    /devices\[1\].irq 24 of device "display" is already used by device "keypad", lines must be unique/,
  );
});

Deno.test("validateBoard() rejects a device on a core timer line", () => {
  rejects(
    withDevice(0, { irq: 28 }),
    "devices[0].irq",
    /28 of device "keypad" is already used by the core timer/,
  );
});

Deno.test("validateBoard() rejects an IRQ line outside the controller's range", () => {
  rejects(
    withDevice(0, { irq: 64 }),
    "devices[0].irq",
    /devices\[0\].irq 64 of device "keypad" is outside the interrupt controller's lines, valid are 0..63/,
  );
  const auto = boards.automotive();
  rejects(
    { ...auto, devices: auto.devices.map((d, i) => (i === 0 ? { ...d, irq: 20 } : d)) },
    "devices[0].irq",
    /irq 20 of device "keypad" is outside the interrupt controller's lines, valid are 32..255 \(SPIs\)/,
  );
});

Deno.test("validateBoard() rejects a zero, negative or NaN clock", () => {
  for (const clockHz of [0, -1, NaN]) {
    rejects(
      { ...handset(), cores: [{ clockHz }] },
      "cores[0].clockHz",
      new RegExp(`cores\\[0\\].clockHz ${clockHz} is not a positive finite number of hertz`),
    );
  }
});

Deno.test("validateBoard() rejects a board with no cores", () => {
  rejects({ ...handset(), cores: [] }, "cores", /cores is empty, a board needs at least one core/);
});

Deno.test("validateBoard() rejects a device outside every mmio region", () => {
  rejects(
    withDevice(0, { base: 0x8000_0000 }),
    "devices[0].base",
    /0x80000000..0x80000fff of device "keypad" is not inside one mmio region, valid are "aips1" \(0x43f00000..0x43ffffff\)/,
  );
});

Deno.test("validateBoard() rejects a device straddling the end of its mmio region", () => {
  rejects(
    withDevice(0, { base: 0x43ff_f800 }),
    "devices[0].base",
    /0x43fff800..0x440007ff of device "keypad" is not inside one mmio region/,
  );
});

Deno.test("validateBoard() rejects overlapping devices", () => {
  rejects(
    withDevice(2, { base: 0x43fa_8800 }),
    "devices[2].base",
    /0x43fa8800..0x43fa97ff of device "radio" overlaps device "keypad" \(0x43fa8000..0x43fa8fff\)/,
  );
});

Deno.test("validateBoard() rejects an unknown device kind", () => {
  rejects(
    withDevice(0, { kind: "modem" as never }),
    "devices[0].kind",
    /"modem" of device "keypad" is not a device kind, valid are keypad, display, radio, uart, net, flash, watchdog, can, timer/,
  );
});

Deno.test("validateBoard() rejects an unknown device option", () => {
  rejects(
    withDevice(0, { options: { debounceNs: 5 } }),
    "devices[0].options.debounceNs",
    /devices\[0\].options.debounceNs is not an option of a keypad device \("keypad"\), valid are scanDelayNs, fifoDepth/,
  );
});

Deno.test("validateBoard() rejects a device window too small for its kind", () => {
  rejects(
    withDevice(1, { size: 0x1000 }),
    "devices[1].size",
    /0x00001000 of device "display" is too small, a display needs at least 0x00013c00 bytes/,
  );
});

Deno.test("validateBoard() rejects a bad priority, trigger or target core", () => {
  rejects(
    withDevice(0, { priority: 256 }),
    "devices[0].priority",
    /256 of device "keypad" is not an integer in 0..255/,
  );
  rejects(
    withDevice(0, { trigger: "rising" as never }),
    "devices[0].trigger",
    /"rising" of device "keypad" is not "edge" or "level"/,
  );
  rejects(
    withDevice(0, { targetCore: 1 }),
    "devices[0].targetCore",
    /1 of device "keypad" is not a core, valid are 0..0/,
  );
});

Deno.test("validateBoard() rejects a flash controller with no flash region", () => {
  const spec = handset();
  rejects(
    { ...spec, memory: spec.memory.filter((r) => r.kind !== "flash") },
    "devices[5].options.region",
    /names no flash region for device "flash", flash regions are none/,
  );
});

Deno.test("validateBoard() rejects a controller line count out of range", () => {
  rejects(
    { ...handset(), interruptController: { kind: "vic", lines: 2000 } },
    "interruptController.lines",
    /interruptController.lines 2000 is not a whole number in 1..1020/,
  );
  rejects(
    { ...handset(), interruptController: { kind: "nvic" as never, lines: 64 } },
    "interruptController.kind",
    /"nvic" is not "gic" or "vic"/,
  );
});
