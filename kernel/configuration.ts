/**
 * Configuration: creating cells and shared sections, and granting cells capabilities to
 * sections, devices, memory windows and signals, each window mapped into the cell's address
 * space at the next free guest address of its area.
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/physical_memory.ts";
import type { KernelState } from "./_kernel_state.ts";
import { Capability, type CapabilityType } from "./objects/capability.ts";
import type { CellOptions } from "./microvisor.ts";
import { Cell } from "./objects/cell.ts";
import { SchedulingContext } from "./objects/scheduling_context.ts";
import { Section } from "./objects/section.ts";
import { Vcpu } from "./objects/vcpu.ts";

/** Guest address where device windows start. */
export const DEVICE_WINDOW_BASE = 0x4000_0000;
/** Guest address where shared sections start. */
export const SECTION_WINDOW_BASE = 0x6000_0000;

/**
 * A cell by name.
 *
 * @param kernel The kernel.
 * @param name The cell's name.
 * @returns The cell.
 * @throws {RangeError} If there is no such cell.
 */
export function findCell(kernel: KernelState, name: string): Cell {
  const cell = kernel.cells.get(name);
  if (cell === undefined) {
    throw new RangeError(
      `Unknown cell "${name}": cells are ${
        [...kernel.cells.keys()].map((n) => `"${n}"`).join(", ") || "none"
      }`,
    );
  }
  return cell;
}

/**
 * Creates a cell in state `loaded`: its address space, capability table and vCPUs.
 *
 * @param kernel The kernel.
 * @param options Name, image, RAM and vCPUs.
 * @returns The cell.
 * @throws {RangeError} For a duplicate name, bad priority, affinity, budget or RAM size.
 */
export function createCell(kernel: KernelState, options: CellOptions): Cell {
  const name = options.name;
  if (kernel.cells.has(name)) throw new RangeError(`Cannot create cell "${name}": name is taken`);
  if (
    !Number.isSafeInteger(options.ramBytes) || options.ramBytes <= 0 ||
    options.ramBytes % PAGE_SIZE !== 0
  ) {
    throw new RangeError(
      `Cannot create cell "${name}": ramBytes ${options.ramBytes} must be a positive multiple of 4096`,
    );
  }
  if (options.vcpus.length === 0) {
    throw new RangeError(`Cannot create cell "${name}": it needs at least one vCPU`);
  }
  const cell = new Cell({
    name,
    image: options.image ?? { name, version: "1.0" },
    ramBytes: options.ramBytes,
  });
  cell.faultPolicy = options.faultPolicy ?? "deliver";
  const cores = kernel.cores.length;
  options.vcpus.forEach((spec, index) => {
    if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 255) {
      throw new RangeError(
        `Cannot create cell "${name}": vCPU ${index} priority ${spec.priority} is not an integer in 0..255`,
      );
    }
    const affinity = spec.affinity ?? 0;
    if (!Number.isInteger(affinity) || affinity < 0 || affinity >= cores) {
      throw new RangeError(
        `Cannot create cell "${name}": vCPU ${index} affinity ${affinity} is not a core of ` +
          `board "${kernel.board.name}" (valid: 0..${cores - 1})`,
      );
    }
    const vcpu = new Vcpu({ name: `${name}.${index}`, priority: spec.priority, affinity });
    vcpu.id = kernel.vcpuCount++;
    vcpu.cell = cell;
    if (spec.budgetNs !== undefined || spec.periodNs !== undefined) {
      vcpu.sc = new SchedulingContext({
        budgetNs: spec.budgetNs ?? spec.periodNs!,
        periodNs: spec.periodNs ?? spec.budgetNs!,
      });
    }
    cell.vcpus.push(vcpu);
    cell.programs.push(spec.program);
  });
  kernel.cells.set(name, cell);
  kernel.emit("cell.create", name, { ramBytes: cell.ramBytes, vcpus: cell.vcpus.length });
  return cell;
}

/**
 * Grants a capability to an object to a cell.
 *
 * @param cell The receiving cell.
 * @param type The capability type.
 * @param object The kernel object.
 * @param options Rights, the name the guest finds it by, and a badge.
 * @returns The index in the cell's table.
 */
export function grant(
  cell: Cell,
  type: CapabilityType,
  object: unknown,
  options: { rights: readonly string[]; name: string; badge?: number },
): number {
  return cell.caps.insert(
    new Capability(type, object, options.rights, options.badge ?? 0),
    options.name,
  );
}

/**
 * Creates a shared section of fresh frames.
 *
 * @param kernel The kernel.
 * @param name Unique name.
 * @param bytes Size, a multiple of 4 KiB.
 * @returns The section.
 * @throws {RangeError} If the name is taken, the size is bad or DRAM is short.
 */
