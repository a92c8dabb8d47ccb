/**
 * The kernel's shared state (internal to kernel/): what the paths in `dispatcher.ts`,
 * `lifecycle.ts`, `interrupt_routing.ts`, `ipc.ts` and the others read and change. The
 * {@linkcode Microvisor} facade owns one and hands it to those functions.
 *
 * @module
 */

import type { Board } from "../hw/board.ts";
import type { RecordLayout } from "../hw/fingerprint.ts";
import type { Engine } from "../hw/engine.ts";
import type { InterruptController } from "../hw/interrupt_controller.ts";
import type { TraceBus, TraceRecord, TraceValue } from "../hw/trace_bus.ts";
import type { Operation } from "./abi.ts";
import { CostModel, costTables } from "./cost_model.ts";
import type { DecodedHypercall } from "./_hypercall.ts";
import { FrameAllocator } from "./frame_allocator.ts";
import { invariant } from "./invariant.ts";
import type { Microvisor, MicrovisorOptions } from "./microvisor.ts";
import type { Capability } from "./objects/capability.ts";
import type { Cell } from "./objects/cell.ts";
import type { Channel } from "./objects/channel.ts";
import type { Endpoint } from "./objects/endpoint.ts";
import type { Section } from "./objects/section.ts";
import type { SchedulingContext } from "./objects/scheduling_context.ts";
import type { Vcpu } from "./objects/vcpu.ts";
import { FixedPriorityPolicy, type SchedulingPolicy } from "./scheduler.ts";
import { onPathEnd, type PathEffect } from "./dispatcher.ts";
import { type PathKind, pathKind } from "./_kernel_records.ts";
import { onSegmentEnd } from "./segments.ts";

/** The path kind a core holds before its first path. */
const NO_PATH = pathKind("none");

/** Per-core kernel state. */
export interface CoreSlot {
  readonly index: number;
  readonly clockHz: number;
  current: Vcpu | undefined;
  lastCell: Cell | undefined;
  busy: boolean;
  inRun: boolean;
  /** Whether a compute segment runs (its end event is then in the core's `lane`). */
  inSegment: boolean;
  segmentStart: number;
  segmentEndsAt: number;
  segmentReason: "compute" | "budget" | "slice" | "policy";
  /** The engine lane of the core's one pending event: its path's end or its segment's. */
  readonly lane: number;
  sliceEndsAt: number;
  /**
   * Kernel work queued on the core, first first: the first `workCount` entries. The count is
   * kept apart so that emptying the queue leaves the array's storage for the next push (an
   * array popped empty frees it, and the next push would allocate again).
   */
  readonly work: ((() => void) | undefined)[];
  workCount: number;
  /** The work of the last kernel timer armed on this core, and its event callback. */
  timerWork: (() => void) | undefined;
  timerCallback: (() => void) | undefined;
  readonly onSegmentEnd: () => void;
  /** The kernel path in progress (valid while `busy`): see `path` in dispatcher.ts. */
  pathKind: PathKind;
  pathStart: number;
  pathDurationNs: number;
  pathEffect: PathEffect | undefined;
  pathChargeTo: Vcpu | undefined;
  pathChargedNs: number;
  pathSc: SchedulingContext | undefined;
  /** The hypercall whose path is in progress, and its decoded form. */
  pathOp: Operation | undefined;
  pathCall: DecodedHypercall | undefined;
  /** Ends the kernel path in progress (one callback per core, so a path allocates nothing). */
  readonly onPathEnd: () => void;
  zeroTimeOperations: number;
  /**
   * Whether the interrupt controller signalled this core since it last had nothing
   * deliverable (see `irqDeliverable` in dispatcher.ts).
   */
  irqSignalled: boolean;
  idle: boolean;
  ipisInFlight: number;
}

/** Where a hardware line is routed. */
export interface IrqRoute {
  cell: Cell;
  vcpu: Vcpu;
  virq: number;
  capability: Capability;
}

