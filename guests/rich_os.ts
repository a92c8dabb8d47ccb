/**
 * A rich OS as a guest (think Android on Linux): CPU-bound background processes under a
 * CFS-like fair-share scheduler, 60 Hz UI frames, periodic IPC to driver cells over channels,
 * and world-side hooks for scripted IPC bursts and for a compromise by an attack runner.
 *
 * How it works, per vCPU. The OS enables virtual interrupts and keeps its virtual timer armed
 * for its next timed event (the next vsync or IPC send; one timeslice ahead when idle, so hooks
 * are picked up). At each scheduling point it reads `now()` and, in this order: runs a newly
 * installed compromise runner (vCPU 0; see {@linkcode RichOsControl}), sends queued bursts
 * (vCPU 0), sends due periodic IPC messages, renders the current UI frame, and otherwise runs
 * the background process with the least virtual runtime for what is left of its timeslice
 * (`timesliceNs` of cycles; ties go to the lower index). Foreground work (IPC, frames) always
 * preempts background processes. Processes are spread over the vCPUs round-robin (process p on
 * vCPU p mod vcpus); UI, IPC and the hooks run on vCPU 0.
 *
 * UI frames: vsync k is at epoch + round(k × 10⁹ / fps); the frame of vsync k must be done by
 * vsync k + 1. A frame still rendering at the next vsync is late and that vsync starts no frame
 * (a skipped vsync); the next frame starts at the first vsync after it finishes.
 *
 * Trace records (instrumentation, no virtual time), source = the cell:
 * `ui.frame` {frame, late, renderNs}, `ipc.refused` {channel, bytes, burst},
 * `ipc.error` {channel, error}, `ipc.burst` {channel, messages, accepted, refused},
 * `richos.compromise` {} and `richos.compromise.end` {}.
 *
 * @module
 */

import type { CellImage, GuestContext } from "../kernel/objects/cell.ts";
import type { Operation, OperationResult } from "../kernel/abi.ts";
import { call, cyclesFor, type Guest, interrupts } from "./program.ts";
import type { GuestRecipe } from "./recipe.ts";
import { CLOCK, computeOperation, INTERRUPTS_ON, outcomeOf, timeOf, WAIT } from "./_operations.ts";

/** An attack runner: operations the compromised OS runs on its vCPU 0. */
export type CompromiseRunner = (context: GuestContext) => Guest<void>;

/**
 * World-side hooks into a rich OS, used by scripted events. The OS picks a hook up at its next
 * scheduling point on vCPU 0: at most one timeslice (or one vsync period while a frame renders)
 * after the call.
 */
export interface RichOsControl {
  /** The runner installed by {@linkcode RichOsControl.compromise} and not started yet. */
  readonly compromised: CompromiseRunner | undefined;
  /**
   * Installs an attack runner. At its next scheduling point on vCPU 0 the OS runs it, with
   * virtual interrupts disabled, in place of its own work until the runner returns; each
   * installed runner runs once.
   *
   * @param runner The runner.
   */
  compromise(runner: CompromiseRunner): void;
  /**
   * Queues an IPC burst the OS sends as fast as it can on channel cap `send:NAME` at its next
   * scheduling point on vCPU 0, counting accepted and refused (QueueFull) messages.
   *
   * @param channelName The channel, e.g. `"android->baseband"`.
   * @param burst How many messages of how many bytes.
   */
  burst(channelName: string, burst: { messages: number; bytes: number }): void;
  /**
   * Queues a request the OS makes on endpoint cap `call:SERVER` at its next scheduling point
   * on vCPU 0 (e.g. asking the PIN cell to verify a PIN). The reply is traced as
   * `richos.reply` {server, ok, reply (hex)} and kept in the observation.
   *
   * @param server The serving cell.
   * @param request The request bytes; default `"REQ"`.
   */
  request(server: string, request?: Uint8Array): void;
  /**
   * Forgets every queued burst and request and any installed runner: a new run (another seed)
   * starts from a clean control. The scenario rig calls it when it loads the cell.
   */
  reset(): void;
}

