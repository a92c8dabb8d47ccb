/**
 * The interrupt controller: GIC-style (SGI/PPI/SPI, priority mask, per-core running priority)
 * on multicore boards, VIC-style on the single-core handset.
 *
 * @module
 */

import {
  mixDigest,
  mixNumber,
  mixString,
  RECORD_SEED,
  recordLayout,
  stringDigest,
} from "./fingerprint.ts";
import type { Engine } from "./engine.ts";
import type { TraceBus } from "./trace_bus.ts";
import type { Instant } from "./time.ts";

/** How a line signals: a latched edge or a held level. */
export type TriggerMode = "edge" | "level";

/** The configuration of one interrupt line. */
export interface LineConfig {
  /** The line number (GIC: the interrupt ID). */
  readonly line: number;
  /** A name, unique on the controller, e.g. the device's name. */
  readonly name: string;
  /** 0..255; a lower value is more urgent, as on ARM. */
  readonly priority: number;
  /** Edge-latched or level-held. */
  readonly trigger: TriggerMode;
  /** The core the line is delivered to (for banked SGI/PPI lines: ignored, each core has its own). */
  readonly targetCore: number;
}

/** Options of the {@linkcode InterruptController} constructor. */
export interface InterruptControllerOptions {
  /** `"gic"` (lines 0–15 SGI, 16–31 PPI banked per core, 32+ SPI) or `"vic"` (all lines alike). */
  readonly kind: "gic" | "vic";
  /** The number of cores, at least 1. */
  readonly cores: number;
  /** The number of lines (GIC: at least 32). */
  readonly lines: number;
  /** The trace source name; default the kind. */
  readonly name?: string;
}

/**
 * The value {@linkcode InterruptController.acknowledge} returns when nothing is deliverable,
 * as the GIC's spurious interrupt ID.
 *
 * @example Usage
 * ```ts
 * import { SPURIOUS_INTERRUPT } from "./interrupt_controller.ts";
 * import assert from "node:assert/strict";
 * assert.equal(SPURIOUS_INTERRUPT, 1023);
 * ```
 */
export const SPURIOUS_INTERRUPT = 1023;

/** The running priority of a core that handles no interrupt: below every priority. */
const IDLE_PRIORITY = 0x100;
/** The default priority of an unconfigured line. */
const DEFAULT_PRIORITY = 0x80;
const SGI_COUNT = 16;
const BANKED_COUNT = 32;

// Layouts of the controller's records (see RecordLayout in fingerprint.ts). The controller
// hashes each record itself from its values and the names' digests (one record per interrupt
// edge), and while no plain subscriber listens it builds none: sinks count these kinds (see
// COUNTED_KINDS in trace_bus.ts). A layout gives the same hash from a built record.
type RaiseRecord = { time: number; kind: string; source: string; line: number; name: string };
type BankedRaiseRecord = RaiseRecord & { core: number };
type LineOnCoreRecord = { time: number; kind: string; source: string; line: number; core: number };

/** Mixes the fields every controller record starts with (kind and source as digests). */
function mixLine(seed: number, time: number, kind: number, source: number, line: number): number {
  return mixNumber(mixDigest(mixDigest(mixNumber(seed, time), kind), source), line);
}

const mixRaise = (r: RaiseRecord, seed: number) =>
  mixString(mixLine(seed, r.time, stringDigest(r.kind), stringDigest(r.source), r.line), r.name);
const mixLineOnCore = (r: LineOnCoreRecord, seed: number) =>
  mixNumber(mixLine(seed, r.time, stringDigest(r.kind), stringDigest(r.source), r.line), r.core);
