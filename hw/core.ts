/**
 * A processor core: its index and clock.
 *
 * @module
 */

import { cyclesToNs, type Duration } from "./time.ts";

/** Options of the {@linkcode Core} constructor. */
export interface CoreOptions {
  /** The core's index on its board, from 0. */
  readonly index: number;
  /** The clock frequency in hertz, a positive number. */
  readonly clockHz: number;
}

/**
 * A processor core. It holds no execution state (the kernel schedules onto it); it converts
 * cycle counts from the cost model to time.
 *
 * @example Usage
 * ```ts
 * import { Core } from "./core.ts";
 * import assert from "node:assert/strict";
 * const core = new Core({ index: 0, clockHz: 532_000_000 });
 * assert.equal(core.cyclesToNs(532), 1_000);
 * assert.equal(core.cyclesToNs(1), 2);
 * ```
 */
export class Core {
  /** The core's index on its board. */
  readonly index: number;
  /** The clock frequency in hertz. */
  readonly clockHz: number;

  /**
   * Creates a core.
   *
   * @param options Index and clock.
   * @throws {RangeError} If the index is not a whole number or the clock is not positive.
   */
  constructor(options: CoreOptions) {
    if (!Number.isSafeInteger(options.index) || options.index < 0) {
      throw new RangeError(
        `Cannot create core: index ${options.index} is not a non-negative whole number`,
      );
    }
    if (!(options.clockHz > 0) || !Number.isFinite(options.clockHz)) {
      throw new RangeError(
        `Cannot create core ${options.index}: clockHz ${options.clockHz} is not a positive ` +
          `finite number of hertz`,
      );
    }
    this.index = options.index;
    this.clockHz = options.clockHz;
  }

  /**
   * Converts cycles to nanoseconds at this core's clock, rounding up.
   *
   * @param cycles A non-negative number of cycles.
   * @returns Whole nanoseconds.
   *
   * @example Usage
   * ```ts
   * import { Core } from "./core.ts";
   * import assert from "node:assert/strict";
   * const core = new Core({ index: 1, clockHz: 1_200_000_000 });
   * assert.equal(core.cyclesToNs(1_200), 1_000);
   * ```
   */
  cyclesToNs(cycles: number): Duration {
    return cyclesToNs(cycles, this.clockHz);
  }
}