/** Everything the kernel's paths share: the board, the objects by name, the per-core slots. */
export class KernelState {
  /** The facade, handed to hypercall decoding. */
  readonly microvisor: Microvisor;
  readonly board: Board;
  readonly engine: Engine;
  readonly trace: TraceBus;
  readonly interrupts: InterruptController;
  readonly costs: CostModel;
  readonly policy: SchedulingPolicy;
  /**
   * Whether the policy has each optional hook, looked up once: the hot paths test a flag
   * instead of probing for a method on every segment and dispatch (a policy's hooks are its
   * class's methods, fixed when the kernel is built).
   */
  readonly policyHas: {
    readonly mayRun: boolean;
    readonly runLimitNs: boolean;
    readonly account: boolean;
    readonly wake: boolean;
  };
  /** The free frame pool (DRAM). */
  readonly frames: FrameAllocator;
  readonly cores: CoreSlot[];
  readonly cells = new Map<string, Cell>();
  readonly routes = new Map<number, IrqRoute>();
  readonly endpoints = new Map<string, Endpoint>();
  readonly channels = new Map<string, Channel>();
  readonly sections = new Map<string, Section>();
  readonly zeroTimeMax: number;
  readonly donation: boolean;
  readonly timeoutFaults: boolean;
  readonly image: { readonly bytes: number; readonly placement: "sram" | "dram" } | undefined;
  /** Nanoseconds each core spent in kernel paths. */
  readonly kernelNs: number[];
  /** Hardware lines a driver domain took, with their assertion times, until forwarded. */
  readonly forwarded = new Map<number, number>();
  vcpuCount = 0;
  messageIds = 0;
  /** The core whose kernel path is running, or -1. */
  activeCore = -1;
  /** The driver domain hardware IRQs go through, if any. */
  irqVia: Cell | undefined;

  /**
   * Builds the state of a kernel on a board.
   *
   * @param microvisor The facade.
   * @param board The board.
   * @param options The kernel's options.
   */
  constructor(microvisor: Microvisor, board: Board, options: MicrovisorOptions) {
    this.microvisor = microvisor;
    this.board = board;
    this.engine = board.engine;
    this.trace = board.engine.trace;
    this.interrupts = board.interrupts;
    this.costs = new CostModel(options.costs ?? costTables[board.spec.costs ?? "handset"]);
    this.policy = options.policy ?? new FixedPriorityPolicy();
    this.policy.init(board.cores.length);
    const policy = this.policy;
    this.policyHas = {
      mayRun: typeof policy.mayRun === "function",
      runLimitNs: typeof policy.runLimitNs === "function",
      account: typeof policy.account === "function",
      wake: typeof policy.wake === "function",
    };
    this.donation = options.donation === true;
    this.timeoutFaults = options.timeoutFaults === true;
    this.image = options.image;
    this.zeroTimeMax = options.zeroTimeOperationsMax ?? 100_000;
    const dram = board.memory.regions.find((region) => region.kind === "dram");
    invariant(dram !== undefined, "a board has DRAM");
    this.frames = new FrameAllocator(dram.base, dram.size);
    this.kernelNs = board.cores.map(() => 0);
    this.cores = board.cores.map((core) => {
      const slot: CoreSlot = {
        index: core.index,
        clockHz: core.clockHz,
        current: undefined,
        lastCell: undefined,
        busy: false,
        inRun: false,
        inSegment: false,
        segmentStart: 0,
        segmentEndsAt: 0,
        segmentReason: "compute",
        lane: board.engine.openLane(),
        sliceEndsAt: 0,
        work: [],
        workCount: 0,
        timerWork: undefined,
        timerCallback: undefined,
        onSegmentEnd: () => onSegmentEnd(this, slot),
        pathKind: NO_PATH,
        pathStart: 0,
        pathDurationNs: 0,
        pathEffect: undefined,
        pathChargeTo: undefined,
        pathChargedNs: 0,
        pathSc: undefined,
        pathOp: undefined,
        pathCall: undefined,
        onPathEnd: () => onPathEnd(this, slot),
        zeroTimeOperations: 0,
        irqSignalled: false,
        idle: true,
        ipisInFlight: 0,
      };
      return slot;
    });
  }

  /**
   * Emits a trace record if anyone listens.
   *
   * @param kind Record kind.
   * @param source Emitting component.
   * @param fields Extra fields: a fresh object, which becomes the record (not copied).
   * @param layout The record's layout, if the emitter has one.
   * @param hash The whole record's hash, if the emitter computed it (see `TraceBus.emit`).
   * @throws {RangeError} If the layout names another kind.
   */
  emit(
    kind: string,
    source: string,
    fields: Record<string, TraceValue>,
    layout?: RecordLayout,
    hash?: number,
  ): void {
    if (!this.trace.active) return;
    if (layout?.kind !== undefined && layout.kind !== kind) {
      throw new RangeError(
        `A "${kind}" record was given the layout of "${layout.kind}" records: ` +
          `make its layout with recordLayout("${kind}", …)`,
      );
    }
    // The fields object is always a fresh literal from the caller: complete it in place (no
    // copy on this hot path). Identity goes last, so a field named like it cannot disguise it.
    const record = fields as Record<string, TraceValue>;
    record.time = this.engine.now;
    record.kind = kind;
    record.source = source;
    this.trace.emit(record as unknown as TraceRecord, layout, hash);
  }
}
