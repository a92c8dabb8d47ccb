/**
 * The microvisor: the only privileged code. It owns the cores, schedules vCPUs by priority and
 * budget, takes hardware interrupts and turns them into virtual IRQs, checks capabilities on
 * every hypercall, maps frames, and charges every path from the cost model.
 *
 * This file is the kernel's public face; the paths behind it live beside it, one concept per
 * file, and share one {@linkcode KernelState}: `dispatcher.ts` (the per-core loop),
 * `segments.ts`, `budget.ts`, `operations.ts`, `guest_memory.ts`, `lifecycle.ts`,
 * `interrupt_routing.ts`, `ipc.ts` and `configuration.ts`.
 *
 * @module
 */

import type { Board } from "../hw/board.ts";
import type { Engine } from "../hw/engine.ts";
import type { TraceValue } from "../hw/trace_bus.ts";
import type { DeliveredVirq, GuestError, OperationResult } from "./abi.ts";
import { donate, returnDonation } from "./budget.ts";
import {
  createCell,
  createSection,
  findCell,
  grant,
  grantDevice,
  grantMemoryWindow,
  grantSection,
  grantSignal,
  mapSection,
} from "./configuration.ts";
import type { CostModel, CostTable } from "./cost_model.ts";
import { attachCores, block, makeReady, setPriority, timer, timerFired } from "./dispatcher.ts";
import type { FrameAllocator } from "./frame_allocator.ts";
import { footprint, FootprintError, type FootprintReport } from "./footprint.ts";
import { guestRead, guestWrite } from "./guest_memory.ts";
import { ackLine, drainVirqs, forwardIrq, grantIrq, postVirq } from "./interrupt_routing.ts";
import { channelReceive, channelSend, createChannel, createEndpoint } from "./ipc.ts";
import { KernelState } from "./_kernel_state.ts";
import { destroy, resume, start, stop, suspend, switchService, zeroize } from "./lifecycle.ts";
import type { CapabilityType } from "./objects/capability.ts";
import type { Cell, CellImage, FaultPolicy, ProgramFactory } from "./objects/cell.ts";
import type { Channel } from "./objects/channel.ts";
import type { Endpoint } from "./objects/endpoint.ts";
import type { Section } from "./objects/section.ts";
import type { BlockReason, Vcpu } from "./objects/vcpu.ts";
import type { SchedulingPolicy } from "./scheduler.ts";
import { settle } from "./segments.ts";

