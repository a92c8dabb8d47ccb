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

import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { CellImage, GuestContext } from "../kernel/objects/cell.ts";
import type { Guest } from "./program.ts";
import type { GuestRecipe } from "./recipe.ts";
import { type Config, type ControlState, controlStates, RichOsVcpu } from "./_rich_os_program.ts";

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

/** The keys of {@linkcode RichOsOptions}, checked because `deno run` does not type-check. */
const RICH_OS_KEYS = {
  priority: true,
  affinity: true,
  budgetNs: true,
  periodNs: true,
  vcpus: true,
  processes: true,
  ui: true,
  timesliceNs: true,
  ipc: true,
  ramBytes: true,
  image: true,
  control: true,
  observe: true,
} as const satisfies OptionKeys<RichOsOptions>;

const UI_KEYS = {
  fps: true,
  frameCycles: true,
} as const satisfies OptionKeys<NonNullable<RichOsOptions["ui"]>>;

const IPC_KEYS = {
  channel: true,
  every: true,
  bytes: true,
} as const satisfies OptionKeys<NonNullable<RichOsOptions["ipc"]>>;

/**
 * A recipe for a rich OS cell: `vcpus` vCPUs running the OS's scheduler over its processes,
 * UI frames and IPC.
 *
 * @param options Priority, workload, hooks and the rest.
 * @returns The recipe.
 * @throws {TypeError} For an unknown option, also in `ui` or `ipc`.
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
  const action = "Cannot create richOs";
  checkOptionKeys(options, RICH_OS_KEYS, { action });
  checkOptionKeys(options.ui, UI_KEYS, { action, prefix: "ui." });
  checkOptionKeys(options.ipc, IPC_KEYS, { action, prefix: "ipc." });
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
    [IPC_CHANNEL]: options.ipc?.channel,
  } as GuestRecipe;
}

/** Where a rich OS recipe keeps the channel of its periodic IPC, for {@linkcode richOsChannel}. */
const IPC_CHANNEL = Symbol("rich OS IPC channel");

/**
 * The channel a rich OS recipe sends its periodic IPC on (`ipc.channel`), so a scenario can
 * check it names a channel of the cell before the run; `undefined` for a rich OS without
 * periodic IPC and for any other recipe.
 *
 * @param recipe A guest recipe.
 * @returns The channel, e.g. `"android->baseband"`.
 *
 * @example Usage
 * ```ts
 * import { richOs, richOsChannel } from "./rich_os.ts";
 * import assert from "node:assert/strict";
 * const android = richOs({ priority: 50, ipc: { channel: "android->modem", every: 10_000_000, bytes: 64 } });
 * assert.equal(richOsChannel(android), "android->modem");
 * assert.equal(richOsChannel(richOs({ priority: 50 })), undefined);
 * ```
 */
export function richOsChannel(recipe: GuestRecipe): string | undefined {
  return (recipe as { readonly [IPC_CHANNEL]?: string })[IPC_CHANNEL];
}
