/**
 * What every simulated device shares: a named window in the physical address map and an
 * interrupt line on the board's controller.
 *
 * @module
 */

import type { Engine } from "../engine.ts";
import type { InterruptController } from "../interrupt_controller.ts";
import type { MmioDevice } from "../physical_memory.ts";

/** The options every device takes: its name, its window and its interrupt line. */
export interface DeviceWindowOptions {
  /** The device name (trace source), unique on a board, e.g. `"radio"`. */
  readonly name: string;
  /** The physical base address of the window. */
  readonly base: number;
  /** The window size in bytes: at least the device's minimum (its `minimumSize`, or as its options say). */
  readonly size: number;
  /** The device's interrupt line. */
  readonly irq: number;
  /** The controller the line is on. */
  readonly interrupts: InterruptController;
}

/**
 * A memory-mapped device with an interrupt line: the name, window and line every device has,
 * and the engine and controller it works with. Each device adds its registers and behaviour.
 *
 * @example A device that raises its line when its one register is written
 * ```ts
 * import { Engine } from "../engine.ts";
 * import { InterruptController } from "../interrupt_controller.ts";
 * import { IrqDevice } from "./irq_device.ts";
 * import assert from "node:assert/strict";
 * class Doorbell extends IrqDevice {
 *   read(_offset: number, length: number): Uint8Array {
 *     return new Uint8Array(length);
 *   }
 *   write(): void {
 *     this.interrupts.raise(this.irq);
 *   }
 * }
 * const engine = new Engine();
 * const vic = new InterruptController(engine, { kind: "vic", cores: 1, lines: 8 });
 * vic.enable(2);
 * const bell = new Doorbell(engine, { name: "bell", base: 0x1000, size: 4, irq: 2, interrupts: vic });
 * bell.write();
 * assert.ok(vic.isPending(2));
 * ```
 */
export abstract class IrqDevice implements MmioDevice {
  /** The device name. */
  readonly name: string;
  /** The window base. */
  readonly base: number;
  /** The window size. */
  readonly size: number;
  /** The interrupt line. */
  readonly irq: number;
  /** The engine the device's timing runs on. */
  protected readonly engine: Engine;
  /** The controller its line is on. */
  protected readonly interrupts: InterruptController;

  /**
   * Keeps the device's name, window and line.
   *
   * @param engine The engine.
   * @param options Name, window, line and controller.
   */
  constructor(engine: Engine, options: DeviceWindowOptions) {
    this.engine = engine;
    this.interrupts = options.interrupts;
    this.name = options.name;
    this.base = options.base;
    this.size = options.size;
    this.irq = options.irq;
  }

  /**
   * Reads bytes from the window.
   *
   * @param offset Relative to the device base.
   * @param length How many bytes.
   * @returns The bytes.
   */
  abstract read(offset: number, length: number): Uint8Array;

  /**
   * Writes bytes to the window.
   *
   * @param offset Relative to the device base.
   * @param bytes What to write.
   * @param initiator Who writes (a cell or core name).
   */
  abstract write(offset: number, bytes: Uint8Array, initiator: string): void;
}
