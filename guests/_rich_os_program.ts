// The rich OS's program (internal to guests/): one vCPU's fair-share scheduler of background
// processes, UI frames and periodic IPC, as a hand-written state machine the kernel drives like
// a generator; rare paths (a compromise, an IPC burst, a request) are generators it delegates
// to. Also the state behind a RichOsControl. See rich_os.ts for the semantics.

import type { GuestContext } from "../kernel/objects/cell.ts";
import { GuestStateMachine, STATE_START } from "./_guest_state_machine.ts";
import type { Operation, OperationResult } from "../kernel/abi.ts";
import { call, cyclesFor, type Guest, interrupts } from "./program.ts";
import { CLOCK, computeOperation, INTERRUPTS_ON, outcomeOf, timeOf, WAIT } from "./_operations.ts";
import type { CompromiseRunner, RichOsControl, RichOsObservation } from "./rich_os.ts";
import { FRAME, hashFrame } from "./_rich_os_records.ts";

export interface Request {
  readonly server: string;
  readonly bytes: Uint8Array;
}

export interface Burst {
  readonly channel: string;
  readonly messages: number;
  readonly bytes: number;
}

/**
 * The state behind a control, kept out of its public shape: the installed runner and the
 * queued bursts and requests. The guest reads it directly at every scheduling point.
 */
export interface ControlState {
  /** The runner installed and not started yet (the guest clears it when it starts it). */
  runner: CompromiseRunner | undefined;
  readonly bursts: Burst[];
  readonly requests: Request[];
}

/** The state of each control made by {@linkcode richOsControl}. */
export const controlStates = new WeakMap<RichOsControl, ControlState>();

export interface Config {
  readonly vcpus: number;
  readonly processes: number;
  readonly ui?: { readonly fps: number; readonly frameCycles: number };
  readonly timesliceNs: number;
  readonly ipc?: { readonly channel: string; readonly every: number; readonly bytes: number };
  readonly control?: RichOsControl;
  readonly observe: RichOsObservation;
}

/** A timer period long enough (about 13 days) that a programmed expiry acts as a one-shot. */
const ONE_SHOT_PERIOD_NS = 2 ** 50;

/**
 * Writes a message's sequence number into its first (up to) four bytes, little-endian; the
 * rest stays zero. Returns `out`.
 */
function stamp(out: Uint8Array, sequence: number): Uint8Array {
  for (let i = 0; i < Math.min(4, out.length); i++) out[i] = (sequence >>> (8 * i)) & 0xff;
  return out;
}

/**
 * The operation sending `bytes` on channel cap `capName` (`send:CHANNEL`), or `undefined`
 * (traced as `ipc.error`) when the cell holds no such capability.
 */
function sendOperation(
  ctx: GuestContext,
  channel: string,
  capName: string,
  bytes: Uint8Array,
): Operation | undefined {
  const cap = ctx.caps[capName];
  if (cap === undefined) {
    ctx.trace("ipc.error", () => ({ channel, error: "NoCapability" }));
    return undefined;
  }
  return { op: "send", cap, bytes };
}

/** What a send's result means: "sent", "refused" or "error", tracing the failures. */
function sendOutcome(
  ctx: GuestContext,
  channel: string,
  length: number,
  burst: boolean,
  result: OperationResult,
): "sent" | "refused" | "error" {
  if (result.ok) return "sent";
  if (result.error.kind === "QueueFull") {
    ctx.trace("ipc.refused", () => ({ channel, bytes: length, burst }));
    return "refused";
  }
  ctx.trace("ipc.error", () => ({ channel, error: result.error.kind }));
  return "error";
}

// The rare paths (a compromise, an IPC burst, a request) are generators the scheduler below
// delegates to: each runs from the scheduling point that starts it until it returns, and the
// scheduling point after it reads the time again.

/** Runs a newly installed compromise runner with virtual interrupts disabled. */
function* compromisePath(ctx: GuestContext, runner: CompromiseRunner): Guest<void> {
  ctx.trace("richos.compromise", () => ({}));
  yield* interrupts(false);
  yield* runner(ctx);
  yield* interrupts(true);
  ctx.trace("richos.compromise.end", () => ({}));
}

