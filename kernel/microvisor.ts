/**
 * The microvisor: the only privileged code. It owns the cores, schedules vCPUs by priority and
 * budget, takes hardware interrupts and turns them into virtual IRQs, checks capabilities on
 * every hypercall, maps frames, and charges every path from the cost model.
 *
 * @module
 */

import type { Board } from "../hw/board.ts";
import type { Engine } from "../hw/engine.ts";
import { SPURIOUS_INTERRUPT } from "../hw/interrupt_controller.ts";
import type { InterruptController } from "../hw/interrupt_controller.ts";
import { PAGE_SIZE } from "../hw/physical_memory.ts";
import { cyclesToNs, nsToCycles } from "../hw/time.ts";
import type { TraceBus, TraceRecord, TraceValue } from "../hw/trace_bus.ts";
import type { DeliveredVirq, GuestError, Operation, OperationResult } from "./abi.ts";
import { CostModel, type CostTable, HANDSET_COSTS } from "./cost_model.ts";
import { FrameAllocator } from "./frame_allocator.ts";
import { footprint, FootprintError, type FootprintReport } from "./footprint.ts";
import { BLOCKED } from "./_hypercall.ts";
import { decodeHypercall } from "./hypercalls.ts";
import { invariant } from "./invariant.ts";
import { Capability, type CapabilityType } from "./objects/capability.ts";
import {
  Cell,
  type CellImage,
  type FaultPolicy,
  type GuestContext,
  type ProgramFactory,
} from "./objects/cell.ts";
import { Channel } from "./objects/channel.ts";
import { Endpoint } from "./objects/endpoint.ts";
import { SchedulingContext } from "./objects/scheduling_context.ts";
import { Section } from "./objects/section.ts";
import { type BlockReason, Vcpu } from "./objects/vcpu.ts";
import { FixedPriorityPolicy, type PolicyHost, type SchedulingPolicy } from "./scheduler.ts";

/** Guest address where device windows start. */
export const DEVICE_WINDOW_BASE = 0x4000_0000;
/** Guest address where shared sections start. */
export const SECTION_WINDOW_BASE = 0x6000_0000;

/** Options of the {@linkcode Microvisor}. */
export interface MicrovisorOptions {
  /** The cost table; default the handset table. */
  readonly costs?: CostTable;
  /** The scheduling policy; default fixed priority with 10 ms round-robin slices. */
  readonly policy?: SchedulingPolicy;
  /** Zero-time operations a vCPU may make in a row before the run is stopped as a livelock. */
  readonly zeroTimeOperationsMax?: number;
  /**
   * Scheduling-context donation on call (seL4 MCS, NOVA): a server that receives a call runs on
   * the caller's scheduling context and priority until it replies, charged to the caller.
   * Default off (OKL4: a server runs on its own).
   */
  readonly donation?: boolean;
  /**
   * With donation: a server that exhausts a donated budget raises a timeout fault (trace
   * "sc.timeout"): the call is aborted with a `Timeout` error to the caller and the server goes
   * on with its own context. Default off (the server waits for the caller's refill).
   */
  readonly timeoutFaults?: boolean;
  /** The kernel image for the footprint: bytes and where it lives; default 64 KiB in SRAM. */
  readonly image?: { readonly bytes: number; readonly placement: "sram" | "dram" };
}

/** One vCPU of a cell being created. */
export interface VcpuOptions {
  /** Base priority 0-255 (higher runs first). */
  readonly priority: number;
  /** The core it runs on; default 0. */
  readonly affinity?: number;
  /** Budget per period (sporadic server); omit for an unbudgeted vCPU. */
  readonly budgetNs?: number;
  /** Period of the budget. */
  readonly periodNs?: number;
  /** The guest program started on this vCPU. */
  readonly program: ProgramFactory;
}

/** Options of {@linkcode Microvisor.createCell}. */
export interface CellOptions {
  /** Unique cell name. */
  readonly name: string;
  /** The image; default `{ name, version: "1.0" }`. */
  readonly image?: CellImage;
  /** RAM quota in bytes, a multiple of 4 KiB. */
  readonly ramBytes: number;
  /** The vCPUs. */
  readonly vcpus: readonly VcpuOptions[];
  /** What a fault does; default deliver it to the guest as an error. */
  readonly faultPolicy?: FaultPolicy;
}

/** Per-core kernel state. */
interface CoreSlot {
  readonly index: number;
  readonly clockHz: number;
  current: Vcpu | undefined;
  lastCell: Cell | undefined;
  busy: boolean;
  inRun: boolean;
  segment: number;
  segmentStart: number;
  segmentEndsAt: number;
  segmentReason: "compute" | "budget" | "slice" | "policy";
  sliceEndsAt: number;
  readonly work: (() => void)[];
  readonly onSegmentEnd: () => void;
  zeroTimeOperations: number;
  idle: boolean;
  ipisInFlight: number;
}

/** Where a hardware line is routed. */
interface IrqRoute {
  cell: Cell;
  vcpu: Vcpu;
  virq: number;
  capability: Capability;
}

const COMPUTE_DONE: OperationResult = Object.freeze({
  ok: true,
  value: Object.freeze({ remainingCycles: 0, virqs: Object.freeze([]) }),
});

/** A message in a channel with its send time (the time never reaches the receiver). */
interface TimedMessage {
  readonly bytes: Uint8Array;
  readonly badge: number;
  readonly sentAt: number;
  /** A run-unique id, so traces can draw a flow from the send to the receive. */
  readonly id: number;
}

/**
 * The microvisor kernel model on a board.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "../hw/engine.ts";
 * import { Board } from "../hw/board.ts";
 * import { boards } from "../hw/boards.ts";
 * import { Microvisor } from "./microvisor.ts";
 * import assert from "node:assert/strict";
 * const engine = new Engine();
 * const kernel = new Microvisor(new Board(engine, boards.handset()));
 * const cell = kernel.createCell({
 *   name: "app",
 *   ramBytes: 64 * 1024,
 *   vcpus: [{ priority: 100, *program() { yield { op: "compute", cycles: 532_000 }; } }],
 * });
 * kernel.start(cell);
 * engine.run({ until: 10_000_000 });
 * assert.equal(cell.vcpus[0].state, "halted");
 * assert.equal(cell.vcpus[0].runNs, 1_000_000);
 * ```
 */
export class Microvisor {
  /** The board. */
  readonly board: Board;
  /** The engine. */
  readonly engine: Engine;
  /** The cost model. */
  readonly costs: CostModel;
  /** The scheduling policy. */
  readonly policy: SchedulingPolicy;
  /** The free frame pool (DRAM). */
  readonly frames: FrameAllocator;
  readonly #trace: TraceBus;
  readonly #interrupts: InterruptController;
  readonly #cores: CoreSlot[];
  readonly #cells = new Map<string, Cell>();
  readonly #routes = new Map<number, IrqRoute>();
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #channels = new Map<string, Channel>();
  readonly #sections = new Map<string, Section>();
  readonly #zeroTimeMax: number;
  #vcpuCount = 0;
  #messageIds = 0;
  #activeCore = -1;
  readonly #donation: boolean;
  readonly #timeoutFaults: boolean;
  readonly #image: { readonly bytes: number; readonly placement: "sram" | "dram" } | undefined;
  #irqVia: Cell | undefined;
  readonly #forwarded = new Map<number, number>();
  /** Nanoseconds each core spent in kernel paths. */
  readonly kernelNs: number[];

