/**
 * Preset boards, and deriving a board from a preset with overrides.
 *
 * @module
 */

import { BoardError } from "./board_error.ts";
import { type BoardSpec, type DeviceSpec, validateBoard } from "./board_spec.ts";
import type { TriggerMode } from "./interrupt_controller.ts";
import type { RegionSpec } from "./physical_memory.ts";

/** Changes to one device of a preset; `options` are merged into the preset's options. */
export interface DeviceOverride {
  /** A new window base. */
  readonly base?: number;
  /** A new window size. */
  readonly size?: number;
  /** A new interrupt line. */
  readonly irq?: number;
  /** A new line priority. */
  readonly priority?: number;
  /** A new trigger. */
  readonly trigger?: TriggerMode;
  /** A new target core. */
  readonly targetCore?: number;
  /** Options merged over the preset's (e.g. `{ jitterNs: 2_000 }` for the radio). */
  readonly options?: Record<string, unknown>;
}

/** How to derive a board from a preset. Every key is optional; an unknown key is an error. */
export interface BoardOverrides {
  /** A new board name. */
  readonly name?: string;
  /** The clock of every core, in hertz. */
  readonly clockHz?: number;
  /** The number of cores (all at the preset's or `clockHz`'s clock). */
  readonly cores?: number;
  /** Per region name: a new base and/or size. */
  readonly memory?: Readonly<Record<string, { readonly base?: number; readonly size?: number }>>;
  /** Per device name: changes to that device. */
  readonly devices?: Readonly<Record<string, DeviceOverride>>;
  /** Devices to add. */
  readonly extraDevices?: readonly DeviceSpec[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const OVERRIDE_KEYS = ["name", "clockHz", "cores", "memory", "devices", "extraDevices"];
const REGION_KEYS = ["base", "size"];
const DEVICE_KEYS = ["base", "size", "irq", "priority", "trigger", "targetCore", "options"];

function checkKeys(value: object, valid: readonly string[], where: string, preset: string): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) {
      throw new BoardError(
        `Invalid overrides of board "${preset}": ${where}${key} is not a valid key, valid keys ` +
          `are ${valid.join(", ")}`,
        `overrides.${where}${key}`,
      );
    }
  }
}

function derive(preset: BoardSpec, overrides: BoardOverrides = {}): BoardSpec {
  const name = preset.name;
  checkKeys(overrides, OVERRIDE_KEYS, "", name);
  const clockHz = overrides.clockHz ?? preset.cores[0].clockHz;
  const coreCount = overrides.cores ?? preset.cores.length;
  if (!Number.isSafeInteger(coreCount) || coreCount < 1) {
    throw new BoardError(
      `Invalid overrides of board "${name}": cores ${coreCount} is not a positive whole number`,
      "overrides.cores",
    );
  }
  const memoryOverrides = overrides.memory ?? {};
  checkKeys(memoryOverrides, preset.memory.map((r) => r.name), "memory.", name);
  const memory: RegionSpec[] = preset.memory.map((region) => {
    const change = memoryOverrides[region.name];
    if (change === undefined) return { ...region };
    checkKeys(change, REGION_KEYS, `memory.${region.name}.`, name);
    return { ...region, ...change };
  });
  const deviceOverrides = overrides.devices ?? {};
  checkKeys(deviceOverrides, preset.devices.map((d) => d.name), "devices.", name);
  const devices: DeviceSpec[] = preset.devices.map((device) => {
    const change = deviceOverrides[device.name];
    if (change === undefined) return { ...device, options: { ...device.options } };
    checkKeys(change, DEVICE_KEYS, `devices.${device.name}.`, name);
    return {
      ...device,
      ...change,
      options: { ...device.options, ...change.options },
    };
  });
  const spec: BoardSpec = {
    name: overrides.name ?? name,
    cores: Array.from({ length: coreCount }, () => ({ clockHz })),
    memory,
    interruptController: { ...preset.interruptController },
    devices: [...devices, ...(overrides.extraDevices ?? [])],
    costs: preset.costs ?? "handset",
  };
  validateBoard(spec);
  return spec;
}

/*
 * The window size and line priority of each preset device, the same on every preset board: a
 * preset device is named after its kind, and only its base and line follow the board's map.
 */
const PRESET_DEVICES = {
  keypad: { size: 0x1000, priority: 0x40 },
  display: { size: 0x2_0000, priority: 0x90 },
  radio: { size: 0x1000, priority: 0x20 },
  uart: { size: 0x1000, priority: 0x80 },
  net: { size: 0x4000, priority: 0x60 },
  flash: { size: 0x2000, priority: 0x70 },
  watchdog: { size: 0x1000, priority: 0x10 },
  can: { size: 0x1000, priority: 0x30 },
} as const;

function presetDevice(
  kind: keyof typeof PRESET_DEVICES,
  at: { readonly base: number; readonly irq: number },
): DeviceSpec {
  const { size, priority } = PRESET_DEVICES[kind];
  return { name: kind, kind, base: at.base, size, irq: at.irq, priority };
}

/*
 * Handset: an i.MX31-like phone (ARM1136 at 532 MHz). Addresses follow the i.MX31 memory map
 * where it has the block: internal RAM just below 0x2000_0000 (enlarged to 256 KiB), CSD0
 * SDRAM at 0x8000_0000, CS0 flash window at 0xA000_0000, AIPS-1 at 0x43F0_0000 and AIPS-2 at
 * 0x53F0_0000 for peripherals, the NAND flash controller at 0xB800_0000; lines are the AVIC's
 * (KPP 24, UART1 45, IPU 42, WDOG 55, NFC 33, EPIT1 28 for the core timer). The radio and net
 * port have no i.MX31 block; they sit in free AIPS-1 slots on free lines 18 and 19.
 */
