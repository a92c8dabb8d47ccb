/**
 * A board as data, and its validation.
 *
 * @module
 */

import { hex } from "./_format.ts";
import { DEVICE_KINDS } from "./_device_kinds.ts";
import { BoardError } from "./board_error.ts";
import type { TriggerMode } from "./interrupt_controller.ts";
import type { RegionKind, RegionSpec } from "./physical_memory.ts";

/** The kinds of device a board can have. */
export type DeviceKind =
  | "keypad"
  | "display"
  | "radio"
  | "uart"
  | "net"
  | "flash"
  | "watchdog"
  | "can"
  | "timer";

/** One device of a board: its kind, register window, interrupt line and options. */
export interface DeviceSpec {
  /** A unique name; also the name of its interrupt line. */
  readonly name: string;
  /** What it is. */
  readonly kind: DeviceKind;
  /** The window's physical base; inside an mmio region. */
  readonly base: number;
  /** The window size in bytes. */
  readonly size: number;
  /** The interrupt line (GIC: an SPI, 32 and up). */
  readonly irq: number;
  /** The line's priority, 0..255, lower wins; default 0x80. */
  readonly priority?: number;
  /** The line's trigger; default `"edge"`. */
  readonly trigger?: TriggerMode;
  /** The core the line is routed to; default 0. */
  readonly targetCore?: number;
  /** Kind-specific options (timing etc.), documented on each device class. */
  readonly options?: Record<string, unknown>;
}

/** A whole board. */
export interface BoardSpec {
  /** The board's name, used in messages. */
  readonly name: string;
  /** One entry per core. */
  readonly cores: readonly { readonly clockHz: number }[];
  /** The physical memory map. */
  readonly memory: readonly RegionSpec[];
  /** The interrupt controller. */
  readonly interruptController: {
    readonly kind: "gic" | "vic";
    readonly lines: number;
    /**
     * The core timers' line: GIC default 30 (the generic timer's non-secure physical PPI,
     * banked per core); VIC default 28, and core k uses line timerLine + k.
     */
    readonly timerLine?: number;
    /** The core timers' priority; default 0x18. */
    readonly timerPriority?: number;
  };
  /** The devices. */
  readonly devices: readonly DeviceSpec[];
  /**
   * The kernel cost table measured on this kind of board, used unless a scenario picks one:
   * "handset" (ARM11 figures, the default) or "automotive" (Cortex-A53 figures).
   */
  readonly costs?: "handset" | "automotive";
}

const REGION_KINDS: readonly RegionKind[] = ["sram", "dram", "flash", "mmio"];
const MAX_LINES = 1020;

/**
 * The core timer line of a core on a board.
 *
 * @param spec The board.
 * @param core The core index.
 * @returns The line.
 *
 * @example Usage
 * ```ts
 * import { timerLineOf } from "./board_spec.ts";
 * import assert from "node:assert/strict";
 * const spec = { name: "b", cores: [{ clockHz: 1e9 }], memory: [], devices: [],
 *   interruptController: { kind: "gic" as const, lines: 64 } };
 * assert.equal(timerLineOf(spec, 0), 30);
 * ```
 */
export function timerLineOf(spec: BoardSpec, core: number): number {
  const ic = spec.interruptController;
  if (ic.kind === "gic") return ic.timerLine ?? 30;
  return (ic.timerLine ?? 28) + core;
}

function describeRegion(region: RegionSpec): string {
  return `"${region.name}" (${hex(region.base)}..${hex(region.base + region.size - 1)})`;
}

/**
 * Checks a board description and throws on the first problem, naming the field, the value and
 * what would be valid. Checked: a name; at least one core, each with a positive finite clock;
 * regions with unique names, a known kind, whole non-negative bases, positive whole sizes and
 * no overlaps; the controller's kind and line count; devices with unique names, a known kind,
 * only that kind's options, a window inside one mmio region that overlaps no other device and
 * is big enough for the kind, a unique line in the controller's range (GIC: SPIs, 32 and up)
 * that is not a core timer line, a priority in 0..255, a trigger, and an existing target core;
 * a flash region for each flash controller.
 *
 * @param spec The board.
 * @throws {BoardError} On the first problem found.
 *
 * @example Usage
 * ```ts
 * import { validateBoard } from "./board_spec.ts";
 * import { boards } from "./boards.ts";
 * import assert from "node:assert/strict";
 * validateBoard(boards.handset());
 * assert.throws(
 *   () => validateBoard({ ...boards.handset(), cores: [{ clockHz: 0 }] }),
 *   /cores\[0\].clockHz 0 is not a positive/,
 * );
 * ```
 */
