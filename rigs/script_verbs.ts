/**
 * The verbs of the event script: what can happen to the system. Each checks its names against
 * the plan before the run and acts on the world at its time.
 *
 * @module
 */

import type { Keypad } from "../hw/devices/keypad.ts";
import type { Radio } from "../hw/devices/radio.ts";
import { type Duration, toDuration } from "../hw/time.ts";
import { EventScript } from "./event_script.ts";
import type { Plan } from "./plan.ts";
import { didYouMean, quoteList, ScenarioError } from "./scenario_error.ts";
import { unknownCell, type World } from "./world.ts";

/** A rich OS's world-side hooks the verbs use (see guests/rich_os.ts). */
interface BurstControl {
  burst(channel: string, options: { messages: number; bytes: number }): void;
}

function checkCell(plan: Plan, name: string): void {
  if (!plan.cells.some((c) => c.name === name)) throw unknownCell(name, plan);
}

function checkDevice(plan: Plan, name: string, kind?: string): void {
  const devices = plan.board?.devices ?? [];
  const device = devices.find((d) => d.name === name);
  if (device === undefined) {
    const names = devices.map((d) => d.name);
    throw new ScenarioError(
      `Unknown device "${name}": the board has ${quoteList(names)}${didYouMean(name, names)}`,
    );
  }
  if (kind !== undefined && device.kind !== kind) {
    throw new ScenarioError(`Device "${name}" is a ${device.kind}, not a ${kind}`);
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ScenarioError(`Invalid ${what}: ${value} is not a positive integer`);
  }
  return value;
}

/**
 * The script with every verb.
 *
 * @example Usage
 * ```ts
 * import { ScriptVerbs } from "./script_verbs.ts";
 * import { emptyPlan } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const plan = emptyPlan("x");
 * new ScriptVerbs(plan).at("300ms").keypad("4711#");
 * assert.equal(plan.events[0].label, 'keypad "4711#"');
 * ```
 */
export class ScriptVerbs extends EventScript {
  /**
   * Asserts a device's IRQ line (as the device would).
   *
   * @param device The device name, e.g. `"radio"`.
   * @returns The script.
   */
  irq(device: string): this {
    return this.add({
      label: `irq ${device}`,
      check: (plan) => checkDevice(plan, device),
      run: (world) => world.board.interrupts.raise(world.board.irqLine(device)),
    });
  }

  /**
   * Presses keys on the keypad, one every `gap` (default 120 ms), starting at the cursor.
   *
   * @param keys Keys, e.g. `"4711#"`.
   * @param options The gap between presses.
   * @returns The script.
   */
  keypad(keys: string, options: { gap?: Duration | string } = {}): this {
    const gap = toDuration(options.gap ?? 120_000_000, "keypad gap");
    if (typeof keys !== "string" || keys.length === 0) {
      throw new ScenarioError(
        `Invalid keypad keys ${JSON.stringify(keys)}: give keys such as "4711#"`,
      );
    }
    return this.add({
      label: `keypad "${keys}"`,
      check: (plan) => checkDevice(plan, "keypad", "keypad"),
      run: (world, at) => {
        const keypad = world.board.device<Keypad>("keypad");
        [...keys].forEach((key, i) => {
          world.engine.schedule(at + i * gap, () => {
            keypad.press(key);
            world.engine.after(1_000_000, () => world.scanSecrets());
          });
        });
      },
    });
  }

  /**
   * Starts or stops the radio's frame interrupts.
   *
   * @param action `"start"` or `"stop"`.
   * @returns The script.
   */
  radio(action: "start" | "stop"): this {
    if (action !== "start" && action !== "stop") {
      throw new ScenarioError(
        `Invalid radio action "${action}": valid actions are "start", "stop"`,
      );
    }
    return this.add({
      label: `radio ${action}`,
      check: (plan) => checkDevice(plan, "radio", "radio"),
      run: (world) => {
        const radio = world.board.device<Radio>("radio");
        if (action === "start") radio.start();
        else radio.stop();
      },
    });
  }