/** Sends a queued IPC burst as fast as it can, counting accepted and refused messages. */
function* burstPath(ctx: GuestContext, observe: RichOsObservation, burst: Burst): Guest<void> {
  const capName = `send:${burst.channel}`;
  const bytes = new Uint8Array(burst.bytes);
  let accepted = 0, refused = 0;
  for (let i = 0; i < burst.messages; i++) {
    const op = sendOperation(ctx, burst.channel, capName, stamp(bytes, i));
    const outcome = op === undefined
      ? "error"
      : sendOutcome(ctx, burst.channel, bytes.length, true, yield op);
    if (outcome === "sent") accepted++;
    else if (outcome === "refused") refused++;
    else observe.ipcErrors++;
  }
  observe.burstAccepted += accepted;
  observe.burstRefused += refused;
  ctx.trace("ipc.burst", () => ({
    channel: burst.channel,
    messages: burst.messages,
    accepted,
    refused,
  }));
}

/** Makes a queued request on endpoint cap `call:SERVER` and keeps its reply. */
function* requestPath(
  ctx: GuestContext,
  observe: RichOsObservation,
  request: Request,
): Guest<void> {
  const cap = ctx.caps[`call:${request.server}`];
  const result = cap === undefined ? undefined : yield* call(cap, request.bytes);
  const reply = result === undefined
    ? "error:NoEndpoint"
    : result.ok
    ? [...result.value.bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
    : `error:${result.error.kind}`;
  observe.replies.push(reply);
  ctx.trace("richos.reply", () => ({ server: request.server, ok: result?.ok === true, reply }));
}

// Where a rich OS vCPU resumes: the operation it last yielded, whose result `next()` brings.
/** After enabling interrupts at boot. */
const BOOT_INTERRUPTS = 1;
/** After the clock read at boot: the epoch. */
const BOOT_CLOCK = 2;
/** After the clock read that opens a scheduling point. */
const POINT = 3;
/** Inside a rare path (`#path`): its operation's result goes to it. */
const PATH = 4;
/** After a periodic IPC send. */
const IPC_SENT = 5;
/** After arming (or stopping) the timer for the next timed event. */
const ARMED = 6;
/** After waiting with nothing to run. */
const WAITED = 7;
/** After running a frame's or a process's work. */
const RAN = 8;
/** After the clock read at a frame's end. */
const FRAME_DONE = 9;

/** A background process of the fair-share scheduler. */
interface Process {
  readonly index: number;
  vruntime: number;
}

/** A UI frame being rendered. */
interface Frame {
  readonly index: number;
  /** The vsync that started it. */
  readonly vsync: number;
  /** Its deadline: the next vsync. */
  readonly due: number;
  /** Cycles still to render. */
  remaining: number;
}

/**
 * One boot of one rich OS vCPU, driven by the kernel through the iterator protocol of a
 * generator. It is a hand-made state machine, as the RTOS's kernel (_rtos_kernel.ts) is: the
 * scheduler resumes at every scheduling point, and a generator costs a save and restore of
 * every live local per resumption. `next(result)` does what a generator's body would do
 * between two `yield`s: `#resume` names the `yield` it stopped at (the states above), and
 * every method that yields an operation sets it first.
 */
export class RichOsVcpu extends GuestStateMachine {
  readonly #ctx: GuestContext;
  readonly #config: Config;
  readonly #observe: RichOsObservation;
  readonly #foreground: boolean;
  readonly #index: number;

  // Set up at boot.
  #epoch = 0;
  #sliceCycles = 1;
  #processes: Process[] = [];
  /** Hooks run on vCPU 0 only: its control, and the control's state when richOsControl made it. */
  #control: RichOsControl | undefined;
  #state: ControlState | undefined;
  /**
   * The kernel copies a message's bytes when it queues it, so the periodic messages (all of
   * one size) share one buffer, stamped with each message's sequence number before its send.
   */
  #ipcBytes: Uint8Array | undefined;
  #ipcCapName = "";

  // The scheduler.
  /** The index of the next vsync. */
  #vsync = 0;
  /** The time of vsync `#vsync`: Infinity on a vCPU that renders no frames. */
  #vsyncNs = Infinity;
  #frame: Frame | undefined;
  #frames = 0;
  /** The time of the next periodic IPC send: Infinity on a vCPU that sends none. */
  #nextIpc = Infinity;
  /** Periodic IPC sends due and not made yet. */
  #ipcDue = 0;
  #sequence = 0;
  /** The process holding the timeslice, and the cycles left of it. */
  #current: Process | undefined;
  #sliceLeft = 0;
  /** The time the timer is armed for; -1 when stopped (or unknown, after a rare path). */
  #armedAt = -1;
  /** The runner started last (a control not made by richOsControl keeps returning it). */
  #started: CompromiseRunner | undefined;
  /** The time read at a frame's end, which the next scheduling point reuses (none passed). */
  #clockNs = -1;
  /** The rare path running. */
  #path: Guest<void> | undefined;

  // The work picked at a scheduling point: a frame's or a process's, of `#work` cycles.
  #rendering: Frame | undefined;
  #process: Process | undefined;
  #work = 0;

  constructor(ctx: GuestContext, config: Config, index: number) {
    super();
    this.#ctx = ctx;
    this.#config = config;
    this.#observe = config.observe;
    this.#foreground = index === 0;
    this.#index = index;
  }

  protected advance(at: number, result: OperationResult): Operation | undefined {
    switch (at) {
      case STATE_START:
        this.resumeAt = BOOT_INTERRUPTS;
        return INTERRUPTS_ON;
      case BOOT_INTERRUPTS:
        this.resumeAt = BOOT_CLOCK;
        return CLOCK;
      case BOOT_CLOCK:
        this.#boot(timeOf(result));
        return this.#point();
      case POINT:
        return this.#pointAt(timeOf(result));
      case PATH:
        return this.#follow(result);
      case IPC_SENT:
        this.#sent(result);
        return this.#point();
      case ARMED:
        return this.#run();
      case WAITED:
        return this.#point();
      case RAN:
        return this.#ran(result);
      case FRAME_DONE:
        return this.#frameDone(timeOf(result));
      default:
        return undefined;
    }
  }

  #boot(epoch: number): void {
    const config = this.#config;
    const { observe, ui, ipc } = config;
    const foreground = this.#foreground;
    this.#epoch = epoch;
    if (foreground) observe.boots++;
    this.#sliceCycles = Math.max(1, cyclesFor(config.timesliceNs, this.#ctx.clockHz));
    for (let p = this.#index; p < config.processes; p += config.vcpus) {
      observe.processCycles[p] ??= 0;
      this.#processes.push({ index: p, vruntime: 0 });
    }
    if (foreground && ui !== undefined) this.#vsyncNs = this.#vsyncAt(0);
    if (foreground && ipc !== undefined) this.#nextIpc = epoch;
    if (ipc !== undefined) {
      this.#ipcBytes = new Uint8Array(ipc.bytes);
      this.#ipcCapName = `send:${ipc.channel}`;
    }
    // A control made by richOsControl is read through its state; any other one only
    // installs runners (through its getter).
    this.#control = foreground ? config.control : undefined;
    this.#state = this.#control === undefined ? undefined : controlStates.get(this.#control);
  }

  /** The time of vsync `k`. */
  #vsyncAt(k: number): number {
    return this.#epoch + Math.round((k * 1e9) / this.#config.ui!.fps);
  }

  /** Opens a scheduling point: reads the time, unless a frame's end just read it. */
  #point(): Operation | undefined {
    const t = this.#clockNs;
    if (t >= 0) {
      this.#clockNs = -1;
      return this.#pointAt(t);
    }
    this.resumeAt = POINT;
    return CLOCK;
  }

  /**
   * A scheduling point at `t`: starts a rare path if a hook asks for one, else sends a due IPC
   * message, else arms the timer and runs the current frame or process (or waits).
   */
  #pointAt(t: number): Operation | undefined {
    const state = this.#state;
    const observe = this.#observe;
    const runner = state !== undefined ? state.runner : this.#control?.compromised;
    if (runner !== undefined && runner !== this.#started) {
      this.#started = runner;
      // A compromise lives in this boot only: a wiped or restarted OS comes back clean.
      if (state !== undefined) state.runner = undefined;
      observe.compromises++;
      this.#armedAt = -1;
      return this.#enter(compromisePath(this.#ctx, runner));
    }
    if (state !== undefined) {
      if (state.bursts.length > 0) {
        return this.#enter(burstPath(this.#ctx, observe, state.bursts.shift()!));
      }
      if (state.requests.length > 0) {
        this.#armedAt = -1;
        return this.#enter(requestPath(this.#ctx, observe, state.requests.shift()!));
      }
    }
    let vsyncNs = this.#vsyncNs;
    if (vsyncNs <= t) {
      const ui = this.#config.ui!;
      do {
        const following = this.#vsyncAt(this.#vsync + 1);
        if (this.#frame !== undefined) observe.vsyncsSkipped++;
        else {
          this.#frame = {
            index: this.#frames++,
            vsync: vsyncNs,
            due: following,
            remaining: ui.frameCycles,
          };
        }
        this.#vsync++;
        vsyncNs = following;
      } while (vsyncNs <= t);
      this.#vsyncNs = vsyncNs;
    }
    let nextIpc = this.#nextIpc;
    if (nextIpc <= t) {
      const every = this.#config.ipc!.every;
      do {
        this.#ipcDue++;
        nextIpc += every;
      } while (nextIpc <= t);
      this.#nextIpc = nextIpc;
    }
    if (this.#ipcDue > 0) {
      this.#ipcDue--;
      return this.#send();
    }
    const frame = this.#frame;
    if (frame === undefined && (this.#current === undefined || this.#sliceLeft <= 0)) {
      const processes = this.#processes;
      let current: Process | undefined;
      for (let i = 0; i < processes.length; i++) {
        const p = processes[i];
        if (current === undefined || p.vruntime < current.vruntime) current = p;
      }
      this.#current = current;
      this.#sliceLeft = this.#sliceCycles;
    }
    const process = frame === undefined ? this.#current : undefined;
    const work = frame !== undefined
      ? frame.remaining
      : process !== undefined
      ? this.#sliceLeft
      : 0;
    this.#rendering = frame;
    this.#process = process;
    this.#work = work;
    const timed = Math.min(vsyncNs, nextIpc);
    const wake = work === 0 && this.#foreground
      ? Math.min(timed, t + this.#config.timesliceNs)
      : timed;
    const target = wake === Infinity ? -1 : wake;
    if (target !== this.#armedAt) {
      this.#armedAt = target;
      this.resumeAt = ARMED;
      return target < 0
        ? { op: "timer", periodNs: 0 }
        : { op: "timer", periodNs: ONE_SHOT_PERIOD_NS, firstNs: target - t };
    }
    return this.#run();
  }

  /** Starts a rare path: runs it up to its first operation. */
  #enter(path: Guest<void>): Operation | undefined {
    this.#path = path;
    // As `yield*` does, the first call brings no result.
    return this.#follow(undefined as unknown as OperationResult);
  }

  /** Runs the rare path on with `result`; when it returns, opens the next scheduling point. */
  #follow(result: OperationResult): Operation | undefined {
    const step = this.#path!.next(result);
    if (step.done) {
      this.#path = undefined;
      return this.#point();
    }
    this.resumeAt = PATH;
    return step.value;
  }

  /** Sends the next periodic IPC message (an `ipc.error` when the capability is missing). */
  #send(): Operation | undefined {
    const channel = this.#config.ipc!.channel;
    const op = sendOperation(
      this.#ctx,
      channel,
      this.#ipcCapName,
      stamp(this.#ipcBytes!, this.#sequence++),
    );
    if (op === undefined) {
      this.#observe.ipcErrors++;
      return this.#point();
    }
    this.resumeAt = IPC_SENT;
    return op;
  }

  /** Counts a periodic send's outcome. */
  #sent(result: OperationResult): void {
    const observe = this.#observe;
    const outcome = sendOutcome(
      this.#ctx,
      this.#config.ipc!.channel,
      this.#ipcBytes!.length,
      false,
      result,
    );
    if (outcome === "sent") observe.ipcSent++;
    else if (outcome === "refused") observe.ipcRefused++;
    else observe.ipcErrors++;
  }

  /** Runs the picked work, or waits when there is none. */
  #run(): Operation {
    const work = this.#work;
    if (work === 0) {
      this.resumeAt = WAITED;
      return WAIT;
    }
    this.resumeAt = RAN;
    return computeOperation(work);
  }

  /** Accounts the work done; at a frame's end reads the time to finish it. */
  #ran(result: OperationResult): Operation | undefined {
    const work = this.#work;
    const done = work - outcomeOf(result, work).remainingCycles;
    const process = this.#process;
    if (process !== undefined) {
      process.vruntime += done;
      this.#observe.processCycles[process.index] += done;
      this.#sliceLeft -= done;
      return this.#point();
    }
    const rendering = this.#rendering;
    if (rendering !== undefined) {
      rendering.remaining -= done;
      if (rendering.remaining <= 0) {
        this.resumeAt = FRAME_DONE;
        return CLOCK;
      }
    }
    return this.#point();
  }

  /** Finishes the frame being rendered at `finishedAt`. */
  #frameDone(finishedAt: number): Operation | undefined {
    const rendering = this.#rendering!;
    const observe = this.#observe;
    const late = finishedAt > rendering.due;
    observe.frames++;
    if (late) observe.framesLate++;
    this.#frame = undefined;
    const renderNs = finishedAt - rendering.vsync;
    this.#ctx.trace(
      "ui.frame",
      () => ({ frame: rendering.index, late, renderNs }),
      FRAME,
      hashFrame(rendering.index, late, renderNs),
    );
    // No time passes until the next scheduling point: it reads this time.
    this.#clockNs = finishedAt;
    return this.#point();
  }
}