export function validateBoard(spec: BoardSpec): void {
  const board = `Invalid board "${spec.name}"`;
  const fail = (field: string, detail: string): never => {
    throw new BoardError(`${board}: ${field} ${detail}`, field);
  };
  if (typeof spec.name !== "string" || spec.name.length === 0) {
    fail("name", `${JSON.stringify(spec.name)} is not a non-empty string`);
  }
  if (spec.costs !== undefined && spec.costs !== "handset" && spec.costs !== "automotive") {
    fail(
      "costs",
      `${JSON.stringify(spec.costs)} is not a cost table: valid are "handset", "automotive"`,
    );
  }

  // Cores.
  if (!Array.isArray(spec.cores) || spec.cores.length === 0) {
    fail("cores", "is empty, a board needs at least one core (e.g. [{ clockHz: 532_000_000 }])");
  }
  spec.cores.forEach((core, i) => {
    const hz = core?.clockHz;
    if (typeof hz !== "number" || !(hz > 0) || !Number.isFinite(hz)) {
      fail(`cores[${i}].clockHz`, `${hz} is not a positive finite number of hertz`);
    }
  });

  // Memory.
  const regions = spec.memory;
  const regionNames = new Map<string, number>();
  regions.forEach((region, i) => {
    const field = `memory[${i}]`;
    if (typeof region.name !== "string" || region.name.length === 0) {
      fail(`${field}.name`, `${JSON.stringify(region.name)} is not a non-empty string`);
    }
    if (regionNames.has(region.name)) {
      fail(
        `${field}.name`,
        `"${region.name}" is already the name of memory[${regionNames.get(region.name)}], ` +
          `region names must be unique`,
      );
    }
    regionNames.set(region.name, i);
    if (!REGION_KINDS.includes(region.kind)) {
      fail(
        `${field}.kind`,
        `"${region.kind}" is not a region kind, valid are ${REGION_KINDS.join(", ")}`,
      );
    }
    if (!Number.isSafeInteger(region.base) || region.base < 0) {
      fail(
        `${field}.base`,
        `${region.base} of region "${region.name}" is not a non-negative whole number`,
      );
    }
    if (!Number.isSafeInteger(region.size) || region.size <= 0) {
      fail(
        `${field}.size`,
        `${region.size} of region "${region.name}" is not a positive whole number of bytes`,
      );
    }
  });
  const sorted = regions.map((region, index) => ({ region, index }))
    .sort((a, b) => a.region.base - b.region.base);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1].region;
    const { region, index } = sorted[i];
    if (previous.base + previous.size > region.base) {
      fail(
        `memory[${index}].base`,
        `${hex(region.base)} of region "${region.name}" overlaps region ${
          describeRegion(previous)
        }; ` +
          `regions must not overlap`,
      );
    }
  }

  // Interrupt controller.
  const ic = spec.interruptController;
  if (ic?.kind !== "gic" && ic?.kind !== "vic") {
    fail("interruptController.kind", `"${ic?.kind}" is not "gic" or "vic"`);
  }
  const minLines = ic.kind === "gic" ? 33 : 1;
  if (!Number.isSafeInteger(ic.lines) || ic.lines < minLines || ic.lines > MAX_LINES) {
    fail(
      "interruptController.lines",
      `${ic.lines} is not a whole number in ${minLines}..${MAX_LINES}`,
    );
  }
  const timerLines = new Set(spec.cores.map((_, core) => timerLineOf(spec, core)));
  for (const line of timerLines) {
    const [low, high] = ic.kind === "gic" ? [16, 31] : [0, ic.lines - 1];
    if (!Number.isInteger(line) || line < low || line > high) {
      fail(
        "interruptController.timerLine",
        `${ic.timerLine} puts a core timer on line ${line}, valid ` +
          (ic.kind === "gic" ? "are PPIs 16..31" : `lines are 0..${ic.lines - 1} (for every core)`),
      );
    }
  }
  if (ic.timerPriority !== undefined && !isPriority(ic.timerPriority)) {
    fail("interruptController.timerPriority", `${ic.timerPriority} is not an integer in 0..255`);
  }

  // Devices.
  const deviceNames = new Map<string, number>();
  const lines = new Map<number, string>();
  for (const line of timerLines) lines.set(line, "the core timer");
  const placed: { name: string; base: number; end: number }[] = [];
  spec.devices.forEach((device, i) => {
    const field = `devices[${i}]`;
    if (typeof device.name !== "string" || device.name.length === 0) {
      fail(`${field}.name`, `${JSON.stringify(device.name)} is not a non-empty string`);
    }
    if (deviceNames.has(device.name)) {
      fail(
        `${field}.name`,
        `"${device.name}" is already the name of devices[${deviceNames.get(device.name)}], ` +
          `device names must be unique`,
      );
    }
    if (/^timer\d*$/.test(device.name) && device.kind !== "timer") {
      fail(
        `${field}.name`,
        `"${device.name}" is reserved for the core timer lines, pick another name`,
      );
    }
    deviceNames.set(device.name, i);
    const kind = DEVICE_KINDS[device.kind];
    if (kind === undefined || !Object.hasOwn(DEVICE_KINDS, device.kind)) {
      fail(
        `${field}.kind`,
        `"${device.kind}" of device "${device.name}" is not a device kind, valid are ` +
          Object.keys(DEVICE_KINDS).join(", "),
      );
    }
    const options = device.options ?? {};
    for (const key of Object.keys(options)) {
      if (!kind.options.includes(key)) {
        fail(
          `${field}.options.${key}`,
          `is not an option of a ${device.kind} device ("${device.name}"), valid are ` +
            (kind.options.length > 0 ? kind.options.join(", ") : "none"),
        );
      }
    }
    if (!Number.isSafeInteger(device.base) || device.base < 0) {
      fail(
        `${field}.base`,
        `${device.base} of device "${device.name}" is not a non-negative whole number`,
      );
    }
    if (!Number.isSafeInteger(device.size) || device.size <= 0) {
      fail(
        `${field}.size`,
        `${device.size} of device "${device.name}" is not a positive whole number of bytes`,
      );
    }
    const minimum = kind.minimumSize(options);
    if (device.size < minimum) {
      fail(
        `${field}.size`,
        `${hex(device.size)} of device "${device.name}" is too small, a ${device.kind} needs at ` +
          `least ${hex(minimum)} bytes`,
      );
    }
    const end = device.base + device.size;
    const region = regions.find((r) =>
      r.kind === "mmio" && device.base >= r.base && end <= r.base + r.size
    );
    if (region === undefined) {
      const mmio = regions.filter((r) => r.kind === "mmio").map(describeRegion);
      fail(
        `${field}.base`,
        `${hex(device.base)}..${hex(end - 1)} of device "${device.name}" is not inside one mmio ` +
          `region, valid are ${
            mmio.length > 0 ? mmio.join(", ") : "none (add a region of kind mmio)"
          }`,
      );
    }
    for (const other of placed) {
      if (device.base < other.end && other.base < end) {
        fail(
          `${field}.base`,
          `${hex(device.base)}..${hex(end - 1)} of device "${device.name}" overlaps device ` +
            `"${other.name}" (${hex(other.base)}..${hex(other.end - 1)})`,
        );
      }
    }
    placed.push({ name: device.name, base: device.base, end });
    const [low, high] = ic.kind === "gic" ? [32, ic.lines - 1] : [0, ic.lines - 1];
    if (!Number.isInteger(device.irq) || device.irq < low || device.irq > high) {
      fail(
        `${field}.irq`,
        `${device.irq} of device "${device.name}" is outside the interrupt controller's lines, ` +
          `valid are ${low}..${high}` + (ic.kind === "gic" ? " (SPIs)" : ""),
      );
    }
    const owner = lines.get(device.irq);
    if (owner !== undefined) {
      fail(
        `${field}.irq`,
        `${device.irq} of device "${device.name}" is already used by ${owner}, lines must be unique`,
      );
    }
    lines.set(device.irq, `device "${device.name}"`);
    if (device.priority !== undefined && !isPriority(device.priority)) {
      fail(
        `${field}.priority`,
        `${device.priority} of device "${device.name}" is not an integer in 0..255`,
      );
    }
    if (device.trigger !== undefined && device.trigger !== "edge" && device.trigger !== "level") {
      fail(
        `${field}.trigger`,
        `"${device.trigger}" of device "${device.name}" is not "edge" or "level"`,
      );
    }
    if (
      device.targetCore !== undefined &&
      (!Number.isInteger(device.targetCore) || device.targetCore < 0 ||
        device.targetCore >= spec.cores.length)
    ) {
      fail(
        `${field}.targetCore`,
        `${device.targetCore} of device "${device.name}" is not a core, valid are ` +
          `0..${spec.cores.length - 1}`,
      );
    }
    if (device.kind === "flash") {
      const wanted = options.region as string | undefined;
      const flash = regions.find((r) =>
        r.kind === "flash" && (wanted === undefined || r.name === wanted)
      );
      if (flash === undefined) {
        const names = regions.filter((r) => r.kind === "flash").map((r) => `"${r.name}"`);
        fail(
          `${field}.options.region`,
          `${wanted === undefined ? "(any)" : `"${wanted}"`} names no flash region for device ` +
            `"${device.name}", flash regions are ${names.length > 0 ? names.join(", ") : "none"}`,
        );
      }
    }
  });
}

function isPriority(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 255;
}