const RAISE = recordLayout<RaiseRecord>("irq.raise", mixRaise);
const BANKED_RAISE = recordLayout<BankedRaiseRecord>(
  "irq.raise",
  (r, seed) => mixNumber(mixRaise(r, seed), r.core),
);
const ACK = recordLayout<LineOnCoreRecord>("irq.ack", (r, seed) => mixLineOnCore(r, seed));
const EOI = recordLayout<LineOnCoreRecord>("irq.eoi", (r, seed) => mixLineOnCore(r, seed));
const RAISE_KIND = stringDigest("irq.raise");
const ACK_KIND = stringDigest("irq.ack");
const EOI_KIND = stringDigest("irq.eoi");

/**
 * A GIC/VIC-like interrupt controller.
 *
 * Model:
 * - Each line has a priority (0..255, lower wins), a trigger, a target core and an enable bit.
 *   Lines start disabled, except GIC SGIs (0–15), which are always enabled at reset.
 * - On a GIC, lines 0–15 (SGIs) and 16–31 (PPIs) are banked: each core has its own pending and
 *   active state for them; `raise(line, core)` picks the bank (default the line's target core).
 *   Lines 32 and up (SPIs), and every line of a VIC, have one state, delivered to the target core.
 * - Edge: `raise` latches pending (a raise while pending is coalesced); acknowledging clears it.
 *   Level: pending follows the input (`raise` asserts, `lower` deasserts).
 * - A line is deliverable to a core when pending, enabled, not active, targeted at the core,
 *   and its priority is below both the core's priority mask and its running priority.
 * - `acknowledge` takes the most urgent deliverable line (lowest priority value, then lowest
 *   line number), marks it active and pushes its priority as the running priority;
 *   `endOfInterrupt` pops it, in strict reverse order.
 * - A core's IRQ input (see {@linkcode InterruptController.connect}) is called synchronously
 *   whenever a state change leaves that core with a deliverable line.
 *
 * Trace records (when the bus is active): `irq.raise` {line, name} (plus `core` for banked
 * lines) when a line becomes pending, `irq.ack` {line, core}, `irq.eoi` {line, core}.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "./engine.ts";
 * import { InterruptController, SPURIOUS_INTERRUPT } from "./interrupt_controller.ts";
 * import assert from "node:assert/strict";
 * const gic = new InterruptController(new Engine(), { kind: "gic", cores: 2, lines: 64 });
 * gic.configure({ line: 40, name: "uart", priority: 0x40, trigger: "edge", targetCore: 1 });
 * gic.enable(40);
 * const signalled: number[] = [];
 * gic.connect(1, (core) => signalled.push(core));
 * gic.raise(40);
 * assert.deepEqual(signalled, [1]);
 * assert.equal(gic.acknowledge(0), SPURIOUS_INTERRUPT);
 * assert.equal(gic.acknowledge(1), 40);
 * gic.endOfInterrupt(1, 40);
 * assert.equal(gic.runningPriority(1), 0x100);
 * ```
 */
export class InterruptController {
  #engine: Engine;
  #name: string;
  /** The digest of {@linkcode InterruptController.#name}, for the records' hashes. */
  #nameDigest: number;
  /** The digest of each line's name, for the records' hashes. */
  #lineNameDigests: number[];
  #lineCount: number;
  #coreCount: number;
  #configs: LineConfig[];
  #names = new Map<string, number>();
  #enabled: Uint8Array;
  // Per (line, bank) state; shared lines use bank 0. Slot = line * cores + bank.
  #pending: Uint8Array;
  #active: Uint8Array;
  #levelHigh: Uint8Array;
  #assertedAt: Float64Array;
  #pendingSlots = new Set<number>();
  #masks: Uint16Array;
  // Per core, the slots of its active lines in order of acknowledgement; each active slot's
  // priority at acknowledgement is in #activePriorities (a slot is active at most once).
  #stacks: number[][];
  #activePriorities: Uint16Array;
  #handlers: (((core: number) => void) | undefined)[];
  #notifying: Uint8Array;
  #again: Uint8Array;
  /** `"gic"` or `"vic"`. */
  readonly kind: "gic" | "vic";
  /** The number of lines. */
  readonly lines: number;
  /** The number of cores. */
  readonly cores: number;