export function createSection(kernel: KernelState, name: string, bytes: number): Section {
  if (kernel.sections.has(name)) {
    throw new RangeError(`Cannot create section "${name}": name is taken`);
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
    throw new RangeError(
      `Cannot create section "${name}": bytes ${bytes} must be a positive multiple of 4096`,
    );
  }
  const frames = kernel.frames.allocate(bytes / PAGE_SIZE);
  if (frames === undefined) {
    throw new RangeError(`Cannot create section "${name}": ${bytes} bytes exceed free DRAM`);
  }
  const section = new Section(name, frames);
  kernel.sections.set(name, section);
  return section;
}

/**
 * Maps a section into a cell under a section capability, at the cell's next section window.
 *
 * @param cell The cell.
 * @param section The section.
 * @param rights Any of read, write, execute, map.
 * @returns The capability index.
 */
export function grantSection(cell: Cell, section: Section, rights: readonly string[]): number {
  const index = grant(cell, "section", section, { rights, name: `section:${section.name}` });
  mapSection(cell, section, nextWindow(cell, SECTION_WINDOW_BASE), rights);
  return index;
}

/**
 * Maps a device's MMIO window into a cell under a device capability.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @param deviceName The device.
 * @param rights Any of read, write, map.
 * @returns The capability index.
 */
export function grantDevice(
  kernel: KernelState,
  cell: Cell,
  deviceName: string,
  rights: readonly string[],
): number {
  const device = kernel.board.device(deviceName);
  const size = Math.ceil(device.size / PAGE_SIZE) * PAGE_SIZE;
  const base = nextWindow(cell, DEVICE_WINDOW_BASE);
  for (let offset = 0; offset < size; offset += PAGE_SIZE) {
    cell.space.map(base + offset, {
      frame: device.base + offset,
      read: rights.includes("read"),
      write: rights.includes("write"),
      execute: false,
      kind: "device",
      object: deviceName,
    });
  }
  cell.windows.set(deviceName, { base, size: device.size });
  return grant(cell, "device", device, { rights, name: `device:${deviceName}` });
}

/**
 * Maps a physical range that is not RAM into a cell as a named window, with rights.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @param name The window's name.
 * @param options Physical base (page aligned), bytes, and rights (read, write, execute).
 * @returns The window's guest address.
 * @throws {RangeError} If the range is not page aligned, not in one flash or SRAM region, or
 * the name is taken.
 */
export function grantMemoryWindow(
  kernel: KernelState,
  cell: Cell,
  name: string,
  options: { physical: number; bytes: number; rights: readonly string[] },
): number {
  const { physical, bytes, rights } = options;
  const region = kernel.board.memory.regionAt(physical);
  if (
    physical % PAGE_SIZE !== 0 || bytes <= 0 || bytes % PAGE_SIZE !== 0 || region === undefined ||
    (region.kind !== "flash" && region.kind !== "sram") ||
    physical + bytes > region.base + region.size
  ) {
    throw new RangeError(
      `Cannot map window "${name}" into cell "${cell.name}": 0x${physical.toString(16)} + ` +
        `${bytes} bytes must be page aligned and inside one flash or SRAM region`,
    );
  }
  if (cell.windows.has(name)) {
    throw new RangeError(`Cannot map window "${name}" into cell "${cell.name}": name is taken`);
  }
  const base = nextWindow(cell, DEVICE_WINDOW_BASE);
  for (let offset = 0; offset < bytes; offset += PAGE_SIZE) {
    cell.space.map(base + offset, {
      frame: physical + offset,
      read: rights.includes("read"),
      write: rights.includes("write"),
      execute: rights.includes("execute"),
      kind: "device",
      object: name,
    });
  }
  cell.windows.set(name, { base, size: bytes });
  return base;
}

/**
 * Lets one cell raise a vIRQ in another.
 *
 * @param from The signalling cell.
 * @param to The signalled cell.
 * @param name The vIRQ's name in the receiver.
 * @returns The capability index in the sender, named `signal:TO:NAME`.
 */
export function grantSignal(from: Cell, to: Cell, name: string): number {
  const virq = to.virq(name);
  return grant(from, "virq", { cell: to, virq }, {
    rights: ["signal"],
    name: `signal:${to.name}:${name}`,
  });
}

/**
 * Maps a section's frames at a guest address and records the window.
 *
 * @param cell The cell.
 * @param section The section.
 * @param address Page-aligned guest address.
 * @param rights The capability's rights.
 */
export function mapSection(
  cell: Cell,
  section: Section,
  address: number,
  rights: readonly string[],
): void {
  section.frames.forEach((frame, i) => {
    cell.space.map(address + i * PAGE_SIZE, {
      frame,
      read: rights.includes("read"),
      write: rights.includes("write"),
      execute: rights.includes("execute"),
      kind: "section",
      object: section.name,
    });
  });
  cell.windows.set(section.name, { base: address, size: section.bytes });
}

/** The first guest address past every window of a cell in the 512 MiB area at `base`. */
function nextWindow(cell: Cell, base: number): number {
  let next = base;
  for (const window of cell.windows.values()) {
    if (window.base >= base && window.base < base + 0x2000_0000) {
      next = Math.max(next, window.base + Math.ceil(window.size / PAGE_SIZE) * PAGE_SIZE);
    }
  }
  return next;
}