export { DEVICE_WINDOW_BASE, SECTION_WINDOW_BASE } from "./configuration.ts";
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
  /** Nanoseconds each core spent in kernel paths. */
  readonly kernelNs: number[];
  readonly #kernel: KernelState;
  /**
   * Boots the kernel on a board.
   *
   * @param board The board.
   * @param options Cost table and scheduling policy.
   */
  constructor(board: Board, options: MicrovisorOptions = {}) {
    const kernel = new KernelState(this, board, options);
    this.#kernel = kernel;
    this.board = board;
    this.engine = kernel.engine;
    this.costs = kernel.costs;
    this.policy = kernel.policy;
    this.frames = kernel.frames;
    this.kernelNs = kernel.kernelNs;
    attachCores(kernel);
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
    const core = this.#kernel.cores[index];
    if (core === undefined) {
      throw new RangeError(
        `Cannot inspect core ${index}: valid cores are 0..${this.#kernel.cores.length - 1}`,
      );
    }
    const current = core.current?.state === "running" ? core.current : undefined;
    return {
      current,
      busy: core.busy || core.inRun || core.ipisInFlight > 0 || core.workCount > 0,
    };
  }

  // ---------------------------------------------------------------- configuration

  /** Every cell by name. */
  get cells(): ReadonlyMap<string, Cell> {
    return this.#kernel.cells;
  }

  /**
   * A cell by name.
   *
   * @param name The cell's name.
   * @returns The cell.
   * @throws {RangeError} If there is no such cell.
   */
  cell(name: string): Cell {
    return findCell(this.#kernel, name);
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
    return createCell(this.#kernel, options);
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
    return grantIrq(this.#kernel, cell, line, options);
  }

  /**
   * The cell owning a hardware line, if any.
   *
   * @param line The line.
   * @returns The owner's name.
   */
  irqOwner(line: number): string | undefined {
    return this.#kernel.routes.get(line)?.cell.name;
  }

  /**
   * Creates a synchronous endpoint.
   *
   * @param name Unique endpoint name.
   * @returns The endpoint.
   */
  createEndpoint(name: string): Endpoint {
    return createEndpoint(this.#kernel, name);
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
    return createChannel(this.#kernel, options);
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
    return grant(cell, type, object, options);
  }

  /**
   * Creates a shared section of fresh frames.
   *
   * @param name Unique name.
   * @param bytes Size, a multiple of 4 KiB.
   * @returns The section.
   */
  createSection(name: string, bytes: number): Section {
    return createSection(this.#kernel, name, bytes);
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
    return grantSection(cell, section, rights);
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
    return grantDevice(this.#kernel, cell, deviceName, rights);
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
    return grantMemoryWindow(this.#kernel, cell, name, options);
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
    return grant(holder, "cell", target, { rights, name: `cell:${target.name}` });
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
    return grantSignal(from, to, name);
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
    return start(this.#kernel, cell);
  }

  /**
   * Stops a cell: halts its vCPUs, drops their timers and IPC state; callers waiting on them
   * get `PeerStopped`. Memory is kept.
   *
   * @param cell The cell.
   */
  stop(cell: Cell): void {
    stop(this.#kernel, cell);
  }

  /**
   * Suspends a running cell: its vCPUs stop being scheduled but keep their state.
   *
   * @param cell The cell.
   */
  suspend(cell: Cell): void {
    suspend(this.#kernel, cell);
  }

  /**
   * Resumes a suspended cell.
   *
   * @param cell The cell.
   */
  resume(cell: Cell): void {
    resume(this.#kernel, cell);
  }

  /**
   * Zeroizes a stopped cell: every RAM frame is zeroed, unmapped and returned to the free pool.
   *
   * @param cell The cell.
   * @returns How many frames were zeroed.
   */
  zeroize(cell: Cell): number {
    return zeroize(this.#kernel, cell);
  }

  /**
   * Destroys a cell: stops and zeroizes it, revokes every capability it holds and every
   * capability naming it, and removes every mapping.
   *
   * @param cell The cell.
   */
  destroy(cell: Cell): void {
    destroy(this.#kernel, cell);
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
    return switchService(this.#kernel, from, to);
  }

  /**
   * The kernel's footprint in on-chip SRAM for the current configuration.
   *
   * @returns The report.
   */
  footprint(): FootprintReport {
    const kernel = this.#kernel;
    const sram = this.board.memory.regions.filter((region) => region.kind === "sram");
    return footprint({
      cores: kernel.cores.length,
      cells: [...kernel.cells.values()],
      endpoints: kernel.endpoints.size,
      channels: [...kernel.channels.values()],
      sramBytes: sram.reduce((sum, region) => sum + region.size, 0),
      ...(kernel.image === undefined
        ? {}
        : { kernelImageBytes: kernel.image.bytes, placement: kernel.image.placement }),
    });
  }

  /**
   * Reports the guest time of compute segments still running at the end of a run, as
   * "cpu.run" records marked partial, so CPU shares cover the whole run. Changes no state.
   */
  settle(): void {
    settle(this.#kernel);
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
    return this.#kernel.channels.get(name);
  }

  /**
   * Makes a vCPU ready and lets its core reconsider, through an IPI from another core.
   *
   * @param vcpu The vCPU.
   * @param result The result its pending operation returns.
   */
  makeReady(vcpu: Vcpu, result?: OperationResult): void {
    makeReady(this.#kernel, vcpu, result);
  }

  /**
   * Donates a caller's scheduling context and priority to the server that takes its call
   * (when the kernel donates; otherwise nothing happens). The server's own are kept.
   *
   * @param server The vCPU receiving the call.
   * @param caller The calling vCPU.
   */
  donate(server: Vcpu, caller: Vcpu): void {
    donate(this.#kernel, server, caller);
  }

  /**
   * Returns a donated scheduling context and priority (at reply, fault or halt).
   *
   * @param server The serving vCPU.
   */
  returnDonation(server: Vcpu): void {
    returnDonation(this.#kernel, server);
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
    this.#kernel.irqVia = cell;
  }

  /**
   * Delivers a hardware interrupt a driver domain took to the line's owner, keeping the time
   * the line was asserted.
   *
   * @param line The line.
   * @returns Whether an interrupt of that line was waiting to be forwarded.
   */
  forwardIrq(line: number): boolean {
    return forwardIrq(this.#kernel, line);
  }

  /**
   * Blocks the running vCPU.
   *
   * @param vcpu The vCPU.
   * @param reason Why.
   */
  block(vcpu: Vcpu, reason: BlockReason): void {
    block(vcpu, reason);
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
    postVirq(this.#kernel, vcpu, virq, options);
  }

  /**
   * Drains a vCPU's pending vIRQs into delivery records (no latency record).
   *
   * @param vcpu The vCPU.
   * @returns The delivered vIRQs.
   */
  drainVirqs(vcpu: Vcpu): DeliveredVirq[] {
    return drainVirqs(vcpu);
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
    return timer(this.#kernel, core, at, work);
  }

  /**
   * Runs kernel work on a core now, charged as a timer interrupt: the expiry of a timer the
   * caller keeps itself (a vCPU's virtual timer), due at this instant.
   *
   * @param core The core.
   * @param work What to do.
   */
  timerFired(core: number, work: () => void): void {
    timerFired(this.#kernel, core, work);
  }

  /**
   * Sets a vCPU's current priority (waive, or restore).
   *
   * @param vcpu The vCPU.
   * @param priority 0..base.
   */
  setPriority(vcpu: Vcpu, priority: number): void {
    setPriority(this.#kernel, vcpu, priority);
  }

  /**
   * Acknowledges a hardware line for its owner: re-enables it at the controller.
   *
   * @param line The line.
   * @param cell The acknowledging cell; refused unless the line is routed to it.
   * @returns Whether the line was acknowledged.
   */
  ackLine(line: number, cell?: Cell): boolean {
    return ackLine(this.#kernel, line, cell);
  }

  /**
   * Emits a trace record if anyone listens.
   *
   * @param kind Record kind.
   * @param source Emitting component.
   * @param fields Extra fields: a fresh object, which becomes the record (not copied).
   */
  emit(kind: string, source: string, fields: Record<string, TraceValue>): void {
    this.#kernel.emit(kind, source, fields);
  }

  /** Whether the trace bus has subscribers. */
  get tracing(): boolean {
    return this.#kernel.trace.active;
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
    return channelSend(this.#kernel, channel, message);
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
    return channelReceive(this.#kernel, channel, vcpu);
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
    return guestRead(this.#kernel, cell, address, length);
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
    return guestWrite(this.#kernel, cell, address, bytes);
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
    mapSection(cell, section, address, rights);
  }
}