interface Request {
  readonly server: string;
  readonly bytes: Uint8Array;
}

interface Burst {
  readonly channel: string;
  readonly messages: number;
  readonly bytes: number;
}

/**
 * The state behind a control, kept out of its public shape: the installed runner and the
 * queued bursts and requests. The guest reads it directly at every scheduling point.
 */
interface ControlState {
  /** The runner installed and not started yet (the guest clears it when it starts it). */
  runner: CompromiseRunner | undefined;
  readonly bursts: Burst[];
  readonly requests: Request[];
}

/** The state of each control made by {@linkcode richOsControl}. */
const controlStates = new WeakMap<RichOsControl, ControlState>();

/**
 * Makes a control object to pass as `richOs({ control })`.
 *
 * @returns A control with no runner and no queued burst.
 *
 * @example Usage
 * ```ts
 * import { richOsControl } from "./rich_os.ts";
 * import { compute } from "./program.ts";
 * import assert from "node:assert/strict";
 * const control = richOsControl();
 * control.burst("android->baseband", { messages: 100, bytes: 64 });
 * control.compromise(function* () { yield* compute(1_000); });
 * assert.notEqual(control.compromised, undefined);
 * ```
 */
export function richOsControl(): RichOsControl {
  const state: ControlState = { runner: undefined, bursts: [], requests: [] };
  const control: RichOsControl = {
    get compromised() {
      return state.runner;
    },
    compromise(next: CompromiseRunner) {
      state.runner = next;
    },
    burst(channel: string, burst: { messages: number; bytes: number }) {
      const { messages, bytes } = burst;
      if (!Number.isSafeInteger(messages) || messages < 0) {
        throw new RangeError(`Cannot queue burst: messages ${messages} must be a whole number`);
      }
      if (!Number.isSafeInteger(bytes) || bytes < 0) {
        throw new RangeError(`Cannot queue burst: bytes ${bytes} must be a whole number`);
      }
      state.bursts.push({ channel, messages, bytes });
    },
    request(server: string, request?: Uint8Array) {
      state.requests.push({ server, bytes: request ?? new TextEncoder().encode("REQ") });
    },
    reset() {
      state.bursts.length = 0;
      state.requests.length = 0;
      state.runner = undefined;
    },
  };
  controlStates.set(control, state);
  return control;
}

/** World-side counters of a rich OS (filled by the guest; no virtual time). */
export interface RichOsObservation {
  /** Boots (of vCPU 0). */
  boots: number;
  /** Cycles each background process has run, by process index. */
  readonly processCycles: number[];
  /** UI frames finished. */
  frames: number;
  /** UI frames finished after their deadline (the next vsync). */
  framesLate: number;
  /** Vsyncs that started no frame because the previous one was still rendering. */
  vsyncsSkipped: number;
  /** Periodic IPC messages accepted. */
  ipcSent: number;
  /** Periodic IPC messages refused with QueueFull. */
  ipcRefused: number;
  /** Sends failed for another reason (no capability, peer stopped, …). */
  ipcErrors: number;
  /** Replies to requests, in order, as hex (or `error:KIND`). */
  readonly replies: string[];
  /** Burst messages accepted. */
  burstAccepted: number;
  /** Burst messages refused with QueueFull. */
  burstRefused: number;
  /** Compromise runners started. */
  compromises: number;
}

/**
 * Makes an empty observation to pass as `richOs({ observe })`.
 *
 * @returns Zeroed counters.
 *
 * @example Usage
 * ```ts
 * import { richOsObservation } from "./rich_os.ts";
 * import assert from "node:assert/strict";
 * assert.equal(richOsObservation().frames, 0);
 * ```
 */
export function richOsObservation(): RichOsObservation {
  return {
    boots: 0,
    processCycles: [],
    frames: 0,
    framesLate: 0,
    vsyncsSkipped: 0,
    ipcSent: 0,
    ipcRefused: 0,
    ipcErrors: 0,
    replies: [],
    burstAccepted: 0,
    burstRefused: 0,
    compromises: 0,
  };
}