const HANDSET: BoardSpec = {
  name: "handset",
  cores: [{ clockHz: 532_000_000 }],
  memory: [
    { name: "sram", base: 0x1ffc_0000, size: 256 * KiB, kind: "sram" },
    { name: "aips1", base: 0x43f0_0000, size: 1 * MiB, kind: "mmio" },
    { name: "aips2", base: 0x53f0_0000, size: 1 * MiB, kind: "mmio" },
    { name: "dram", base: 0x8000_0000, size: 128 * MiB, kind: "dram" },
    { name: "flash", base: 0xa000_0000, size: 64 * MiB, kind: "flash" },
    { name: "emi", base: 0xb800_0000, size: 1 * MiB, kind: "mmio" },
  ],
  interruptController: { kind: "vic", lines: 64, timerLine: 28 },
  devices: [
    presetDevice("keypad", { base: 0x43fa_8000, irq: 24 }),
    presetDevice("display", { base: 0x53f8_0000, irq: 42 }),
    presetDevice("radio", { base: 0x43fc_0000, irq: 18 }),
    presetDevice("uart", { base: 0x43f9_0000, irq: 45 }),
    presetDevice("net", { base: 0x43fd_0000, irq: 19 }),
    presetDevice("flash", { base: 0xb800_0000, irq: 33 }),
    presetDevice("watchdog", { base: 0x53fd_c000, irq: 55 }),
  ],
};

/*
 * Automotive: an i.MX8M-like ECU (four Cortex-A53 at 1.2 GHz), GIC-400 with 256 lines. OCRAM
 * at 0x0090_0000 (enlarged to 1 MiB), the FlexSPI flash window at 0x0800_0000 (256 MiB), DRAM
 * at 0x4000_0000 (1 GiB), AIPS-1..4 at 0x3000_0000 (16 MiB). Lines are SPIs 32 + the i.MX8M
 * IRQ number where the block exists (LCDIF 37, UART1 58, WDOG1 110, QSPI 139, ENET1 150,
 * FlexCAN1 174 as on the i.MX8M Plus); keypad and radio (a telematics modem) use free lines.
 */
const AUTOMOTIVE: BoardSpec = {
  name: "automotive",
  costs: "automotive",
  cores: Array.from({ length: 4 }, () => ({ clockHz: 1_200_000_000 })),
  memory: [
    { name: "sram", base: 0x0090_0000, size: 1 * MiB, kind: "sram" },
    { name: "flash", base: 0x0800_0000, size: 256 * MiB, kind: "flash" },
    { name: "aips", base: 0x3000_0000, size: 16 * MiB, kind: "mmio" },
    { name: "dram", base: 0x4000_0000, size: 1 * GiB, kind: "dram" },
  ],
  interruptController: { kind: "gic", lines: 256, timerLine: 30 },
  devices: [
    presetDevice("keypad", { base: 0x3037_0000, irq: 51 }),
    presetDevice("display", { base: 0x3032_0000, irq: 37 }),
    presetDevice("radio", { base: 0x30a0_0000, irq: 40 }),
    presetDevice("uart", { base: 0x3086_0000, irq: 58 }),
    presetDevice("net", { base: 0x30be_0000, irq: 150 }),
    presetDevice("flash", { base: 0x30bb_0000, irq: 139 }),
    presetDevice("watchdog", { base: 0x3028_0000, irq: 110 }),
    presetDevice("can", { base: 0x308c_0000, irq: 174 }),
  ],
};

/**
 * The preset boards. Each call returns a fresh, validated spec; pass overrides to derive one.
 *
 * - `handset`: one ARM11-class core at 532 MHz (i.MX31-like), 256 KiB SRAM at 0x1FFC_0000,
 *   128 MiB DRAM at 0x8000_0000, 64 MiB flash at 0xA000_0000, a 64-line VIC; keypad (line 24),
 *   display (42), radio (18), uart (45), net (19), flash controller (33), watchdog (55); core
 *   timer on line 28.
 * - `automotive`: four Cortex-A53-class cores at 1.2 GHz (i.MX8M-like), 1 MiB SRAM at
 *   0x0090_0000, 1 GiB DRAM at 0x4000_0000, 256 MiB flash at 0x0800_0000, a 256-line GIC; the
 *   same devices on SPIs plus a CAN controller (174); core timers on PPI 30.
 *
 * @example Usage
 * ```ts
 * import { boards } from "./boards.ts";
 * import assert from "node:assert/strict";
 * const slow = boards.handset({ clockHz: 400_000_000, devices: { radio: { options: { jitterNs: 1_000 } } } });
 * assert.equal(slow.cores[0].clockHz, 400_000_000);
 * assert.throws(() => boards.handset({ clock: 1 } as never), /clock is not a valid key/);
 * ```
 */
export const boards: {
  /** The i.MX31-like handset, optionally derived. */
  handset(overrides?: BoardOverrides): BoardSpec;
  /** The i.MX8M-like automotive ECU, optionally derived. */
  automotive(overrides?: BoardOverrides): BoardSpec;
} = Object.freeze({
  handset: (overrides?: BoardOverrides) => derive(HANDSET, overrides),
  automotive: (overrides?: BoardOverrides) => derive(AUTOMOTIVE, overrides),
});