  /**
   * Boots the kernel on a board.
   *
   * @param board The board.
   * @param options Cost table and scheduling policy.
   */
  constructor(board: Board, options: MicrovisorOptions = {}) {
    this.board = board;
    this.engine = board.engine;
    this.#trace = board.engine.trace;
    this.#interrupts = board.interrupts;
    this.costs = new CostModel(options.costs ?? HANDSET_COSTS);
    this.policy = options.policy ?? new FixedPriorityPolicy();
    this.policy.init(board.cores.length);
    this.#donation = options.donation === true;
    this.#timeoutFaults = options.timeoutFaults === true;
    this.#image = options.image;
    this.#zeroTimeMax = options.zeroTimeOperationsMax ?? 100_000;
    const dram = board.memory.regions.find((region) => region.kind === "dram");
    invariant(dram !== undefined, "a board has DRAM");
    this.frames = new FrameAllocator(dram.base, dram.size);
    this.kernelNs = board.cores.map(() => 0);
    this.#cores = board.cores.map((core) => {
      const slot: CoreSlot = {
        index: core.index,
        clockHz: core.clockHz,
        current: undefined,
        lastCell: undefined,
        busy: false,
        inRun: false,
        segment: -1,
        segmentStart: 0,
        segmentEndsAt: 0,
        segmentReason: "compute",
        sliceEndsAt: 0,
        work: [],
        onSegmentEnd: () => this.#onSegmentEnd(slot),
        zeroTimeOperations: 0,
        idle: true,
        ipisInFlight: 0,
      };
      return slot;
    });
    for (const core of this.#cores) {
      this.#interrupts.connect(core.index, () => this.#kick(core));
    }
    this.policy.attach?.(this.#policyHost());
  }

  #policyHost(): PolicyHost {
    return {
      now: () => this.engine.now,
      requestDecision: (core, at, work) => {
        this.timer(core, Math.max(at, this.engine.now), work ?? (() => {}));
      },
      running: (core) => {
        const current = this.#cores[core].current;
        return current?.state === "running" ? current : undefined;
      },
      unaccountedNs: (vcpu) => {
        const core = this.#cores[vcpu.affinity];
        return core.current === vcpu && core.segment >= 0 ? this.engine.now - core.segmentStart : 0;
      },
      emit: (kind, fields) => this.#emit(kind, "kernel", fields),
    };
  }

  /**
   * What a core is doing, for invariant checks: its running vCPU, and whether it is in a kernel
   * path (or has an IPI or kernel work in flight) so its scheduling decision is not yet final.
   *
   * @param index The core.
   * @returns The vCPU on the core and whether the kernel is busy there.
   * @throws {RangeError} If there is no such core.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "../hw/engine.ts";
   * import { Board } from "../hw/board.ts";
   * import { boards } from "../hw/boards.ts";
   * import { Microvisor } from "./microvisor.ts";
   * import assert from "node:assert/strict";
   * const kernel = new Microvisor(new Board(new Engine(), boards.handset()));
   * assert.deepEqual(kernel.inspectCore(0), { current: undefined, busy: false });
   * ```
   */
  inspectCore(index: number): { current: Vcpu | undefined; busy: boolean } {
    const core = this.#cores[index];
    if (core === undefined) {
      throw new RangeError(
        `Cannot inspect core ${index}: valid cores are 0..${this.#cores.length - 1}`,
      );
    }
    const current = core.current?.state === "running" ? core.current : undefined;
    return {
      current,
      busy: core.busy || core.inRun || core.ipisInFlight > 0 || core.work.length > 0,
    };
  }

  // ---------------------------------------------------------------- configuration

  /** Every cell by name. */
  get cells(): ReadonlyMap<string, Cell> {
    return this.#cells;
  }

  /**
   * A cell by name.
   *
   * @param name The cell's name.
   * @returns The cell.
   * @throws {RangeError} If there is no such cell.
   */
  cell(name: string): Cell {
    const cell = this.#cells.get(name);
    if (cell === undefined) {
      throw new RangeError(
        `Unknown cell "${name}": cells are ${
          [...this.#cells.keys()].map((n) => `"${n}"`).join(", ") || "none"
        }`,
      );
    }
    return cell;
  }

  /**
   * Creates a cell in state `loaded`: its address space, capability table and vCPUs. RAM
   * frames are taken and mapped when it starts.
   *
   * @param options Name, image, RAM and vCPUs.
   * @returns The cell.
   * @throws {RangeError} For a duplicate name, bad priority, affinity, budget or RAM size.
   */
  createCell(options: CellOptions): Cell {
    const name = options.name;
    if (this.#cells.has(name)) throw new RangeError(`Cannot create cell "${name}": name is taken`);
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
    options.vcpus.forEach((spec, index) => {
      if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 255) {
        throw new RangeError(
          `Cannot create cell "${name}": vCPU ${index} priority ${spec.priority} is not an integer in 0..255`,
        );
      }
      const affinity = spec.affinity ?? 0;
      if (!Number.isInteger(affinity) || affinity < 0 || affinity >= this.#cores.length) {
        throw new RangeError(
          `Cannot create cell "${name}": vCPU ${index} affinity ${affinity} is not a core of ` +
            `board "${this.board.name}" (valid: 0..${this.#cores.length - 1})`,
        );
      }
      const vcpu = new Vcpu({ name: `${name}.${index}`, priority: spec.priority, affinity });
      vcpu.id = this.#vcpuCount++;
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
    this.#cells.set(name, cell);
    this.#emit("cell.create", name, { ramBytes: cell.ramBytes, vcpus: cell.vcpus.length });
    return cell;
  }

  /**
   * Gives a cell ownership of a hardware IRQ line through an IRQ capability. A line has
   * exactly one owner.
   *
   * @param cell The owner.
   * @param line The line number or the name of the device that raises it.
   * @param options The vCPU (default 0), the vIRQ and capability names (default the line's name).
   * @returns The capability index in the cell's table.
   * @throws {RangeError} If the line is unknown or already owned.
   */
  grantIrq(
    cell: Cell,
    line: number | string,
    options: { vcpu?: number; name?: string; standby?: boolean } = {},
  ): number {
    const number = typeof line === "number" ? line : this.board.irqLine(line);
    const existing = this.#routes.get(number);
    if (options.standby === true) {
      // A standby instance (FOTA) holds the capability now; the line is routed to it only by
      // an atomic switchService(), and acknowledging it before then is refused.
      const name = options.name ?? (typeof line === "string" ? line : `irq${number}`);
      cell.virq(name);
      return cell.caps.insert(new Capability("irq", { line: number }, ["ack"]), `irq:${name}`);
    }
    if (existing !== undefined) {
      throw new RangeError(
        `Cannot give IRQ line ${number} to cell "${cell.name}": it is owned by cell "${existing.cell.name}"`,
      );
    }
    const name = options.name ?? (typeof line === "string" ? line : `irq${number}`);
    const vcpu = cell.vcpus[options.vcpu ?? 0];
    if (vcpu === undefined) {
      throw new RangeError(`Cannot give IRQ to cell "${cell.name}": no vCPU ${options.vcpu}`);
    }
    const capability = new Capability("irq", { line: number }, ["ack"]);
    const route: IrqRoute = { cell, vcpu, virq: cell.virq(name), capability };
    this.#routes.set(number, route);
    this.#interrupts.setTarget(number, vcpu.affinity);
    this.#interrupts.enable(number);
    return cell.caps.insert(capability, `irq:${name}`);
  }

  /**
   * The cell owning a hardware line, if any.
   *
   * @param line The line.
   * @returns The owner's name.
   */
  irqOwner(line: number): string | undefined {
    return this.#routes.get(line)?.cell.name;
  }

  /**
   * Creates a synchronous endpoint.
   *
   * @param name Unique endpoint name.
   * @returns The endpoint.
   */
  createEndpoint(name: string): Endpoint {
    if (this.#endpoints.has(name)) {
      throw new RangeError(`Cannot create endpoint "${name}": name is taken`);
    }
    const endpoint = new Endpoint(name);
    this.#endpoints.set(name, endpoint);
    return endpoint;
  }

  /**
   * Creates an asynchronous channel from one cell to another, giving the sender a send
   * capability and the receiver a receive capability and a vIRQ named `channel:NAME`.
   *
   * @param options Name, cells, queue slots and maximum message size (≤ 2 KiB).
   * @returns The channel and both capability indices.
   */
  createChannel(
    options: { name: string; from: Cell; to: Cell; slots: number; maxBytes: number },
  ): { channel: Channel; sendCap: number; receiveCap: number } {
    const { name, from, to, slots, maxBytes } = options;
    if (this.#channels.has(name)) {
      throw new RangeError(`Cannot create channel "${name}": name is taken`);
    }
    if (!Number.isInteger(slots) || slots < 1 || slots > 4096) {
      throw new RangeError(
        `Cannot create channel "${name}": slots ${slots} is not an integer in 1..4096`,
      );
    }
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 2048) {
      throw new RangeError(
        `Cannot create channel "${name}": maxBytes ${maxBytes} is not an integer in 1..2048`,
      );
    }
    const channel = new Channel({ name, slots, maxBytes });
    channel.receiver = to;
    channel.receiverVirq = to.virq(`channel:${name}`);
    this.#channels.set(name, channel);
    const sendCap = from.caps.insert(
      new Capability("channel", channel, ["send"], from.vcpus[0].id + 1),
      `send:${name}`,
    );
    const receiveCap = to.caps.insert(
      new Capability("channel", channel, ["receive"]),
      `receive:${name}`,
    );
    return { channel, sendCap, receiveCap };
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
  grant(
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
   * @param name Unique name.
   * @param bytes Size, a multiple of 4 KiB.
   * @returns The section.
   */
  createSection(name: string, bytes: number): Section {
    if (this.#sections.has(name)) {
      throw new RangeError(`Cannot create section "${name}": name is taken`);
    }
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
      throw new RangeError(
        `Cannot create section "${name}": bytes ${bytes} must be a positive multiple of 4096`,
      );
    }
    const frames = this.frames.allocate(bytes / PAGE_SIZE);
    if (frames === undefined) {
      throw new RangeError(`Cannot create section "${name}": ${bytes} bytes exceed free DRAM`);
    }
    const section = new Section(name, frames);
    this.#sections.set(name, section);
    return section;
  }

  /**
   * Maps a section into a cell under a section capability.
   *
   * @param cell The cell.
   * @param section The section.
   * @param rights Any of read, write, execute, map.
   * @returns The capability index; the window is `cell.windows.get(section.name)`.
   */
  grantSection(cell: Cell, section: Section, rights: readonly string[]): number {
    const index = this.grant(cell, "section", section, { rights, name: `section:${section.name}` });
    this.#mapSection(
      cell,
      section,
      this.#nextWindow(cell, SECTION_WINDOW_BASE, section.bytes),
      rights,
    );
    return index;
  }

  /**
   * Maps a device's MMIO window into a cell under a device capability.
   *
   * @param cell The cell.
   * @param deviceName The device.
   * @param rights Any of read, write, map.
   * @returns The capability index; the window is `cell.windows.get(deviceName)`.
   */
  grantDevice(
    cell: Cell,
    deviceName: string,
    rights: readonly string[] = ["read", "write"],
  ): number {
    const device = this.board.device(deviceName);
    const size = Math.ceil(device.size / PAGE_SIZE) * PAGE_SIZE;
    const base = this.#nextWindow(cell, DEVICE_WINDOW_BASE, size);
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
    return this.grant(cell, "device", device, { rights, name: `device:${deviceName}` });
  }

  /**
   * Maps a physical range that is not RAM (e.g. a flash slot holding an image) into a cell as
   * a named window, with rights; the window is `cell.windows.get(name)`.
   *
   * @param cell The cell.
   * @param name The window's name.
   * @param options Physical base (page aligned), bytes, and rights (read, write, execute).
   * @returns The window's guest address.
   * @throws {RangeError} If the range is not page aligned, not in one flash or SRAM region, or
   * the name is taken.
   */
  grantMemoryWindow(
    cell: Cell,
    name: string,
    options: { physical: number; bytes: number; rights: readonly string[] },
  ): number {
    const { physical, bytes, rights } = options;
    const region = this.board.memory.regionAt(physical);
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
    const base = this.#nextWindow(cell, DEVICE_WINDOW_BASE, bytes);
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
   * Gives one cell control over another (used by a device manager for wipe and FOTA).
   *
   * @param holder The controlling cell.
   * @param target The controlled cell.
   * @param rights Lifecycle rights.
   * @returns The capability index, named `cell:TARGET`.
   */
  grantCellControl(holder: Cell, target: Cell, rights: readonly string[]): number {
    return this.grant(holder, "cell", target, { rights, name: `cell:${target.name}` });
  }

  /**
   * Lets one cell raise a vIRQ in another.
   *
   * @param from The signalling cell.
   * @param to The signalled cell.
   * @param name The vIRQ's name in the receiver.
   * @returns The capability index in the sender, named `signal:TO:NAME`.
   */
  grantSignal(from: Cell, to: Cell, name: string): number {
    const virq = to.virq(name);
    return this.grant(from, "virq", { cell: to, virq }, {
      rights: ["signal"],
      name: `signal:${to.name}:${name}`,
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts a loaded, stopped or wiped cell: takes and maps its RAM if needed, starts every
   * vCPU's program from the beginning.
   *
   * @param cell The cell.
   * @returns An error if the cell cannot start, else `undefined`.
   */
  start(cell: Cell): GuestError | undefined {
    if (cell.state === "running" || cell.state === "suspended") {
      return { kind: "IllegalState", message: `cell "${cell.name}" is already ${cell.state}` };
    }
    if (cell.state === "destroyed") {
      return { kind: "IllegalState", message: `cell "${cell.name}" was destroyed` };
    }
    if (cell.frames.length === 0) {
      const frames = this.frames.allocate(cell.ramBytes / PAGE_SIZE);
      if (frames === undefined) {
        return {
          kind: "IllegalState",
          message: `cell "${cell.name}" needs ${cell.ramBytes} bytes of RAM; ${
            this.frames.freeFrames * PAGE_SIZE
          } free`,
        };
      }
      cell.frames = frames;
      frames.forEach((frame, i) => {
        cell.space.map(i * PAGE_SIZE, {
          frame,
          read: true,
          write: true,
          execute: true,
          kind: "ram",
        });
      });
    }
    this.#setState(cell, "running");
    cell.vcpus.forEach((vcpu, index) => {
      vcpu.program = cell.programs[index](this.#context(cell, index));
      vcpu.pendingResult = { ok: true, value: undefined };
      vcpu.pendingOp = undefined;
      vcpu.computeRemaining = 0;
      vcpu.priority = vcpu.basePriority;
      vcpu.virqInterrupts = false;
      this.makeReady(vcpu);
    });
    return undefined;
  }

  /**
   * Stops a cell: halts its vCPUs, drops their timers and IPC state; callers waiting on them
   * get `PeerStopped`. Memory is kept.
   *
   * @param cell The cell.
   */
  stop(cell: Cell): void {
    for (const vcpu of cell.vcpus) this.#halt(vcpu);
    for (const channel of this.#channels.values()) if (channel.receiver === cell) channel.clear();
    if (cell.state !== "wiped" && cell.state !== "destroyed") this.#setState(cell, "stopped");
  }

  /**
   * Suspends a running cell: its vCPUs stop being scheduled but keep their state.
   *
   * @param cell The cell.
   */
  suspend(cell: Cell): void {
    if (cell.state !== "running") return;
    for (const vcpu of cell.vcpus) {
      if (vcpu.state === "ready") this.policy.remove(vcpu);
      if (vcpu.state === "ready" || vcpu.state === "running") {
        this.#leaveCore(vcpu);
        vcpu.state = "blocked";
        vcpu.blockedOn = "suspended";
      }
    }
    this.#setState(cell, "suspended");
  }

  /**
   * Resumes a suspended cell.
   *
   * @param cell The cell.
   */
  resume(cell: Cell): void {
    if (cell.state !== "suspended") return;
    this.#setState(cell, "running");
    for (const vcpu of cell.vcpus) if (vcpu.blockedOn === "suspended") this.makeReady(vcpu);
  }

  /**
   * Zeroizes a stopped cell: every RAM frame is zeroed, unmapped and returned to the free pool.
   *
   * @param cell The cell.
   * @returns How many frames were zeroed.
   */
  zeroize(cell: Cell): number {
    // A destroyed cell stays destroyed (zeroizing it again must not make it startable).
    if (cell.state === "destroyed") return 0;
    if (cell.state === "running" || cell.state === "suspended") this.stop(cell);
    const frames = cell.frames;
    for (const frame of frames) this.board.memory.zero(frame, PAGE_SIZE);
    for (const [address, mapping] of cell.space.entries()) {
      if (mapping.kind === "ram") cell.space.unmap(address);
    }
    this.frames.free(frames);
    cell.frames = [];
    this.#setState(cell, "wiped");
    this.#emit("memory.zeroize", cell.name, {
      frames: frames.length,
      bytes: frames.length * PAGE_SIZE,
    });
    return frames.length;
  }

  /**
   * Destroys a cell: stops and zeroizes it, revokes every capability it holds and every
   * capability naming it, and removes every mapping.
   *
   * @param cell The cell.
   */
  destroy(cell: Cell): void {
    this.zeroize(cell);
    for (const cap of cell.caps.clear()) cap.revokeSelf();
    for (const other of this.#cells.values()) {
      for (const [, cap] of other.caps.entries()) {
        if (
          cap.object === cell ||
          (cap.type === "virq" && (cap.object as { cell: Cell }).cell === cell)
        ) {
          cap.revokeSelf();
        }
      }
    }
    for (const [line, route] of this.#routes) {
      if (route.cell === cell) {
        this.#routes.delete(line);
        this.#interrupts.disable(line);
      }
    }
    for (const channel of this.#channels.values()) {
      if (channel.receiver === cell) channel.receiver = undefined;
    }
    cell.space.clear();
    cell.windows.clear();
    this.#setState(cell, "destroyed");
  }

  /**
   * Atomically moves a service from one cell to another: channels that notified the old cell
   * notify the new one, and IRQ lines owned by the old cell are routed to the new one. This is
   * the switch-over step of FOTA.
   *
   * @param from The old instance.
   * @param to The new instance.
   * @returns The number of channels and lines moved.
   */
  switchService(from: Cell, to: Cell): { channels: number; lines: number } {
    let channels = 0, lines = 0;
    for (const channel of this.#channels.values()) {
      if (channel.receiver === from) {
        channel.receiver = to;
        channel.receiverVirq = to.virq(`channel:${channel.name}`);
        // Only the new instance may receive from now on.
        for (const [, cap] of from.caps.entries()) {
          if (cap.object === channel && cap.rights.has("receive")) cap.revokeSelf();
        }
        const receiveName = `receive:${channel.name}`;
        const index = to.caps.indexOf(receiveName);
        const cap = index === undefined ? undefined : to.caps.at(index);
        if (cap === undefined || cap.revoked || cap.object !== channel) {
          to.caps.insert(new Capability("channel", channel, ["receive"]), receiveName);
        }
        channels++;
      }
    }
    for (const [line, route] of this.#routes) {
      if (route.cell === from) {
        const name = from.virqName(route.virq);
        route.cell = to;
        route.vcpu = to.vcpus[0];
        route.virq = to.virq(name);
        this.#interrupts.setTarget(line, route.vcpu.affinity);
        // The old instance loses the line: its capability (and copies) are revoked; the new
        // one uses the capability it holds as a standby, or gets a fresh one.
        route.capability.revokeSelf();
        const held = to.caps.indexOf(`irq:${name}`);
        const heldCap = held === undefined ? undefined : to.caps.at(held);
        if (heldCap !== undefined && !heldCap.revoked && heldCap.type === "irq") {
          route.capability = heldCap;
        } else {
          route.capability = new Capability("irq", { line }, ["ack"]);
          to.caps.insert(route.capability, `irq:${name}`);
        }
        lines++;
      }
    }
    this.#emit("cell.switch", to.name, { from: from.name, channels, lines });
    return { channels, lines };
  }

  /**
   * The kernel's footprint in on-chip SRAM for the current configuration.
   *
   * @returns The report.
   */
  footprint(): FootprintReport {
    const sram = this.board.memory.regions.filter((region) => region.kind === "sram");
    return footprint({
      cores: this.#cores.length,
      cells: [...this.#cells.values()],
      endpoints: this.#endpoints.size,
      channels: [...this.#channels.values()],
      sramBytes: sram.reduce((sum, region) => sum + region.size, 0),
      ...(this.#image === undefined
        ? {}
        : { kernelImageBytes: this.#image.bytes, placement: this.#image.placement }),
    });
  }

  /**
   * Reports the guest time of compute segments still running at the end of a run, as
   * "cpu.run" records marked partial, so CPU shares cover the whole run. Changes no state.
   */
  settle(): void {
    if (!this.#trace.active) return;
    for (const core of this.#cores) {
      const vcpu = core.current;
      if (core.segment < 0 || vcpu === undefined) continue;
      const start = core.segmentStart;
      const durationNs = this.engine.now - start;
      if (durationNs > 0) {
        this.#emit("cpu.run", vcpu.cell.name, {
          core: core.index,
          vcpu: vcpu.name,
          start,
          durationNs,
          partial: true,
        });
      }
    }
  }

  /**
   * Checks the configuration fits in on-chip SRAM.
   *
   * @returns The report.
   * @throws {FootprintError} With the numbers when it does not fit.
   */
  checkFootprint(): FootprintReport {
    const report = this.footprint();
    if (!report.fits) throw new FootprintError(report);
    return report;
  }

  // ---------------------------------------------------------------- services for hypercalls

  /** A channel by name. */
  channel(name: string): Channel | undefined {
    return this.#channels.get(name);
  }

  /**
   * Makes a vCPU ready and lets its core reconsider, through an IPI from another core.
   *
   * @param vcpu The vCPU.
   * @param result The result its pending operation returns.
   */
  makeReady(vcpu: Vcpu, result?: OperationResult): void {
    if (result !== undefined) vcpu.pendingResult = result;
    if (vcpu.wakeHandle >= 0) {
      this.engine.cancel(vcpu.wakeHandle);
      vcpu.wakeHandle = -1;
    }
    vcpu.queuedOn = undefined;
    if (vcpu.cell.state === "suspended") {
      // A wake-up in a suspended cell is kept for resume; the vCPU must not run before it.
      vcpu.state = "blocked";
      vcpu.blockedOn = "suspended";
      return;
    }
    this.policy.wake?.(vcpu);
    vcpu.state = "ready";
    vcpu.blockedOn = "none";
    this.policy.enqueue(vcpu, false);
    this.#notifyCore(vcpu.affinity);
  }

  /**
   * Donates a caller's scheduling context and priority to the server that takes its call
   * (when the kernel donates; otherwise nothing happens). The server's own are kept.
   *
   * @param server The vCPU receiving the call.
   * @param caller The calling vCPU.
   */
  donate(server: Vcpu, caller: Vcpu): void {
    if (!this.#donation || server.donor !== undefined) return;
    server.donor = caller;
    server.ownSc = server.sc;
    server.ownPriority = server.priority;
    server.sc = caller.sc;
    if (this.#trace.active) {
      this.#emit("sc.donate", server.cell.name, {
        vcpu: server.name,
        from: caller.name,
        priority: caller.priority,
      });
    }
    if (server.priority !== caller.priority) this.#setPriority(server, caller.priority);
  }

  /**
   * Returns a donated scheduling context and priority (at reply, fault or halt).
   *
   * @param server The serving vCPU.
   */
  returnDonation(server: Vcpu): void {
    const donor = server.donor;
    if (donor === undefined) return;
    server.donor = undefined;
    server.sc = server.ownSc;
    server.ownSc = undefined;
    const priority = server.ownPriority;
    server.ownPriority = -1;
    if (this.#trace.active) {
      this.#emit("sc.return", server.cell.name, { vcpu: server.name, to: donor.name });
    }
    if (server.state !== "halted" && server.priority !== priority) {
      this.#setPriority(server, priority);
    }
  }

  /**
   * Routes every hardware IRQ owned by another cell through a driver domain first (Xen's
   * dom0): the kernel raises vIRQ `line:N` in that cell, whose program forwards it with a
   * forwarding capability (see {@linkcode Microvisor.forwardIrq}); latency is measured from
   * the line's assertion to the owner's handler, so the hop shows.
   *
   * @param cell The driver domain, or `undefined` for direct delivery.
   */
  routeIrqsThrough(cell: Cell | undefined): void {
    this.#irqVia = cell;
  }

  /**
   * Delivers a hardware interrupt a driver domain took to the line's owner, keeping the time
   * the line was asserted.
   *
   * @param line The line.
   * @returns Whether an interrupt of that line was waiting to be forwarded.
   */
  forwardIrq(line: number): boolean {
    const assertedAt = this.#forwarded.get(line);
    const route = this.#routes.get(line);
    if (assertedAt === undefined || route === undefined) return false;
    this.#forwarded.delete(line);
    this.postVirq(route.vcpu, route.virq, { line, assertedAt });
    return true;
  }

  /**
   * Blocks the running vCPU.
   *
   * @param vcpu The vCPU.
   * @param reason Why.
   */
  block(vcpu: Vcpu, reason: BlockReason): void {
    vcpu.state = "blocked";
    vcpu.blockedOn = reason;
  }

  /**
   * Marks a virtual IRQ pending on a vCPU: edge count, flags OR-ed in. A vCPU waiting for
   * vIRQs wakes; a computing vCPU with virtual interrupts enabled is interrupted.
   *
   * @param vcpu The target.
   * @param virq The vIRQ number in its cell.
   * @param options Flags, and the hardware line and its assertion time for latency.
   */
  postVirq(
    vcpu: Vcpu,
    virq: number,
    options: { flags?: number; line?: number; assertedAt?: number } = {},
  ): void {
    if (vcpu.state === "halted") return;
    let state = vcpu.virqs.get(virq);
    if (state === undefined) {
      state = {
        count: 0,
        flags: 0,
        assertedAt: options.assertedAt ?? -1,
        line: options.line ?? -1,
      };
      vcpu.virqs.set(virq, state);
    }
    state.count++;
    state.flags |= options.flags ?? 0;
    if (options.line !== undefined) {
      // An interrupt targeted at a vCPU restores its base priority (OKL4 semantics).
      if (vcpu.priority !== vcpu.basePriority) this.#setPriority(vcpu, vcpu.basePriority);
    }
    if (this.#trace.active) {
      this.#emit("virq.pending", vcpu.cell.name, {
        vcpu: vcpu.name,
        virq,
        line: options.line ?? -1,
      });
    }
    if (vcpu.state === "blocked" && vcpu.blockedOn === "wait") {
      vcpu.injectPending = true;
      this.makeReady(vcpu);
    } else if (vcpu.state === "running" && vcpu.virqInterrupts) {
      this.#notifyCore(vcpu.affinity);
    }
  }

  /**
   * Drains a vCPU's pending vIRQs into delivery records (no latency record).
   *
   * @param vcpu The vCPU.
   * @returns The delivered vIRQs.
   */
  drainVirqs(vcpu: Vcpu): DeliveredVirq[] {
    const out: DeliveredVirq[] = [];
    for (const [virq, state] of vcpu.virqs) {
      out.push({ virq, name: vcpu.cell.virqName(virq), count: state.count, flags: state.flags });
    }
    vcpu.virqs.clear();
    return out;
  }

  /**
   * Arms a kernel timer that runs kernel work on a core, charged as a timer interrupt.
   *
   * @param core The core.
   * @param at When.
   * @param work What to do.
   * @returns The event handle.
   */
  timer(core: number, at: number, work: () => void): number {
    return this.engine.schedule(at, () => {
      const slot = this.#cores[core];
      slot.work.push(work);
      this.#kick(slot);
    });
  }

  /**
   * Sets a vCPU's current priority (waive, or restore).
   *
   * @param vcpu The vCPU.
   * @param priority 0..base.
   */
  setPriority(vcpu: Vcpu, priority: number): void {
    this.#setPriority(vcpu, priority);
  }

  /**
   * Acknowledges a hardware line for its owner: re-enables it at the controller.
   *
   * @param line The line.
   * @param cell The acknowledging cell; refused unless the line is routed to it.
   * @returns Whether the line was acknowledged.
   */
  ackLine(line: number, cell?: Cell): boolean {
    if (cell !== undefined && this.#routes.get(line)?.cell !== cell) return false;
    this.#interrupts.enable(line);
    return true;
  }

  /**
   * Emits a trace record if anyone listens.
   *
   * @param kind Record kind.
   * @param source Emitting component.
   * @param fields Extra fields: a fresh object, which becomes the record (not copied).
   */
  emit(kind: string, source: string, fields: Record<string, TraceValue>): void {
    this.#emit(kind, source, fields);
  }

  /** Whether the trace bus has subscribers. */
  get tracing(): boolean {
    return this.#trace.active;
  }

  /**
   * Sends a message on a channel (after checks): queue it and raise the receiver's vIRQ.
   *
   * @param channel The channel.
   * @param message Bytes (copied), badge, and the sending vCPU (for traces).
   * @returns Whether it was queued (false: full).
   */
  channelSend(
    channel: Channel,
    message: { bytes: Uint8Array; badge: number; vcpu?: Vcpu },
  ): boolean {
    const timed: TimedMessage = {
      bytes: message.bytes.slice(),
      badge: message.badge,
      sentAt: this.engine.now,
      id: this.#messageIds++,
    };
    if (!channel.offer(timed)) return false;
    const receiver = channel.receiver;
    if (receiver !== undefined && receiver.state !== "destroyed") {
      this.postVirq(receiver.vcpus[0], channel.receiverVirq, { flags: 1 });
    }
    if (this.#trace.active) {
      this.#emit("ipc.send", channel.name, {
        bytes: message.bytes.length,
        depth: channel.depth,
        id: timed.id,
        vcpu: message.vcpu?.name ?? "",
        core: message.vcpu?.affinity ?? -1,
      });
    }
    return true;
  }

  /**
   * Takes the oldest message of a channel.
   *
   * @param channel The channel.
   * @param vcpu The receiving vCPU (for traces).
   * @returns The message without its send time, or `undefined`.
   */
  channelReceive(
    channel: Channel,
    vcpu?: Vcpu,
  ): { bytes: Uint8Array; badge: number } | undefined {
    const timed = channel.take() as TimedMessage | undefined;
    if (timed === undefined) return undefined;
    if (this.#trace.active) {
      this.#emit("ipc.receive", channel.name, {
        bytes: timed.bytes.length,
        latencyNs: this.engine.now - timed.sentAt,
        depth: channel.depth,
        id: timed.id,
        vcpu: vcpu?.name ?? "",
        core: vcpu?.affinity ?? -1,
      });
    }
    return { bytes: timed.bytes, badge: timed.badge };
  }

  /**
   * Reads guest memory through a cell's address space, into physical memory or devices.
   *
   * @param cell The cell.
   * @param address Guest address.
   * @param length Bytes.
   * @returns The bytes, or the fault.
   */
  guestRead(cell: Cell, address: number, length: number): OperationResult<Uint8Array> {
    const translated = cell.space.translate(address, length, "read");
    if (!translated.ok) {
      return this.#fault(cell, "read", translated.fault.address, translated.fault.reason);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const piece of translated.pieces) {
      let bytes: Uint8Array;
      try {
        bytes = this.board.memory.read(piece.physical, piece.length, cell.name);
      } catch (error) {
        // A device refusing the access (no such register, bad width) is a bus error.
        if (!(error instanceof RangeError)) throw error;
        return this.#fault(cell, "read", address + at, `device: ${error.message}`);
      }
      out.set(bytes, at);
      at += piece.length;
    }
    return { ok: true, value: out };
  }

  /**
   * Writes guest memory through a cell's address space.
   *
   * @param cell The cell.
   * @param address Guest address.
   * @param bytes The data.
   * @returns Success, or the fault.
   */
  guestWrite(cell: Cell, address: number, bytes: Uint8Array): OperationResult<undefined> {
    const translated = cell.space.translate(address, bytes.length, "write");
    if (!translated.ok) {
      return this.#fault(cell, "write", translated.fault.address, translated.fault.reason);
    }
    let at = 0;
    for (const piece of translated.pieces) {
      try {
        this.board.memory.write(piece.physical, bytes.subarray(at, at + piece.length), cell.name);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        return this.#fault(cell, "write", address + at, `device: ${error.message}`);
      }
      at += piece.length;
    }
    return { ok: true, value: undefined };
  }

  /**
   * Maps a section at a guest address (hypercall path, after checks).
   *
   * @param cell The cell.
   * @param section The section.
   * @param address Page-aligned guest address.
   * @param rights The capability's rights.
   */
  mapSection(cell: Cell, section: Section, address: number, rights: readonly string[]): void {
    this.#mapSection(cell, section, address, rights);
  }

  // ---------------------------------------------------------------- the per-core dispatcher

  #notifyCore(core: number): void {
    const slot = this.#cores[core];
    const from = this.#activeCore;
    const ipiCycles = this.costs.cycles("ipi");
    if (from >= 0 && from !== core && ipiCycles > 0) {
      slot.ipisInFlight++;
      this.engine.after(cyclesToNs(ipiCycles, slot.clockHz), () => {
        slot.ipisInFlight--;
        this.#kick(slot);
      });
    } else {
      this.#kick(slot);
    }
  }

  #kick(core: CoreSlot): void {
    if (core.inRun || core.busy) return;
    if (core.segment >= 0) {
      if (!this.#shouldInterrupt(core)) return;
      this.#endSegment(core, false);
    }
    this.#run(core);
  }

  #shouldInterrupt(core: CoreSlot): boolean {
    if (core.work.length > 0 || this.#interrupts.hasDeliverable(core.index)) return true;
    const current = core.current!;
    if (this.#wantsInjection(current)) return true;
    const best = this.policy.peek(core.index);
    if (best === undefined) return false;
    if (this.policy.preempts(best, current)) return true;
    // An equal became ready after this segment was planned without a slice limit: re-plan it
    // so the round-robin slice holds.
    if (core.segmentEndsAt > core.sliceEndsAt && this.policy.hasEqual(current)) return true;
    // Likewise for a policy's own run limit (a fair share's slice shrinks as vCPUs arrive).
    const limit = this.policy.runLimitNs?.(current, this.engine.now);
    return limit !== undefined && core.segmentEndsAt > this.engine.now + limit;
  }

  #wantsInjection(vcpu: Vcpu): boolean {
    return vcpu.injectPending ||
      (vcpu.virqInterrupts && vcpu.computeInterruptible && vcpu.computeRemaining > 0 &&
        vcpu.virqs.size > 0);
  }

  #run(core: CoreSlot): void {
    if (core.busy || core.inRun || core.segment >= 0) return;
    core.inRun = true;
    const previous = this.#activeCore;
    this.#activeCore = core.index;
    try {
      while (this.#dispatchOnce(core));
    } finally {
      core.inRun = false;
      this.#activeCore = previous;
    }
  }

  /** Does one thing on a free core; returns whether to go on at once (no time passed). */
  #dispatchOnce(core: CoreSlot): boolean {
    if (core.work.length > 0) {
      const work = core.work.shift()!;
      return this.#path(core, this.costs.cycles("irqEntry"), "timer", work, undefined);
    }
    if (this.#interrupts.hasDeliverable(core.index)) return this.#takeIrq(core);
    let current = core.current;
    if (current !== undefined && current.state !== "running") {
      core.current = current = undefined;
    }
    if (current !== undefined && this.policy.mayRun?.(current) === false) {
      current.state = "ready";
      this.policy.enqueue(current, true);
      core.current = undefined;
      if (this.#trace.active) {
        this.#emit("vcpu.preempt", current.cell.name, { vcpu: current.name, by: "policy" });
      }
      current = undefined;
    }
    const best = this.policy.peek(core.index);
    if (best !== undefined && (current === undefined || this.policy.preempts(best, current))) {
      if (current !== undefined) {
        current.state = "ready";
        this.policy.enqueue(current, true);
        if (this.#trace.active) {
          this.#emit("vcpu.preempt", current.cell.name, { vcpu: current.name, by: best.name });
        }
      }
      this.policy.remove(best);
      return this.#switchTo(core, best);
    }
    if (current === undefined) {
      if (!core.idle) {
        core.idle = true;
        if (this.#trace.active) this.#emit("core.idle", "kernel", { core: core.index });
      }
      return false;
    }
    const now = this.engine.now;
    if (core.sliceEndsAt <= now) {
      if (this.policy.hasEqual(current)) {
        current.state = "ready";
        this.policy.enqueue(current, false);
        core.current = undefined;
        return true;
      }
      core.sliceEndsAt = now + this.policy.sliceNs;
    }
    const sc = current.sc;
    if (sc !== undefined && !sc.unlimited && sc.available(now) <= 0) {
      this.#throttle(core, current);
      return true;
    }
    if (this.#wantsInjection(current)) {
      if (!this.#affords(core, current, this.costs.cycles("virqInjection"))) {
        this.#throttle(core, current);
        return true;
      }
      const vcpu = current;
      return this.#path(
        core,
        this.costs.cycles("virqInjection"),
        "inject",
        () => this.#deliver(vcpu),
        vcpu,
      );
    }
    if (current.computeRemaining > 0) {
      this.#startSegment(core, current);
      return false;
    }
    if (++core.zeroTimeOperations > this.#zeroTimeMax) {
      throw new RangeError(
        `vCPU "${current.name}" made ${this.#zeroTimeMax} operations without virtual time passing ` +
          `at ${now} ns: a guest livelock (use a non-zero cost model or compute between operations)`,
      );
    }
    return this.#step(core, current);
  }

  #switchTo(core: CoreSlot, next: Vcpu): boolean {
    const sameCell = core.lastCell === next.cell;
    core.current = next;
    core.idle = false;
    next.state = "running";
    core.lastCell = next.cell;
    core.sliceEndsAt = this.engine.now + this.policy.sliceNs;
    if (this.#trace.active) {
      this.#emit("vcpu.switch", next.cell.name, { core: core.index, vcpu: next.name, sameCell });
    }
    return this.#path(core, this.costs.switchCycles(sameCell), "switch", undefined, undefined);
  }

  /**
   * Runs a kernel path of `cycles` on a core; the effect applies at its end. Returns true if
   * the path took no time (the caller goes on), false if an event was scheduled.
   */
  #path(
    core: CoreSlot,
    cycles: number,
    kind: string,
    effect: (() => void) | undefined,
    chargeTo: Vcpu | undefined,
  ): boolean {
    const duration = cyclesToNs(cycles, core.clockHz);
    if (duration === 0) {
      effect?.();
      return true;
    }
    core.zeroTimeOperations = 0;
    core.busy = true;
    const start = this.engine.now;
    const sc = chargeTo?.sc;
    const chargedNs = sc === undefined || sc.unlimited ? 0 : chargeNs(sc, duration);
    this.engine.after(duration, () => {
      core.busy = false;
      this.kernelNs[core.index] += duration;
      if (chargedNs > 0) sc!.consume(start, chargedNs);
      if (this.#trace.active) {
        if (chargeTo === undefined) {
          this.#emit("cpu.kernel", "kernel", {
            core: core.index,
            path: kind,
            start,
            durationNs: duration,
          });
        } else {
          this.#emit("cpu.kernel", "kernel", {
            core: core.index,
            path: kind,
            start,
            durationNs: duration,
            vcpu: chargeTo.name,
            chargedNs,
          });
        }
      }
      core.inRun = true;
      const previous = this.#activeCore;
      this.#activeCore = core.index;
      try {
        effect?.();
      } finally {
        core.inRun = false;
        this.#activeCore = previous;
      }
      this.#run(core);
    });
    return false;
  }

  #takeIrq(core: CoreSlot): boolean {
    const line = this.#interrupts.acknowledge(core.index);
    if (line === SPURIOUS_INTERRUPT) return true;
    const assertedAt = this.#interrupts.assertedAt(line, core.index);
    return this.#path(core, this.costs.cycles("irqEntry"), "irq", () => {
      // The line stays masked until its owner acknowledges it (level lines would storm).
      this.#interrupts.disable(line);
      this.#interrupts.endOfInterrupt(core.index, line);
      const route = this.#routes.get(line);
      if (route === undefined) {
        this.#emit("irq.unowned", "kernel", { line });
        return;
      }
      const via = this.#irqVia;
      if (via !== undefined && via !== route.cell && via.state === "running") {
        this.#forwarded.set(line, assertedAt);
        this.postVirq(via.vcpus[0], via.virq(`line:${line}`), { flags: 1 });
        return;
      }
      this.postVirq(route.vcpu, route.virq, { line, assertedAt });
    }, undefined);
  }

  #deliver(vcpu: Vcpu): void {
    const now = this.engine.now;
    const virqs: DeliveredVirq[] = [];
    for (const [virq, state] of vcpu.virqs) {
      const name = vcpu.cell.virqName(virq);
      virqs.push({ virq, name, count: state.count, flags: state.flags });
      if (state.line >= 0 && this.#trace.active) {
        this.#emit("virq.deliver", vcpu.cell.name, {
          vcpu: vcpu.name,
          virq,
          name,
          line: state.line,
          assertedAt: state.assertedAt,
          latencyNs: now - state.assertedAt,
        });
      }
    }
    vcpu.virqs.clear();
    vcpu.injectPending = false;
    if (vcpu.computeRemaining > 0 && vcpu.computeInterruptible) {
      vcpu.pendingResult = { ok: true, value: { remainingCycles: vcpu.computeRemaining, virqs } };
      vcpu.computeRemaining = 0;
    } else {
      vcpu.pendingResult = { ok: true, value: virqs };
    }
  }

  #startSegment(core: CoreSlot, vcpu: Vcpu): void {
    const now = this.engine.now;
    let limit = cyclesToNs(vcpu.computeRemaining, core.clockHz);
    let reason: CoreSlot["segmentReason"] = "compute";
    const sc = vcpu.sc;
    if (sc !== undefined && !sc.unlimited) {
      const available = sc.available(now);
      if (available < limit) {
        limit = available;
        reason = "budget";
      }
    }
    const sliceLeft = core.sliceEndsAt - now;
    if (sliceLeft < limit && this.policy.hasEqual(vcpu)) {
      limit = sliceLeft;
      reason = "slice";
    }
    const policyLeft = this.policy.runLimitNs?.(vcpu, now) ?? Infinity;
    if (policyLeft < limit) {
      invariant(policyLeft > 0, `policy ${this.policy.name} gives ${vcpu.name} a run limit > 0`);
      limit = policyLeft;
      reason = "policy";
    }
    core.zeroTimeOperations = 0;
    core.segmentStart = now;
    core.segmentReason = reason;
    core.segmentEndsAt = now + limit;
    core.segment = this.engine.after(limit, core.onSegmentEnd);
  }

  #onSegmentEnd(core: CoreSlot): void {
    core.segment = -1;
    const reason = core.segmentReason;
    this.#endSegment(core, true);
    if (reason !== "compute") core.work.push(() => {});
    this.#run(core);
  }

  #endSegment(core: CoreSlot, natural: boolean): void {
    const vcpu = core.current!;
    if (!natural) {
      this.engine.cancel(core.segment);
      core.segment = -1;
    }
    const start = core.segmentStart;
    const elapsed = this.engine.now - start;
    const done = natural && core.segmentReason === "compute"
      ? vcpu.computeRemaining
      : Math.min(vcpu.computeRemaining, nsToCycles(elapsed, core.clockHz));
    vcpu.computeRemaining -= done;
    if (vcpu.computeRemaining === 0) vcpu.pendingResult = vcpu.computeResult;
    vcpu.runNs += elapsed;
    if (vcpu.sc !== undefined) vcpu.sc.consume(start, elapsed);
    if (elapsed > 0) this.policy.account?.(vcpu, elapsed);
    if (this.#trace.active && elapsed > 0) {
      this.#emit("cpu.run", vcpu.cell.name, {
        core: core.index,
        vcpu: vcpu.name,
        start,
        durationNs: elapsed,
      });
    }
  }

  #throttle(core: CoreSlot, vcpu: Vcpu): void {
    const sc = vcpu.sc!;
    sc.exhaustions++;
    const donor = vcpu.donor;
    if (donor !== undefined && this.#timeoutFaults) {
      // A timeout fault: the call is aborted and the server goes on with its own context.
      if (this.#trace.active) {
        this.#emit("sc.timeout", vcpu.cell.name, { vcpu: vcpu.name, caller: donor.name });
      }
      vcpu.replyTo = undefined;
      this.returnDonation(vcpu);
      if (donor.state === "blocked" && donor.blockedOn === "reply") {
        this.makeReady(donor, {
          ok: false,
          error: {
            kind: "Timeout",
            message: `${vcpu.name} exhausted the budget ${donor.name} donated before replying`,
          },
        });
      }
      return;
    }
    vcpu.state = "blocked";
    vcpu.blockedOn = "budget";
    core.current = undefined;
    const at = sc.nextRefillAt(this.engine.now);
    invariant(
      at !== undefined,
      `an exhausted scheduling context of ${vcpu.name} has a future refill`,
    );
    if (this.#trace.active) {
      this.#emit("budget.exhausted", vcpu.cell.name, { vcpu: vcpu.name, refillAt: at });
    }
    vcpu.wakeHandle = this.timer(vcpu.affinity, at, () => {
      vcpu.wakeHandle = -1;
      if (vcpu.state === "blocked" && vcpu.blockedOn === "budget") this.makeReady(vcpu);
    });
  }

  #step(core: CoreSlot, vcpu: Vcpu): boolean {
    let op = vcpu.pendingOp;
    if (op === undefined) {
      const program = vcpu.program;
      invariant(program !== undefined, `running vCPU ${vcpu.name} has a program`);
      const next = program.next(vcpu.pendingResult);
      if (next.done) {
        this.#emit("vcpu.exit", vcpu.cell.name, { vcpu: vcpu.name });
        this.#halt(vcpu);
        return true;
      }
      op = next.value;
      vcpu.pendingOp = op;
    }
    switch (op.op) {
      case "clock":
        // The virtual counter is readable without trapping (as ARM's CNTVCT or a timer
        // register mapped into the guest): no kernel entry, no virtual time.
        vcpu.pendingOp = undefined;
        vcpu.pendingResult = { ok: true, value: this.engine.now };
        return true;
      case "compute":
        vcpu.pendingOp = undefined;
        if (!Number.isSafeInteger(op.cycles) || op.cycles < 0) {
          vcpu.pendingResult = this.#refuse(
            vcpu,
            "compute",
            invalid(`compute cycles ${op.cycles} is not a non-negative integer`),
          );
          return true;
        }
        vcpu.computeRemaining = op.cycles;
        vcpu.computeInterruptible = true;
        vcpu.computeResult = COMPUTE_DONE;
        if (op.cycles === 0) vcpu.pendingResult = COMPUTE_DONE;
        return true;
      case "read":
      case "write":
        return this.#memoryAccess(core, vcpu, op);
      default:
        return this.#hypercall(core, vcpu, op);
    }
  }

  #memoryAccess(
    core: CoreSlot,
    vcpu: Vcpu,
    op: Extract<Operation, { op: "read" | "write" }>,
  ): boolean {
    vcpu.pendingOp = undefined;
    const length = op.op === "read" ? op.length : op.bytes?.length;
    if (!Number.isSafeInteger(length) || length < 0 || length > 1 << 20) {
      vcpu.pendingResult = this.#refuse(
        vcpu,
        op.op,
        invalid(`memory ${op.op} length ${length} is not an integer in 0..1048576`),
      );
      return true;
    }
    if (!Number.isSafeInteger(op.address) || op.address < 0) {
      vcpu.pendingResult = this.#refuse(
        vcpu,
        op.op,
        invalid(`memory ${op.op} address ${op.address} is not a non-negative integer`),
      );
      return true;
    }
    // A fault path is charged to the vCPU: it needs that budget before it touches memory.
    if (
      vcpu.sc !== undefined && !vcpu.sc.unlimited &&
      !vcpu.cell.space.translate(op.address, length, op.op).ok &&
      !this.#affords(core, vcpu, this.costs.cycles("fault"))
    ) {
      vcpu.pendingOp = op;
      this.#throttle(core, vcpu);
      return true;
    }
    const result = op.op === "read"
      ? this.guestRead(vcpu.cell, op.address, op.length)
      : this.guestWrite(vcpu.cell, op.address, op.bytes);
    if (!result.ok) {
      if (vcpu.cell.faultPolicy === "stop") {
        const cell = vcpu.cell;
        return this.#path(
          core,
          this.costs.cycles("fault"),
          "fault",
          () => this.stop(cell),
          undefined,
        );
      }
      return this.#path(core, this.costs.cycles("fault"), "fault", () => {
        vcpu.pendingResult = result;
      }, vcpu);
    }
    const cycles = Math.ceil(length / 4) * this.costs.cycles("memoryWord");
    vcpu.computeResult = result;
    vcpu.computeInterruptible = false;
    vcpu.computeRemaining = cycles;
    if (cycles === 0) vcpu.pendingResult = result;
    return true;
  }

  #hypercall(core: CoreSlot, vcpu: Vcpu, op: Operation): boolean {
    const decoded = decodeHypercall(this, vcpu, op);
    if (!this.#affords(core, vcpu, decoded.cycles)) {
      this.#throttle(core, vcpu);
      return true;
    }
    vcpu.pendingOp = undefined;
    return this.#path(core, decoded.cycles, op.op, () => {
      if (vcpu.state !== "running") {
        // Stopped or suspended from another core during the path: the call has no effect; a
        // suspended vCPU issues it again when resumed.
        if (vcpu.blockedOn === "suspended") vcpu.pendingOp = op;
        return;
      }
      const result = decoded.invoke();
      if (result === BLOCKED) return;
      vcpu.pendingResult = this.#refuse(vcpu, op.op, result);
    }, vcpu);
  }

  /** Whether a budgeted vCPU has the budget a kernel path of `cycles` charges it now. */
  #affords(core: CoreSlot, vcpu: Vcpu, cycles: number): boolean {
    const sc = vcpu.sc;
    if (sc === undefined || sc.unlimited) return true;
    const needed = chargeNs(sc, cyclesToNs(cycles, core.clockHz));
    return needed === 0 || sc.available(this.engine.now) >= needed;
  }

  /** Traces a failed operation as "hypercall.error"; returns the result unchanged. */
  #refuse(vcpu: Vcpu, call: string, result: OperationResult): OperationResult {
    if (!result.ok && this.#trace.active) {
      this.#emit("hypercall.error", vcpu.cell.name, {
        vcpu: vcpu.name,
        call,
        error: result.error.kind,
        cap: result.error.cap ?? -1,
      });
    }
    return result;
  }

  #fault(
    cell: Cell,
    access: string,
    address: number,
    reason: string,
  ): { ok: false; error: GuestError } {
    cell.faults++;
    this.#emit("fault", cell.name, { access, address, reason });
    return {
      ok: false,
      error: {
        kind: "Fault",
        message: `${access} at guest address 0x${address.toString(16)} faulted: ${reason}`,
        address,
      },
    };
  }

  #halt(vcpu: Vcpu): void {
    if (vcpu.state === "ready") this.policy.remove(vcpu);
    this.#leaveCore(vcpu);
    if (vcpu.wakeHandle >= 0) this.engine.cancel(vcpu.wakeHandle);
    if (vcpu.timerHandle >= 0) this.engine.cancel(vcpu.timerHandle);
    vcpu.wakeHandle = vcpu.timerHandle = -1;
    vcpu.timerPeriodNs = -1;
    // Callers waiting on this vCPU's reply, or queued on endpoints, are released with an error.
    for (const endpoint of this.#endpoints.values()) {
      const receiverIndex = endpoint.receivers.indexOf(vcpu);
      if (receiverIndex >= 0) endpoint.receivers.splice(receiverIndex, 1);
      const callerIndex = endpoint.callers.findIndex((call) => call.caller === vcpu);
      if (callerIndex >= 0) endpoint.callers.splice(callerIndex, 1);
    }
    if (vcpu.replyTo !== undefined && vcpu.replyTo.state === "blocked") {
      this.makeReady(vcpu.replyTo, {
        ok: false,
        error: { kind: "PeerStopped", message: `cell "${vcpu.cell.name}" stopped before replying` },
      });
    }
    for (const cell of this.#cells.values()) {
      for (const other of cell.vcpus) {
        if (other.replyTo === vcpu) other.replyTo = undefined;
      }
    }
    vcpu.replyTo = undefined;
    this.returnDonation(vcpu);
    for (const cell of this.#cells.values()) {
      for (const other of cell.vcpus) if (other.donor === vcpu) this.returnDonation(other);
    }
    vcpu.virqs.clear();
    vcpu.injectPending = false;
    vcpu.computeRemaining = 0;
    vcpu.pendingOp = undefined;
    vcpu.program = undefined;
    vcpu.state = "halted";
    vcpu.blockedOn = "none";
  }

  /** Takes a vCPU off its core if it is running there, accounting its partial segment. */
  #leaveCore(vcpu: Vcpu): void {
    const core = this.#cores[vcpu.affinity];
    if (core.current !== vcpu) return;
    if (core.segment >= 0) this.#endSegment(core, false);
    core.current = undefined;
    this.#notifyCore(core.index);
  }

  #setPriority(vcpu: Vcpu, priority: number): void {
    if (vcpu.state === "ready") {
      this.policy.remove(vcpu);
      vcpu.priority = priority;
      this.policy.enqueue(vcpu, false);
    } else {
      vcpu.priority = priority;
    }
    this.#notifyCore(vcpu.affinity);
  }

  #setState(cell: Cell, state: Cell["state"]): void {
    cell.state = state;
    this.#emit("cell.state", cell.name, {
      state,
      image: cell.image.name,
      version: cell.image.version,
    });
  }

  #emit(kind: string, source: string, fields: Record<string, TraceValue>): void {
    if (!this.#trace.active) return;
    // The fields object is always a fresh literal from the caller: complete it in place (no
    // copy on this hot path). Identity goes last, so a field named like it cannot disguise it.
    const record = fields as Record<string, TraceValue>;
    record.time = this.engine.now;
    record.kind = kind;
    record.source = source;
    this.#trace.emit(record as unknown as TraceRecord);
  }

  #context(cell: Cell, index: number): GuestContext {
    const engine = this.engine;
    return {
      cell: cell.name,
      vcpu: index,
      caps: cell.caps.liveNames(),
      virqs: cell.virqView,
      ram: { base: 0, size: cell.ramBytes },
      windows: Object.fromEntries(cell.windows),
      clockHz: this.#cores[cell.vcpus[index].affinity].clockHz,
      image: cell.image,
      random: (name: string) => engine.random(`${cell.name}.${index}.${name}`),
      trace: (kind, fields) => {
        if (this.#trace.active) this.#emit(kind, cell.name, fields());
      },
    };
  }

  #nextWindow(cell: Cell, base: number, _size: number): number {
    let next = base;
    for (const window of cell.windows.values()) {
      if (window.base >= base && window.base < base + 0x2000_0000) {
        next = Math.max(next, window.base + Math.ceil(window.size / PAGE_SIZE) * PAGE_SIZE);
      }
    }
    return next;
  }

  #mapSection(cell: Cell, section: Section, address: number, rights: readonly string[]): void {
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
}

/**
 * What a kernel path of `durationNs` charges a budgeted vCPU: all of it, but never more than the
 * whole budget (a longer path waits for the full budget and takes all of it; the rest is kernel
 * time charged to no one).
 */
function chargeNs(sc: SchedulingContext, durationNs: number): number {
  return Math.min(durationNs, sc.budgetNs);
}

function invalid(message: string): OperationResult {
  return { ok: false, error: { kind: "InvalidArgument", message } };
}