/** Options of {@linkcode richOs}. */
export interface RichOsOptions {
  /** The vCPUs' priority 0-255. */
  readonly priority: number;
  /** The core of every vCPU, or one per vCPU (cycled); default 0. */
  readonly affinity?: number | readonly number[];
  /** Each vCPU's budget per period, ns. */
  readonly budgetNs?: number;
  /** The budget's period, ns. */
  readonly periodNs?: number;
  /** vCPUs; default 1. */
  readonly vcpus?: number;
  /** CPU-bound background processes; default 4. */
  readonly processes?: number;
  /** Periodic UI frames: vsync rate and cycles to render one frame. */
  readonly ui?: { readonly fps: number; readonly frameCycles: number };
  /** The fair-share scheduler's timeslice, ns of a process's run time; default 4 ms. */
  readonly timesliceNs?: number;
  /** Periodic IPC: a `bytes`-byte message every `every` ns on channel cap `send:CHANNEL`. */
  readonly ipc?: { readonly channel: string; readonly every: number; readonly bytes: number };
  /** RAM in bytes; default 64 MiB. */
  readonly ramBytes?: number;
  /** The image; default `{ name: "rich-os", version: "1.0" }`. */
  readonly image?: CellImage;
  /** Hooks for scripted events (see {@linkcode richOsControl}). */
  readonly control?: RichOsControl;
  /** Where to keep counters (see {@linkcode richOsObservation}). */
  readonly observe?: RichOsObservation;
}

interface Config {
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
/** Not started: nothing yielded yet. */
const START = 0;
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
/** Returned or thrown: the program is over. */
const DONE = 10;

const OVER: IteratorResult<Operation, void> = Object.freeze({ done: true, value: undefined });

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
class RichOsVcpu extends Iterator<Operation, void, OperationResult> implements Guest<void> {
  readonly #ctx: GuestContext;
  readonly #config: Config;
  readonly #observe: RichOsObservation;
  readonly #foreground: boolean;
  readonly #index: number;
  #resume = START;
  /** What `next()` returns for a yielded operation: one object, rewritten at every call. */
  readonly #yielded: { done: false; value: Operation } = { done: false, value: CLOCK };

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

  /**
   * Runs the vCPU up to its next operation.
   *
   * @param result The result of the operation it yielded last (ignored on the first call).
   * @returns The next operation (the OS never returns), in an object the next call reuses.
   */
  override next(result?: OperationResult): IteratorResult<Operation, void> {
    const at = this.#resume;
    // Whatever throws below ends the program, as a throw ends a generator; every path that
    // yields sets where to resume.
    this.#resume = DONE;
    const op = this.#advance(at, result as OperationResult);
    if (op === undefined) return OVER;
    const yielded = this.#yielded;
    yielded.value = op;
    return yielded;
  }

  /**
   * Ends the program.
   *
   * @returns Done.
   */
  override return(): IteratorResult<Operation, void> {
    this.#resume = DONE;
    return OVER;
  }

  /**
   * Ends the program by throwing `error` (the OS catches nothing).
   *
   * @param error What to throw.
   * @returns Never.
   */
  override throw(error: unknown): IteratorResult<Operation, void> {
    this.#resume = DONE;
    throw error;
  }

  /**
   * The program itself, as for a generator.
   *
   * @returns This program.
   */
  override [Symbol.iterator](): RichOsVcpu {
    return this;
  }

  #advance(at: number, result: OperationResult): Operation | undefined {
    switch (at) {
      case START:
        this.#resume = BOOT_INTERRUPTS;
        return INTERRUPTS_ON;
      case BOOT_INTERRUPTS:
        this.#resume = BOOT_CLOCK;
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
    this.#resume = POINT;
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
      this.#resume = ARMED;
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
    this.#resume = PATH;
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
    this.#resume = IPC_SENT;
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
      this.#resume = WAITED;
      return WAIT;
    }
    this.#resume = RAN;
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
        this.#resume = FRAME_DONE;
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
    this.#ctx.trace("ui.frame", () => ({
      frame: rendering.index,
      late,
      renderNs: finishedAt - rendering.vsync,
    }));
    // No time passes until the next scheduling point: it reads this time.
    this.#clockNs = finishedAt;
    return this.#point();
  }
}