  /**
   * Raises a device's IRQ line `count` times, `gap` apart: an interrupt storm.
   *
   * @param device The device.
   * @param options How many raises and the gap (default 1,000 raises 2 µs apart).
   * @returns The script.
   */
  irqStorm(device: string, options: { count?: number; gap?: Duration | string } = {}): this {
    const count = positiveInteger(options.count ?? 1_000, "irqStorm count");
    const gap = Math.max(1, toDuration(options.gap ?? 2_000, "irqStorm gap"));
    return this.add({
      label: `irqStorm ${device} x${count}`,
      check: (plan) => checkDevice(plan, device),
      run: (world, at) => {
        const line = world.board.irqLine(device);
        for (let i = 0; i < count; i++) {
          world.engine.schedule(at + i * gap, () => world.board.interrupts.raise(line));
        }
      },
    });
  }

  /**
   * Makes a cell's OS flood a channel with messages as fast as it can (a rich OS hook).
   *
   * @param from The sending cell (a rich OS).
   * @param to The receiving cell.
   * @param options Messages and bytes each.
   * @returns The script.
   */
  ipcBurst(from: string, to: string, options: { messages: number; bytes: number }): this {
    const messages = positiveInteger(options.messages, "ipcBurst messages");
    const bytes = positiveInteger(options.bytes, "ipcBurst bytes");
    return this.add({
      label: `ipcBurst ${from}->${to} ${messages} x ${bytes} B`,
      check: (plan) => {
        checkCell(plan, from);
        checkCell(plan, to);
        if (!plan.channels.some((c) => c.from === from && c.to === to)) {
          throw new ScenarioError(
            `ipcBurst needs a channel from "${from}" to "${to}": add .channel("${from}", "${to}", { slots, maxBytes })`,
          );
        }
        const kind = plan.cells.find((c) => c.name === from)!.recipe.kind;
        if (kind !== "rich-os") {
          throw new ScenarioError(`ipcBurst needs a rich OS sender: cell "${from}" is a ${kind}`);
        }
      },
      run: (world) =>
        world.control<BurstControl>(from)!.burst(`${from}->${to}`, { messages, bytes }),
    });
  }

  /**
   * Crashes a cell: the kernel stops it (as on a fatal fault), memory kept.
   *
   * @param cell The cell.
   * @returns The script.
   */
  crash(cell: string): this {
    return this.add({
      label: `crash ${cell}`,
      check: (plan) => checkCell(plan, cell),
      run: (world) => {
        world.emit("cell.crash", { cell });
        world.kernel.stop(world.cell(cell));
      },
    });
  }

  /**
   * Hangs a cell: its vCPUs stop making progress (suspended) until `resume`.
   *
   * @param cell The cell.
   * @returns The script.
   */
  hang(cell: string): this {
    return this.add({
      label: `hang ${cell}`,
      check: (plan) => checkCell(plan, cell),
      run: (world) => {
        world.emit("cell.hang", { cell });
        world.kernel.suspend(world.cell(cell));
      },
    });
  }

  /**
   * Resumes a hung (suspended) cell.
   *
   * @param cell The cell.
   * @returns The script.
   */
  resume(cell: string): this {
    return this.add({
      label: `resume ${cell}`,
      check: (plan) => checkCell(plan, cell),
      run: (world) => world.kernel.resume(world.cell(cell)),
    });
  }

  /**
   * Restarts a cell from its image (stop, then start; memory kept).
   *
   * @param cell The cell.
   * @returns The script.
   */
  restart(cell: string): this {
    return this.add({
      label: `restart ${cell}`,
      check: (plan) => checkCell(plan, cell),
      run: (world: World) => {
        const target = world.cell(cell);
        world.kernel.stop(target);
        world.kernel.start(target);
      },
    });
  }
}
