/**
 * A virtual CPU: priority, affinity, optional scheduling context, its guest program and the
 * state of the operation it is in.
 *
 * @module
 */

import type { Operation, OperationResult } from "../abi.ts";
import { stringDigest } from "../../hw/fingerprint.ts";
import type { Cell } from "./cell.ts";
import type { SchedulingContext } from "./scheduling_context.ts";
import { PendingVirqs } from "./pending_virqs.ts";

/** Scheduling state of a vCPU. */
export type VcpuState = "running" | "ready" | "blocked" | "halted";

/** Why a blocked vCPU is blocked. */
export type BlockReason =
  | "call"
  | "receive"
  | "reply"
  | "wait"
  | "sleep"
  | "budget"
  | "suspended"
  | "none";

export type { VirqState } from "./pending_virqs.ts";

/**
 * A vCPU and the in-flight state of its guest program.
 *
 * @example Usage
 * ```ts
 * import { Vcpu } from "./vcpu.ts";
 * import assert from "node:assert/strict";
 * const vcpu = new Vcpu({ name: "baseband.0", priority: 200, affinity: 0 });
 * assert.equal(vcpu.priority, 200);
 * assert.equal(vcpu.state, "halted");
 * ```
 */
export class Vcpu {
  /** Unique name, `cell.index`. */
  readonly name: string;
  /** The name's digest, as the fingerprint hashes it (kernel records hash it without a lookup). */
  readonly nameDigest: number;
  /** A small integer id, unique in the kernel. */
  id: number = -1;
  /** The owning cell (set when added to one). */
  cell!: Cell;
  /** Static base priority, 0-255. */
  basePriority: number;
  /** Current priority in [0, base]. */
  priority: number;
  /** The core it runs on. */
  affinity: number;
  /** The scheduling context, if budgeted. */
  sc: SchedulingContext | undefined;
  /** Scheduling state. */
  state: VcpuState = "halted";
  /** Why it is blocked. */
  blockedOn: BlockReason = "none";
  /** The running guest program. */
  program: Generator<Operation, void, OperationResult> | undefined;
  /** The result to hand the program when it next runs. */
  pendingResult: OperationResult = { ok: true, value: undefined };
  /** An operation taken from the program but not yet executed (e.g. awaiting budget). */
  pendingOp: Operation | undefined;
  /** Cycles left of the current compute operation. */
  computeRemaining = 0;
  /** Whether the current compute is guest work a vIRQ may cut short (not a memory access). */
  computeInterruptible = true;
  /** The result the program gets when the current compute completes. */
  computeResult: OperationResult = { ok: true, value: undefined };
  /** Whether the current compute may be cut short by a vIRQ. */
  virqInterrupts = false;
  /** Pending virtual IRQs, in the order they became pending. */
  readonly virqs: PendingVirqs = new PendingVirqs();
  /** vIRQs delivered but whose latency record waits for the handler to start. */
  injectPending = false;
  /** The caller this vCPU received from and owes a reply. */
  replyTo: Vcpu | undefined;
  /** The endpoint it is queued on, if any. */
  queuedOn: unknown;
  /** The kernel timer event waking it (sleep, budget), if any. */
  wakeHandle: number = -1;
  /** Periodic virtual timer: period and next expiry, or -1. */
  timerPeriodNs: number = -1;
  /** The virtual timer's pending event handle. */
  timerHandle: number = -1;
  /** When its last IPC call started, for round-trip records. */
  callStartedAt: number = 0;
  /** Round-robin slice left when it was preempted, ns; -1 for a fresh slice. */
  sliceLeftNs: number = -1;
  /** Total guest time run, ns. */
  runNs = 0;
  /**
   * While serving a call under scheduling-context donation (seL4 MCS, NOVA): the caller whose
   * context and priority it runs on. Its own are kept in `ownSc` and `ownPriority`.
   */
  donor: Vcpu | undefined;
  /** Its own scheduling context while it runs on a donated one. */
  ownSc: SchedulingContext | undefined;
  /** Its own current priority while it runs on a donated one. */
  ownPriority: number = -1;

  /**
   * Creates a vCPU not yet added to a cell.
   *
   * @param options Name, priority and affinity.
   */
  constructor(options: { name: string; priority: number; affinity: number }) {
    this.name = options.name;
    this.nameDigest = stringDigest(options.name);
    this.basePriority = options.priority;
    this.priority = options.priority;
    this.affinity = options.affinity;
  }

  /** Whether any vIRQ is pending. */
  get hasPendingVirqs(): boolean {
    return this.virqs.size > 0;
  }
}