/**
 * A recipe for a rich OS cell: `vcpus` vCPUs running the OS's scheduler over its processes,
 * UI frames and IPC.
 *
 * @param options Priority, workload, hooks and the rest.
 * @returns The recipe.
 * @throws {RangeError} For a non-positive vCPU count, a negative process count, or bad UI, IPC
 * or timeslice values.
 *
 * @example Usage
 * ```ts
 * import { richOs, richOsControl } from "./rich_os.ts";
 * import assert from "node:assert/strict";
 * const recipe = richOs({ priority: 50, processes: 12, control: richOsControl() });
 * assert.equal(recipe.kind, "rich-os");
 * assert.equal(recipe.vcpus.length, 1);
 * assert.equal(recipe.ramBytes, 64 * 1024 * 1024);
 * ```
 */
export function richOs(options: RichOsOptions): GuestRecipe {
  const vcpus = options.vcpus ?? 1;
  const processes = options.processes ?? 4;
  const timesliceNs = options.timesliceNs ?? 4_000_000;
  const check = (ok: boolean, what: string, value: unknown, valid: string) => {
    if (!ok) throw new RangeError(`Cannot create richOs: ${what} ${value} must be ${valid}`);
  };
  check(Number.isSafeInteger(vcpus) && vcpus >= 1, "vcpus", vcpus, "a whole number >= 1");
  check(
    Number.isSafeInteger(processes) && processes >= 0,
    "processes",
    processes,
    "a whole number >= 0",
  );
  check(
    Number.isSafeInteger(timesliceNs) && timesliceNs > 0,
    "timesliceNs",
    timesliceNs,
    "a whole number of ns > 0",
  );
  if (options.ui !== undefined) {
    check(options.ui.fps > 0 && options.ui.fps <= 1000, "ui.fps", options.ui.fps, "in (0, 1000]");
    check(
      Number.isSafeInteger(options.ui.frameCycles) && options.ui.frameCycles > 0,
      "ui.frameCycles",
      options.ui.frameCycles,
      "a whole number > 0",
    );
  }
  if (options.ipc !== undefined) {
    check(
      Number.isSafeInteger(options.ipc.every) && options.ipc.every > 0,
      "ipc.every",
      options.ipc.every,
      "a whole number of ns > 0",
    );
    check(
      Number.isSafeInteger(options.ipc.bytes) && options.ipc.bytes >= 0,
      "ipc.bytes",
      options.ipc.bytes,
      "a whole number >= 0",
    );
  }
  // The world-side hooks (IPC bursts, compromise) exist even when the caller passed none, so
  // a scenario's script can always reach them through the recipe.
  const control = options.control ?? richOsControl();
  const config: Config = {
    vcpus,
    processes,
    timesliceNs,
    observe: options.observe ?? richOsObservation(),
    ...(options.ui === undefined ? {} : { ui: options.ui }),
    ...(options.ipc === undefined ? {} : { ipc: options.ipc }),
    control,
  };
  const affinities = options.affinity === undefined
    ? [0]
    : typeof options.affinity === "number"
    ? [options.affinity]
    : options.affinity;
  return {
    kind: "rich-os",
    ramBytes: options.ramBytes ?? 64 * 1024 * 1024,
    vcpus: Array.from({ length: vcpus }, (_, index) => ({
      priority: options.priority,
      affinity: affinities[index % affinities.length],
      program: (ctx: GuestContext): Guest<void> => new RichOsVcpu(ctx, config, index),
      ...(options.budgetNs === undefined ? {} : { budgetNs: options.budgetNs }),
      ...(options.periodNs === undefined ? {} : { periodNs: options.periodNs }),
    })),
    image: options.image ?? { name: "rich-os", version: "1.0" },
    control,
  };
}
