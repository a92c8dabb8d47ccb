/**
 * A built board: cores, memory, interrupt controller, core timers and devices, from a
 * {@linkcode BoardSpec}.
 *
 * @module
 */

import { DEVICE_KINDS } from "./_device_kinds.ts";
import { BoardError } from "./board_error.ts";
import { type BoardSpec, timerLineOf, validateBoard } from "./board_spec.ts";
import { Core } from "./core.ts";
import { CoreTimer } from "./core_timer.ts";
import type { Engine } from "./engine.ts";
import { FlashController } from "./devices/flash_controller.ts";
import { InterruptController } from "./interrupt_controller.ts";
import { type MmioDevice, PhysicalMemory } from "./physical_memory.ts";

const DEFAULT_PRIORITY = 0x80;
const DEFAULT_TIMER_PRIORITY = 0x18;

/**
 * A simulated board built from a spec: the spec is validated first, then every part is made
 * and wired.
 *
 * Wiring:
 * - every device is attached to memory at its base, and its line is configured on the
 *   controller with the device's name, priority (default 0x80), trigger (default edge) and
 *   target core (default 0). Lines start disabled: the kernel enables the lines it routes.
 * - a flash controller is given its flash region's size, and the region's reads come from it.
 * - each core has a {@linkcode CoreTimer}: on a GIC all on PPI 30 (banked, named `"timer"`);
 *   on a VIC core k on line 28 + k (named `"timer"` for core 0, `"timer<k>"` after), priority
 *   0x18, edge; see `BoardSpec.interruptController.timerLine`.
 *
 * @example Usage
 * ```ts
 * import { Engine } from "./engine.ts";
 * import { Board } from "./board.ts";
 * import { boards } from "./boards.ts";
 * import type { Keypad } from "./devices/keypad.ts";
 * import assert from "node:assert/strict";
 * const board = new Board(new Engine(), boards.handset());
 * assert.equal(board.cores.length, 1);
 * assert.equal(board.interrupts.lineNamed("keypad"), board.irqLine("keypad"));
 * board.device<Keypad>("keypad").press("1");
 * assert.equal(board.memory.allocatedPages, 0);
 * ```
 */
export class Board {
  /** The engine the board runs on. */
  readonly engine: Engine;
  /** The spec it was built from. */
  readonly spec: BoardSpec;
  /** The board's name. */
  readonly name: string;
  /** The cores. */
  readonly cores: readonly Core[];
  /** The physical address space. */
  readonly memory: PhysicalMemory;
  /** The interrupt controller. */
  readonly interrupts: InterruptController;
  /** One timer per core. */
  readonly timers: readonly CoreTimer[];
  /** The devices by name. */
  readonly devices: ReadonlyMap<string, MmioDevice>;
  #lines = new Map<string, number>();

  /**
   * Validates a spec and builds the board.
   *
   * @param engine The engine.
   * @param spec The board description.
   * @throws {BoardError} If the spec is invalid (see `validateBoard`), or a device rejects
   * an option's value.
   */
  constructor(engine: Engine, spec: BoardSpec) {
    validateBoard(spec);
    this.engine = engine;
    this.spec = spec;
    this.name = spec.name;
    this.cores = Object.freeze(
      spec.cores.map((core, index) => new Core({ index, clockHz: core.clockHz })),
    );
    this.memory = new PhysicalMemory(spec.memory);
    const ic = spec.interruptController;
    this.interrupts = new InterruptController(engine, {
      kind: ic.kind,
      cores: spec.cores.length,
      lines: ic.lines,
    });
    const timerPriority = ic.timerPriority ?? DEFAULT_TIMER_PRIORITY;
    this.timers = Object.freeze(this.cores.map((core) => {
      const line = timerLineOf(spec, core.index);
      const name = ic.kind === "gic" || core.index === 0 ? "timer" : `timer${core.index}`;
      if (ic.kind === "vic" || core.index === 0) {
        this.interrupts.configure({
          line,
          name,
          priority: timerPriority,
          trigger: "edge",
          targetCore: core.index,
        });
      }
      return new CoreTimer(engine, { core: core.index, interrupts: this.interrupts, line });
    }));

    const devices = new Map<string, MmioDevice>();
    spec.devices.forEach((device, i) => {
      const options = device.options ?? {};
      let flashBytes = 0;
      const flashRegion = device.kind === "flash"
        ? spec.memory.find((r) =>
          r.kind === "flash" && (options.region === undefined || r.name === options.region)
        )
        : undefined;
      if (flashRegion !== undefined) flashBytes = flashRegion.size;
      let built: MmioDevice;
      try {
        built = DEVICE_KINDS[device.kind].create(engine, {
          name: device.name,
          base: device.base,
          size: device.size,
          irq: device.irq,
          interrupts: this.interrupts,
          flashBytes,
        }, options);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        throw new BoardError(
          `Invalid board "${spec.name}": devices[${i}].options of device "${device.name}" ` +
            `rejected: ${error.message}`,
          `devices[${i}].options`,
        );
      }
      this.interrupts.configure({
        line: device.irq,
        name: device.name,
        priority: device.priority ?? DEFAULT_PRIORITY,
        trigger: device.trigger ?? "edge",
        targetCore: device.targetCore ?? 0,
      });
      this.memory.attach(built);
      if (flashRegion !== undefined && built instanceof FlashController) {
        this.memory.attachFlash(built.storage, { region: flashRegion.name });
      }
      devices.set(device.name, built);
      this.#lines.set(device.name, device.irq);
    });
    this.devices = devices;
  }

  /**
   * A device by name.
   *
   * @typeParam T The device class, e.g. `Keypad`.
   * @param name The device's name.
   * @returns The device.
   * @throws {RangeError} If there is no such device, listing the names.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { Board } from "./board.ts";
   * import { boards } from "./boards.ts";
   * import assert from "node:assert/strict";
   * const board = new Board(new Engine(), boards.handset());
   * assert.throws(() => board.device("modem"), /valid devices are keypad, display/);
   * ```
   */
  device<T = MmioDevice>(name: string): T {
    const device = this.devices.get(name);
    if (device === undefined) {
      throw new RangeError(
        `Cannot find device "${name}" on board "${this.name}": valid devices are ` +
          [...this.devices.keys()].join(", "),
      );
    }
    return device as T;
  }

  /**
   * The interrupt line of a device.
   *
   * @param deviceName The device's name.
   * @returns Its line.
   * @throws {RangeError} If there is no such device.
   *
   * @example Usage
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { Board } from "./board.ts";
   * import { boards } from "./boards.ts";
   * import assert from "node:assert/strict";
   * const board = new Board(new Engine(), boards.automotive());
   * assert.ok(board.irqLine("can") >= 32);
   * ```
   */
  irqLine(deviceName: string): number {
    this.device(deviceName);
    return this.#lines.get(deviceName)!;
  }
}