  /**
   * Creates a controller with every line unconfigured (named `irq<n>`, priority 0x80, edge,
   * core 0) and disabled.
   *
   * @param engine The engine (time and trace).
   * @param options Kind, cores and number of lines.
   * @throws {RangeError} If the counts are out of range.
   */
  constructor(engine: Engine, options: InterruptControllerOptions) {
    const { kind, cores, lines } = options;
    if (kind !== "gic" && kind !== "vic") {
      throw new RangeError(`Cannot create interrupt controller: kind "${kind}" is not gic or vic`);
    }
    if (!Number.isSafeInteger(cores) || cores < 1 || cores > 64) {
      throw new RangeError(
        `Cannot create interrupt controller: cores ${cores} is not a whole number in 1..64`,
      );
    }
    const minimum = kind === "gic" ? BANKED_COUNT + 1 : 1;
    if (!Number.isSafeInteger(lines) || lines < minimum || lines > 1020) {
      throw new RangeError(
        `Cannot create interrupt controller: lines ${lines} is not a whole number in ` +
          `${minimum}..1020`,
      );
    }
    this.#engine = engine;
    this.kind = kind;
    this.cores = cores;
    this.lines = lines;
    this.#name = options.name ?? kind;
    this.#nameDigest = stringDigest(this.#name);
    this.#lineCount = lines;
    this.#coreCount = cores;
    this.#configs = [];
    this.#lineNameDigests = [];
    for (let line = 0; line < lines; line++) {
      this.#lineNameDigests.push(stringDigest(`irq${line}`));
      this.#configs.push(
        Object.freeze({
          line,
          name: `irq${line}`,
          priority: DEFAULT_PRIORITY,
          trigger: "edge",
          targetCore: 0,
        }),
      );
    }
    this.#enabled = new Uint8Array(lines);
    if (kind === "gic") this.#enabled.fill(1, 0, SGI_COUNT);
    this.#pending = new Uint8Array(lines * cores);
    this.#active = new Uint8Array(lines * cores);
    this.#levelHigh = new Uint8Array(lines * cores);
    this.#assertedAt = new Float64Array(lines * cores).fill(-1);
    this.#masks = new Uint16Array(cores).fill(0xff);
    this.#stacks = Array.from({ length: cores }, () => []);
    this.#activePriorities = new Uint16Array(lines * cores);
    this.#handlers = new Array(cores).fill(undefined);
    this.#notifying = new Uint8Array(cores);
    this.#again = new Uint8Array(cores);
  }

  /**
   * Configures a line (name, priority, trigger, target core); its enable bit is unchanged.
   *
   * @param config The line's configuration.
   * @throws {RangeError} If a field is out of range, the name is taken by another line, or a
   * GIC SGI is made level-triggered.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 64 });
   * vic.configure({ line: 24, name: "keypad", priority: 0x40, trigger: "edge", targetCore: 0 });
   * assert.equal(vic.lineNamed("keypad"), 24);
   * assert.equal(vic.config(24).priority, 0x40);
   * ```
   */
  configure(config: LineConfig): void {
    const { line, name, priority, trigger, targetCore } = config;
    this.#checkLine(line, "configure");
    this.#checkPriority(priority, `configure line ${line}`);
    this.#checkCore(targetCore, `configure line ${line}`);
    if (trigger !== "edge" && trigger !== "level") {
      throw new RangeError(
        `Cannot configure line ${line}: trigger "${trigger}" is not "edge" or "level"`,
      );
    }
    if (this.kind === "gic" && line < SGI_COUNT && trigger !== "edge") {
      throw new RangeError(
        `Cannot configure line ${line}: SGIs (lines 0..15) are edge-triggered, not "${trigger}"`,
      );
    }
    const owner = this.#names.get(name);
    if (owner !== undefined && owner !== line) {
      throw new RangeError(
        `Cannot configure line ${line}: name "${name}" is already used by line ${owner}`,
      );
    }
    const previous = this.#configs[line];
    if (this.#names.get(previous.name) === line) this.#names.delete(previous.name);
    this.#names.set(name, line);
    this.#configs[line] = Object.freeze({ line, name, priority, trigger, targetCore });
    this.#lineNameDigests[line] = stringDigest(name);
    this.#signalLine(line);
  }

  /**
   * Finds a line by name.
   *
   * @param name The name given in {@linkcode InterruptController.configure}.
   * @returns The line, or `undefined`.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 64 });
   * assert.equal(vic.lineNamed("radio"), undefined);
   * ```
   */
  lineNamed(name: string): number | undefined {
    return this.#names.get(name);
  }

  /**
   * The configuration of a line.
   *
   * @param line The line.
   * @returns Its configuration (defaults if never configured).
   * @throws {RangeError} If the line is out of range.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 64 });
   * assert.deepEqual(vic.config(3), { line: 3, name: "irq3", priority: 0x80, trigger: "edge", targetCore: 0 });
   * ```
   */
  config(line: number): LineConfig {
    this.#checkLine(line, "read config of");
    return this.#configs[line];
  }

  /**
   * Raises a line: an edge line latches pending (coalesced if already pending), a level line
   * is asserted.
   *
   * @param line The line.
   * @param core For banked GIC lines (SGI/PPI), whose bank; default the line's target core.
   * @throws {RangeError} If the line or core is out of range.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 64 });
   * vic.raise(5);
   * assert.ok(vic.isPending(5));
   * ```
   */
  raise(line: number, core?: number): void {
    this.#checkLine(line, "raise");
    const slot = this.#slot(line, core, "raise");
    const config = this.#configs[line];
    if (config.trigger === "level") {
      if (this.#levelHigh[slot] === 1) return;
      this.#levelHigh[slot] = 1;
    } else if (this.#pending[slot] === 1) {
      return;
    }
    this.#pending[slot] = 1;
    this.#pendingSlots.add(slot);
    this.#assertedAt[slot] = this.#engine.now;
    const trace = this.#engine.trace;
    if (trace.active) this.#traceRaise(trace, line, config.name, slot);
    this.#signal(this.#deliveryCore(line, slot));
  }

  /** Emits the "irq.raise" record of a line raised now (its bank's core too, if banked). */
  #traceRaise(trace: TraceBus, line: number, name: string, slot: number): void {
    const time = this.#engine.now;
    let hash = mixLine(RECORD_SEED, time, RAISE_KIND, this.#nameDigest, line);
    hash = mixDigest(hash, this.#lineNameDigests[line]);
    const banked = this.#isBanked(line);
    const core = slot % this.#coreCount;
    if (banked) hash = mixNumber(hash, core);
    if (!trace.recordsWanted) return trace.emitCount(hash, time, "irq.raise", this.#name);
    const source = this.#name;
    if (banked) {
      trace.emit({ time, kind: "irq.raise", source, line, name, core }, BANKED_RAISE, hash);
    } else {
      trace.emit({ time, kind: "irq.raise", source, line, name }, RAISE, hash);
    }
  }

  /**
   * Emits an "irq.ack" or "irq.eoi" record of a line on a core, now.
   *
   * @param kind The record's kind: the digest and the layout follow from it.
   */
  #traceLineOnCore(trace: TraceBus, kind: "irq.ack" | "irq.eoi", line: number, core: number) {
    const time = this.#engine.now;
    const kindDigest = kind === "irq.ack" ? ACK_KIND : EOI_KIND;
    const hash = mixNumber(mixLine(RECORD_SEED, time, kindDigest, this.#nameDigest, line), core);
    if (!trace.recordsWanted) return trace.emitCount(hash, time, kind, this.#name);
    trace.emit(
      { time, kind, source: this.#name, line, core },
      kind === "irq.ack" ? ACK : EOI,
      hash,
    );
  }

  /**
   * Deasserts a level line (pending clears). Does nothing to an edge line.
   *
   * @param line The line.
   * @param core For banked GIC lines, whose bank; default the line's target core.
   * @throws {RangeError} If the line or core is out of range.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 64 });
   * vic.configure({ line: 7, name: "net", priority: 0x80, trigger: "level", targetCore: 0 });
   * vic.raise(7);
   * vic.lower(7);
   * assert.equal(vic.isPending(7), false);
   * ```
   */
  lower(line: number, core?: number): void {
    this.#checkLine(line, "lower");
    const slot = this.#slot(line, core, "lower");
    if (this.#configs[line].trigger !== "level" || this.#levelHigh[slot] === 0) return;
    this.#levelHigh[slot] = 0;
    this.#pending[slot] = 0;
    this.#pendingSlots.delete(slot);
  }

  /**
   * Clears a latched edge line's pending state without handling it (as GICD_ICPENDR).
   *
   * @param line The line.
   * @param core For banked GIC lines, whose bank.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.raise(2);
   * vic.clearPending(2);
   * assert.equal(vic.isPending(2), false);
   * ```
   */
  clearPending(line: number, core?: number): void {
    this.#checkLine(line, "clear");
    const slot = this.#slot(line, core, "clear");
    if (this.#configs[line].trigger === "level" && this.#levelHigh[slot] === 1) return;
    this.#pending[slot] = 0;
    this.#pendingSlots.delete(slot);
  }

  /**
   * Tells whether a line is pending.
   *
   * @param line The line.
   * @param core For banked GIC lines, whose bank; default the line's target core.
   * @returns Whether it is pending.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * assert.equal(vic.isPending(1), false);
   * ```
   */
  isPending(line: number, core?: number): boolean {
    this.#checkLine(line, "read");
    return this.#pending[this.#slot(line, core, "read")] === 1;
  }

  /**
   * Tells whether a line is active (acknowledged, not yet ended).
   *
   * @param line The line.
   * @param core For banked GIC lines, whose bank; default the line's target core.
   * @returns Whether it is active.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.enable(1);
   * vic.raise(1);
   * vic.acknowledge(0);
   * assert.ok(vic.isActive(1));
   * ```
   */
  isActive(line: number, core?: number): boolean {
    this.#checkLine(line, "read");
    return this.#active[this.#slot(line, core, "read")] === 1;
  }

  /**
   * Enables a line.
   *
   * @param line The line.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.enable(3);
   * assert.ok(vic.isEnabled(3));
   * ```
   */
  enable(line: number): void {
    this.#checkLine(line, "enable");
    if (this.#enabled[line] === 1) return;
    this.#enabled[line] = 1;
    this.#signalLine(line);
  }

  /**
   * Disables a line; its pending state is kept.
   *
   * @param line The line.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.enable(3);
   * vic.disable(3);
   * assert.equal(vic.isEnabled(3), false);
   * ```
   */
  disable(line: number): void {
    this.#checkLine(line, "disable");
    this.#enabled[line] = 0;
  }

  /**
   * Tells whether a line is enabled.
   *
   * @param line The line.
   * @returns Whether it is enabled.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const gic = new InterruptController(new Engine(), { kind: "gic", cores: 1, lines: 64 });
   * assert.ok(gic.isEnabled(0)); // SGIs are enabled at reset
   * assert.equal(gic.isEnabled(40), false);
   * ```
   */
  isEnabled(line: number): boolean {
    this.#checkLine(line, "read");
    return this.#enabled[line] === 1;
  }

  /**
   * Routes a line to a core.
   *
   * @param line The line.
   * @param core The target core.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const gic = new InterruptController(new Engine(), { kind: "gic", cores: 4, lines: 64 });
   * gic.setTarget(50, 3);
   * assert.equal(gic.config(50).targetCore, 3);
   * ```
   */
  setTarget(line: number, core: number): void {
    this.#checkLine(line, "route");
    this.#checkCore(core, `route line ${line}`);
    this.configure({ ...this.#configs[line], targetCore: core });
  }

  /**
   * Sets a line's priority.
   *
   * @param line The line.
   * @param priority 0..255, lower is more urgent.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.setPriority(2, 0x10);
   * assert.equal(vic.config(2).priority, 0x10);
   * ```
   */
  setPriority(line: number, priority: number): void {
    this.#checkLine(line, "set priority of");
    this.#checkPriority(priority, `set priority of line ${line}`);
    this.configure({ ...this.#configs[line], priority });
  }

  /**
   * Sets a core's priority mask: only lines with priority below the mask are signalled.
   *
   * @param core The core.
   * @param mask 0..255 (0 masks everything; the reset value 0xff lets all but 0xff through).
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController, SPURIOUS_INTERRUPT } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.enable(1);
   * vic.raise(1); // priority 0x80
   * vic.setPriorityMask(0, 0x80);
   * assert.equal(vic.acknowledge(0), SPURIOUS_INTERRUPT);
   * vic.setPriorityMask(0, 0x81);
   * assert.equal(vic.acknowledge(0), 1);
   * ```
   */
  setPriorityMask(core: number, mask: number): void {
    this.#checkCore(core, "set priority mask");
    this.#checkPriority(mask, `set priority mask of core ${core}`);
    this.#masks[core] = mask;
    this.#signal(core);
  }

  /**
   * The priority mask of a core.
   *
   * @param core The core.
   * @returns The mask.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * assert.equal(vic.priorityMask(0), 0xff);
   * ```
   */
  priorityMask(core: number): number {
    this.#checkCore(core, "read priority mask");
    return this.#masks[core];
  }

  /**
   * Acknowledges the most urgent deliverable line of a core: marks it active (an edge line's
   * pending clears) and makes its priority the running priority.
   *
   * @param core The core.
   * @returns The line, or {@linkcode SPURIOUS_INTERRUPT} if none is deliverable.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.setPriority(2, 0x40);
   * vic.setPriority(5, 0x20);
   * vic.enable(2);
   * vic.enable(5);
   * vic.raise(2);
   * vic.raise(5);
   * assert.equal(vic.acknowledge(0), 5);
   * assert.equal(vic.runningPriority(0), 0x20);
   * ```
   */
  acknowledge(core: number): number {
    this.#checkCore(core, "acknowledge");
    const slot = this.#best(core);
    if (slot < 0) return SPURIOUS_INTERRUPT;
    const line = Math.floor(slot / this.#coreCount);
    const config = this.#configs[line];
    this.#active[slot] = 1;
    if (config.trigger === "edge") {
      this.#pending[slot] = 0;
      this.#pendingSlots.delete(slot);
    }
    this.#activePriorities[slot] = config.priority;
    this.#stacks[core].push(slot);
    const trace = this.#engine.trace;
    if (trace.active) this.#traceLineOnCore(trace, "irq.ack", line, core);
    return line;
  }

  /**
   * Ends the handling of a line: it stops being active and the running priority drops back.
   * Lines must be ended in reverse order of acknowledgement.
   *
   * @param core The core.
   * @param line The line, which must be the core's most recently acknowledged active line.
   * @throws {RangeError} If the line is not the core's most recent active line.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.enable(2);
   * vic.raise(2);
   * vic.acknowledge(0);
   * assert.throws(() => vic.endOfInterrupt(0, 3), /most recently acknowledged line is 2/);
   * vic.endOfInterrupt(0, 2);
   * assert.equal(vic.isActive(2), false);
   * ```
   */
  endOfInterrupt(core: number, line: number): void {
    this.#checkCore(core, "end interrupt");
    const stack = this.#stacks[core];
    const topSlot = stack[stack.length - 1];
    const top = topSlot === undefined ? undefined : Math.floor(topSlot / this.#coreCount);
    if (top === undefined || top !== line) {
      throw new RangeError(
        `Cannot end interrupt ${line} on core ${core}: ` +
          (top === undefined
            ? "no line is active on that core"
            : `the most recently acknowledged line is ${top}, end it first ` +
              `(active: ${stack.map((slot) => Math.floor(slot / this.#coreCount)).join(", ")})`),
      );
    }
    stack.pop();
    this.#active[topSlot!] = 0;
    const trace = this.#engine.trace;
    if (trace.active) this.#traceLineOnCore(trace, "irq.eoi", line, core);
    this.#signal(core);
  }

  /**
   * The running priority of a core: the priority of its most recent active line, or 0x100
   * (idle, below every line) when none is active.
   *
   * @param core The core.
   * @returns The running priority.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * assert.equal(vic.runningPriority(0), 0x100);
   * ```
   */
  runningPriority(core: number): number {
    this.#checkCore(core, "read running priority");
    const stack = this.#stacks[core];
    return stack.length === 0 ? IDLE_PRIORITY : this.#activePriorities[stack[stack.length - 1]];
  }

  /**
   * The time a line last became pending (a coalesced raise of an already pending edge line,
   * or a raise of an asserted level line, does not move it): the start of its latency.
   *
   * @param line The line.
   * @param core For banked GIC lines, whose bank; default the line's target core.
   * @returns The time in ns, or -1 if the line was never raised.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const engine = new Engine();
   * const vic = new InterruptController(engine, { kind: "vic", cores: 1, lines: 8 });
   * engine.schedule(1_500, () => vic.raise(4));
   * engine.run({ until: 2_000 });
   * assert.equal(vic.assertedAt(4), 1_500);
   * ```
   */
  assertedAt(line: number, core?: number): Instant {
    this.#checkLine(line, "read");
    return this.#assertedAt[this.#slot(line, core, "read")];
  }

  /**
   * Connects a core's IRQ input. The handler is called synchronously, from within the call
   * that changed state (raise, enable, configure, end of interrupt, mask change), whenever the
   * core has a deliverable line. If it is called re-entrantly (the handler itself changes
   * state), the call is repeated after the handler returns instead of nesting. A handler that
   * acknowledges and ends a still-asserted level line synchronously will be called again at
   * once, forever (an interrupt storm); take the work through an engine event, or disable or
   * lower the line first.
   *
   * @param core The core.
   * @param handler Called with the core index.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * const taken: number[] = [];
   * vic.connect(0, (core) => {
   *   const line = vic.acknowledge(core);
   *   taken.push(line);
   *   vic.endOfInterrupt(core, line);
   * });
   * vic.enable(6);
   * vic.raise(6);
   * assert.deepEqual(taken, [6]);
   * ```
   */
  connect(core: number, handler: (core: number) => void): void {
    this.#checkCore(core, "connect");
    this.#handlers[core] = handler;
    this.#signal(core);
  }

  /**
   * Tells whether a core has a deliverable line.
   *
   * @param core The core.
   * @returns Whether {@linkcode InterruptController.acknowledge} would return a line.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const vic = new InterruptController(new Engine(), { kind: "vic", cores: 1, lines: 8 });
   * vic.raise(1);
   * assert.equal(vic.hasDeliverable(0), false); // disabled
   * vic.enable(1);
   * assert.equal(vic.hasDeliverable(0), true);
   * ```
   */
  hasDeliverable(core: number): boolean {
    this.#checkCore(core, "read");
    return this.#best(core) >= 0;
  }

  /**
   * Sends a software-generated interrupt (GIC SGI 0..15) to a core; it is pending in that
   * core's bank.
   *
   * @param targetCore The core.
   * @param id The SGI number, 0..15.
   * @throws {RangeError} On a VIC, or if the core or id is out of range.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { InterruptController } from "./interrupt_controller.ts";
   * import assert from "node:assert/strict";
   * const gic = new InterruptController(new Engine(), { kind: "gic", cores: 2, lines: 64 });
   * gic.sendSoftwareInterrupt(1, 3);
   * assert.ok(gic.isPending(3, 1));
   * assert.equal(gic.isPending(3, 0), false);
   * assert.equal(gic.acknowledge(1), 3);
   * ```
   */
  sendSoftwareInterrupt(targetCore: number, id: number): void {
    if (this.kind !== "gic") {
      throw new RangeError(
        `Cannot send software interrupt ${id}: a vic has no SGIs, only a gic has (ids 0..15)`,
      );
    }
    if (!this.#validCore(targetCore)) {
      this.#checkCore(targetCore, `send software interrupt ${id}`);
    }
    if (!Number.isInteger(id) || id < 0 || id >= SGI_COUNT) {
      throw new RangeError(`Cannot send software interrupt ${id}: valid SGI ids are 0..15`);
    }
    this.raise(id, targetCore);
  }

  #isBanked(line: number): boolean {
    return this.kind === "gic" && line < BANKED_COUNT;
  }

  #slot(line: number, core: number | undefined, action: string): number {
    if (this.#isBanked(line)) {
      const bank = core ?? this.#configs[line].targetCore;
      // The message is built only on failure (a template argument is a string per call).
      if (!this.#validCore(bank)) this.#checkCore(bank, `${action} line ${line}`);
      return line * this.#coreCount + bank;
    }
    return line * this.#coreCount;
  }

  #deliveryCore(line: number, slot: number): number {
    return this.#isBanked(line) ? slot % this.#coreCount : this.#configs[line].targetCore;
  }

  #best(core: number): number {
    if (this.#pendingSlots.size === 0) return -1;
    const stack = this.#stacks[core];
    const running = stack.length === 0
      ? IDLE_PRIORITY
      : this.#activePriorities[stack[stack.length - 1]];
    const limit = Math.min(running, this.#masks[core]);
    const cores = this.#coreCount;
    let bestSlot = -1, bestPriority = IDLE_PRIORITY, bestLine = this.#lineCount;
    for (const slot of this.#pendingSlots) {
      if (this.#active[slot] === 1) continue;
      const line = Math.floor(slot / cores);
      if (this.#enabled[line] === 0) continue;
      if (this.#deliveryCore(line, slot) !== core) continue;
      const priority = this.#configs[line].priority;
      if (priority >= limit) continue;
      if (priority < bestPriority || (priority === bestPriority && line < bestLine)) {
        bestSlot = slot;
        bestPriority = priority;
        bestLine = line;
      }
    }
    return bestSlot;
  }

  #signalLine(line: number): void {
    if (this.#isBanked(line)) {
      for (let core = 0; core < this.#coreCount; core++) this.#signal(core);
    } else {
      this.#signal(this.#configs[line].targetCore);
    }
  }

  #signal(core: number): void {
    const handler = this.#handlers[core];
    if (handler === undefined) return;
    if (this.#notifying[core] === 1) {
      this.#again[core] = 1;
      return;
    }
    this.#notifying[core] = 1;
    try {
      do {
        this.#again[core] = 0;
        if (this.#best(core) >= 0) handler(core);
      } while (this.#again[core] === 1);
    } finally {
      this.#notifying[core] = 0;
    }
  }

  #checkLine(line: number, action: string): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.#lineCount) {
      throw new RangeError(
        `Cannot ${action} interrupt line ${line}: valid lines are 0..${this.#lineCount - 1}`,
      );
    }
  }

  #validCore(core: number): boolean {
    return Number.isInteger(core) && core >= 0 && core < this.#coreCount;
  }

  #checkCore(core: number, action: string): void {
    if (!this.#validCore(core)) {
      throw new RangeError(
        `Cannot ${action}: core ${core} is out of range, valid cores are 0..${this.#coreCount - 1}`,
      );
    }
  }

  #checkPriority(priority: number, action: string): void {
    if (!Number.isInteger(priority) || priority < 0 || priority > 255) {
      throw new RangeError(`Cannot ${action}: priority ${priority} is not an integer in 0..255`);
    }
  }
}
