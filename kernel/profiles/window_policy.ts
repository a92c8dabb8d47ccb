/**
 * Time partitioning after ARINC 653 and PikeOS [S15]: a repeating major frame of partition
 * windows. A cell runs only inside a window that lists it and is preempted at the window's end
 * to the nanosecond (a kernel timer interrupt at every boundary); inside a window its vCPUs
 * are scheduled by fixed priority with round-robin among equals. Interrupts for a cell wait for
 * its window: the vIRQ is pending, the vCPU ready, but it is not picked until then.
 *
 * With `handOver` (PikeOS's background time partition), time a window leaves unused — none of
 * its cells has a ready vCPU — goes to the other cells by priority, until one of the window's
 * own becomes ready (it then preempts at once).
 *
 * @module
 */

import type { Vcpu } from "../objects/vcpu.ts";
import { DEFAULT_SLICE_NS, type PolicyHost, type SchedulingPolicy } from "../scheduler.ts";

/** One window of a major frame. */
export interface PartitionWindow {
  /** The cells that may run in it. */
  readonly cells: readonly string[];
  /** Its length, ns (> 0). */
  readonly ns: number;
}

/** Options of {@linkcode WindowPolicy}. */
export interface WindowPolicyOptions {
  /** The major frame, repeated from time 0 on every core. */
  readonly frame: readonly PartitionWindow[];
  /** Hand unused window time to other cells by priority; default false (strict TDMA). */
  readonly handOver?: boolean;
  /** Round-robin slice among equal priorities inside a window; default 10 ms. */
  readonly sliceNs?: number;
}

/**
 * A per-core major frame of partition windows.
 *
 * @example Usage
 * ```ts
 * import { WindowPolicy } from "./window_policy.ts";
 * import assert from "node:assert/strict";
 * const policy = new WindowPolicy({
 *   frame: [{ cells: ["baseband"], ns: 2_000_000 }, { cells: ["android"], ns: 3_000_000 }],
 * });
 * assert.equal(policy.majorFrameNs, 5_000_000);
 * assert.deepEqual(policy.windowAt(2_500_000).cells, ["android"]);
 * assert.equal(policy.windowEndAfter(2_500_000), 5_000_000);
 * ```
 */
export class WindowPolicy implements SchedulingPolicy {
  /** The policy's name. */
  readonly name: string = "arinc653-windows";
  /** The round-robin slice inside a window. */
  readonly sliceNs: number;
  /** The major frame's length, ns. */
  readonly majorFrameNs: number;
  readonly #frame: readonly PartitionWindow[];
  readonly #handOver: boolean;
  #ready: Vcpu[][] = [];
  #host: PolicyHost | undefined;

  /**
   * Creates a window policy, checking the frame.
   *
   * @param options The frame, hand-over and slice.
   * @throws {RangeError} For an empty frame or a window that is not a positive whole ns.
   */
  constructor(options: WindowPolicyOptions) {
    if (options.frame.length === 0) {
      throw new RangeError("Cannot create a window policy: the frame needs at least one window");
    }
    options.frame.forEach((window, index) => {
      if (!Number.isSafeInteger(window.ns) || window.ns <= 0) {
        throw new RangeError(
          `Cannot create a window policy: window ${index} length ${window.ns} ns must be a ` +
            `whole number of ns above 0`,
        );
      }
    });
    this.#frame = options.frame.map((w) => ({ cells: [...w.cells], ns: w.ns }));
    this.majorFrameNs = this.#frame.reduce((sum, w) => sum + w.ns, 0);
    this.#handOver = options.handOver === true;
    this.sliceNs = options.sliceNs ?? DEFAULT_SLICE_NS;
  }

  /**
   * The window active at a time.
   *
   * @param time Virtual time, ns.
   * @returns The window (its index in the frame too).
   */
  windowAt(time: number): PartitionWindow & { readonly index: number } {
    let offset = time % this.majorFrameNs;
    for (let index = 0; index < this.#frame.length; index++) {
      const window = this.#frame[index];
      if (offset < window.ns) return { ...window, index };
      offset -= window.ns;
    }
    return { ...this.#frame[0], index: 0 };
  }

  /**
   * When the window active at a time ends.
   *
   * @param time Virtual time, ns.
   * @returns The next boundary after `time`, ns.
   */
  windowEndAfter(time: number): number {
    const frameStart = time - (time % this.majorFrameNs);
    let end = frameStart;
    for (const window of this.#frame) {
      end += window.ns;
      if (end > time) return end;
    }
    return frameStart + this.majorFrameNs;
  }

  /** Prepares one ready list per core. */
  init(cores: number): void {
    this.#ready = Array.from({ length: cores }, () => []);
  }

  /** Arms a kernel timer at every window boundary of every core. */
  attach(host: PolicyHost): void {
    this.#host = host;
    for (let core = 0; core < this.#ready.length; core++) this.#armBoundary(core, 0);
  }

  #armBoundary(core: number, at: number): void {
    const host = this.#host!;
    host.requestDecision(core, at, () => {
      const window = this.windowAt(at);
      const end = this.windowEndAfter(at);
      host.emit("window.start", {
        core,
        window: window.index,
        cells: window.cells.join(","),
        endsAt: end,
      });
      this.#armBoundary(core, end);
    });
  }

  /** Adds a ready vCPU (front: it was preempted). */
  enqueue(vcpu: Vcpu, front: boolean): void {
    const list = this.#ready[vcpu.affinity];
    if (list.includes(vcpu)) return;
    if (front) list.unshift(vcpu);
    else list.push(vcpu);
  }

  /** Removes a vCPU from its core's ready list. */
  remove(vcpu: Vcpu): void {
    const list = this.#ready[vcpu.affinity];
    const index = list.indexOf(vcpu);
    if (index >= 0) list.splice(index, 1);
  }

  /** The best ready vCPU of the active window, or by hand-over the best of any cell. */
  peek(core: number): Vcpu | undefined {
    const list = this.#ready[core];
    const inWindow = best(list.filter((vcpu) => this.#inWindow(vcpu)));
    if (inWindow !== undefined || !this.#handOver) return inWindow;
    return best(list);
  }

  /** A vCPU of the window preempts one outside it; otherwise strictly higher priority wins. */
  preempts(candidate: Vcpu, running: Vcpu): boolean {
    const candidateIn = this.#inWindow(candidate);
    const runningIn = this.#inWindow(running);
    if (candidateIn !== runningIn) return candidateIn;
    return candidate.priority > running.priority;
  }

  /** Whether a ready vCPU of the same standing waits. */
  hasEqual(running: Vcpu): boolean {
    const runningIn = this.#inWindow(running);
    return this.#ready[running.affinity].some((vcpu) =>
      vcpu.priority === running.priority && this.#inWindow(vcpu) === runningIn
    );
  }

  /** A vCPU outside the active window may run only on hand-over of unused time. */
  mayRun(running: Vcpu): boolean {
    if (this.#inWindow(running)) return true;
    if (!this.#handOver) return false;
    return !this.#ready[running.affinity].some((vcpu) => this.#inWindow(vcpu));
  }

  #inWindow(vcpu: Vcpu): boolean {
    const now = this.#host?.now() ?? 0;
    return this.windowAt(now).cells.includes(vcpu.cell.name);
  }
}

/** The highest-priority vCPU of a list, the first among equals. */
function best(list: readonly Vcpu[]): Vcpu | undefined {
  let found: Vcpu | undefined;
  for (const vcpu of list) if (found === undefined || vcpu.priority > found.priority) found = vcpu;
  return found;
}
