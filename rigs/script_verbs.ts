/**
 * The verbs of the event script: what can happen to the system. Each checks its names against
 * the plan before the run and acts on the world at its time.
 *
 * @module
 */

import { type Keypad, scancodeForKey } from "../hw/devices/keypad.ts";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { Radio } from "../hw/devices/radio.ts";
import { type Duration, toDuration } from "../hw/time.ts";
import type { FlashController } from "../hw/devices/flash_controller.ts";
import type { NetPort } from "../hw/devices/net_port.ts";
import { type AttackName, attackNames, attackRunner } from "../guests/attacks.ts";
import {
  backendKeys,
  buildImage,
  defaultBackendKeys,
  encodeCommandBody,
  fotaCommands,
  signCommand,
  signImage,
} from "../guests/fota_image.ts";
import type { RichOsControl } from "../guests/rich_os.ts";
import { EventScript } from "./event_script.ts";
import type { Plan } from "./plan.ts";
import { didYouMean, quoteList, ScenarioError } from "./scenario_error.ts";
import { unknownCell, type World } from "./world.ts";

const KEYPAD_KEYS = { gap: true } as const satisfies OptionKeys<
  NonNullable<Parameters<ScriptVerbs["keypad"]>[1]>
>;

const IRQ_STORM_KEYS = { count: true, gap: true } as const satisfies OptionKeys<
  NonNullable<Parameters<ScriptVerbs["irqStorm"]>[1]>
>;

const IPC_BURST_KEYS = { messages: true, bytes: true } as const satisfies OptionKeys<
  Parameters<ScriptVerbs["ipcBurst"]>[2]
>;

const COMPROMISE_KEYS = { attacks: true } as const satisfies OptionKeys<
  NonNullable<Parameters<ScriptVerbs["compromise"]>[1]>
>;

const REMOTE_WIPE_KEYS = { forged: true, replay: true } as const satisfies OptionKeys<
  NonNullable<Parameters<ScriptVerbs["remoteWipe"]>[1]>
>;

const FOTA_KEYS = {
  version: true,
  variant: true,
  badSignature: true,
  powerLossAt: true,
} as const satisfies OptionKeys<NonNullable<Parameters<ScriptVerbs["fota"]>[1]>>;

/** The backend's next command counter (monotonic across the run). */
function nextCounter(world: World, count = 1): number {
  const counter = (world.state.get("backend.counter") as number | undefined) ?? 1;
  world.state.set("backend.counter", counter + count);
  return counter;
}

function checkRichOs(plan: Plan, name: string, verb: string): void {
  checkCell(plan, name);
  const kind = plan.cells.find((c) => c.name === name)!.recipe.kind;
  if (kind !== "rich-os") {
    throw new ScenarioError(`${verb} needs a rich OS cell: cell "${name}" is a ${kind}`);
  }
}

function checkManager(plan: Plan, verb: string): void {
  if (!plan.cells.some((c) => c.recipe.kind === "manager")) {
    throw new ScenarioError(
      `${verb} needs a device manager cell: add .cell("mgr", manager({ priority: 150 }))`,
    );
  }
}

/** FOTA variants a service image can name. */
export type FotaVariant = "good" | "crash-on-boot" | "no-health";

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

/**
 * Runs a check of a verb's arguments when the verb is scripted, so a value the device or the
 * backend would refuse mid-run is bad input before anything runs.
 */
function whenScripted<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      const message = error.message;
      throw new ScenarioError(`${what}: ${message[0].toLowerCase()}${message.slice(1)}`);
    }
    throw error;
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
   * Presses keys on the keypad, one every `gap` (default 120 ms), starting at the cursor. A
   * string presses one key per character (digits, `*`, `#`); an array presses one key per
   * name, which also reaches the named keys (`up`, `down`, `left`, `right`, `select`, `call`,
   * `end`, `back`). Every key is checked when scripted.
   *
   * @param keys Keys, e.g. `"4711#"`, or key names, e.g. `["1", "2", "select"]`.
   * @param options The gap between presses.
   * @returns The script.
   * @throws {ScenarioError} For no keys, a key the keypad does not have, or an unknown option.
   *
   * @example Usage
   * ```ts
   * import { ScriptVerbs } from "./script_verbs.ts";
   * import { emptyPlan } from "./plan.ts";
   * import assert from "node:assert/strict";
   * const plan = emptyPlan("x");
   * new ScriptVerbs(plan).at("1s").keypad("12#").after("1s").keypad(["up", "select"]);
   * assert.deepEqual(plan.events.map((e) => e.label), ['keypad "12#"', 'keypad ["up","select"]']);
   * ```
   */
  keypad(keys: string | readonly string[], options: { gap?: Duration | string } = {}): this {
    checkOptionKeys(options, KEYPAD_KEYS, { action: "Cannot script keypad" });
    const gap = toDuration(options.gap ?? 120_000_000, "keypad gap");
    const named = Array.isArray(keys);
    const shown = named ? JSON.stringify(keys) : `"${keys}"`;
    if (named) {
      if (keys.length === 0 || keys.some((key) => typeof key !== "string")) {
        throw new ScenarioError(
          `Invalid keypad keys ${shown}: give key names such as ["1", "2", "select"]`,
        );
      }
    } else if (typeof keys !== "string" || keys.length === 0) {
      throw new ScenarioError(
        `Invalid keypad keys ${JSON.stringify(keys)}: give keys such as "4711#"`,
      );
    }
    const presses: readonly string[] = [...keys];
    for (const key of presses) {
      whenScripted(`Invalid keypad keys ${shown}`, () => scancodeForKey(key));
    }
    return this.add({
      label: `keypad ${shown}`,
      check: (plan) => checkDevice(plan, "keypad", "keypad"),
      run: (world, at) => {
        const keypad = world.board.device<Keypad>("keypad");
        presses.forEach((key, i) => {
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
    checkOptionKeys(options, IRQ_STORM_KEYS, { action: `Cannot script irqStorm("${device}")` });
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
    checkOptionKeys(options, IPC_BURST_KEYS, {
      action: `Cannot script ipcBurst("${from}", "${to}")`,
    });
    const messages = positiveInteger(options.messages, "ipcBurst messages");
    const bytes = positiveInteger(options.bytes, "ipcBurst bytes");
    return this.add({
      label: `ipcBurst ${from}->${to} ${messages} x ${bytes} B`,
      check: (plan) => {
        checkCell(plan, from);
        checkCell(plan, to);
        const channel = plan.channels.find((c) => c.from === from && c.to === to);
        if (channel === undefined) {
          throw new ScenarioError(
            `ipcBurst needs a channel from "${from}" to "${to}": add .channel("${from}", "${to}", { slots, maxBytes })`,
          );
        }
        if (bytes > channel.maxBytes) {
          throw new ScenarioError(
            `Invalid ipcBurst bytes: ${bytes} is larger than the channel "${from}->${to}" ` +
              `takes (maxBytes ${channel.maxBytes}); use at most ${channel.maxBytes}`,
          );
        }
        const kind = plan.cells.find((c) => c.name === from)!.recipe.kind;
        if (kind !== "rich-os") {
          throw new ScenarioError(`ipcBurst needs a rich OS sender: cell "${from}" is a ${kind}`);
        }
      },
      run: (world) =>
        world.control<RichOsControl>(from)!.burst(`${from}->${to}`, { messages, bytes }),
    });
  }

  /**
   * Compromises a rich OS: at its next scheduling point it runs the attack library (all
   * attacks, or the ones named) through the guest ABI. Each attack records whether the
   * kernel blocked it and how many bytes leaked.
   *
   * @param cell The rich OS cell.
   * @param options The attacks to run; default all.
   * @returns The script.
   */
  compromise(cell: string, options: { attacks?: readonly AttackName[] } = {}): this {
    checkOptionKeys(options, COMPROMISE_KEYS, { action: `Cannot script compromise("${cell}")` });
    const names = options.attacks ?? attackNames;
    for (const name of names) {
      if (!attackNames.includes(name)) {
        throw new ScenarioError(
          `Unknown attack "${name}": attacks are ${quoteList(attackNames)}${
            didYouMean(name, attackNames)
          }`,
        );
      }
    }
    return this.add({
      label: `compromise ${cell}`,
      check: (plan) => checkRichOs(plan, cell, "compromise"),
      run: (world) => {
        world.emit("cell.compromise", { cell, attacks: names.join(",") });
        world.control<RichOsControl>(cell)!.compromise(attackRunner(names));
      },
    });
  }

  /**
   * Makes a rich OS call a server cell's endpoint (e.g. ask the PIN cell to verify a PIN).
   *
   * @param cell The rich OS cell (needs `.endpoint(cell, server)`).
   * @param server The serving cell.
   * @returns The script.
   */
  request(cell: string, server: string): this {
    return this.add({
      label: `request ${cell}->${server}`,
      check: (plan) => {
        checkRichOs(plan, cell, "request");
        checkCell(plan, server);
        if (!plan.endpoints.some((e) => e.client === cell && e.server === server)) {
          throw new ScenarioError(
            `request needs an endpoint: add .endpoint("${cell}", "${server}")`,
          );
        }
      },
      run: (world) => world.control<RichOsControl>(cell)!.request(server),
    });
  }

  /**
   * Sends the device manager a signed remote-wipe command for a cell over the net port. The
   * manager verifies it, stops the cell, zeroizes its memory, erases its flash partition and
   * restarts it from its image. `forged` signs with a key the manager does not trust;
   * `replay` re-sends the last wipe command delivered.
   *
   * @param cell The cell to wipe.
   * @param options Forged or replayed command.
   * @returns The script.
   */
  remoteWipe(cell: string, options: { forged?: boolean; replay?: boolean } = {}): this {
    checkOptionKeys(options, REMOTE_WIPE_KEYS, { action: `Cannot script remoteWipe("${cell}")` });
    const at = this.cursor;
    whenScripted(
      `Invalid remoteWipe("${cell}")`,
      () => encodeCommandBody({ kind: "wipe", target: cell, counter: 1 }),
    );
    return this.add({
      label: `remoteWipe ${cell}${options.forged ? " (forged)" : ""}${
        options.replay ? " (replay)" : ""
      }`,
      check: (plan) => {
        checkCell(plan, cell);
        checkManager(plan, "remoteWipe");
        const genuine = plan.events.some((e) =>
          e.at < at && e.label.startsWith("remoteWipe ") && !/\((forged|replay)\)/.test(e.label)
        );
        if (options.replay && !genuine) {
          throw new ScenarioError(
            `remoteWipe("${cell}", { replay: true }) at ${at} ns needs an earlier genuine ` +
              `remoteWipe to replay`,
          );
        }
      },
      run: (world) => {
        let command = world.state.get("backend.lastWipe") as Uint8Array | undefined;
        if (!options.replay || command === undefined) {
          const key = options.forged
            ? backendKeys("attacker").secretKey
            : defaultBackendKeys().secretKey;
          command = signCommand({ kind: "wipe", target: cell, counter: nextCounter(world) }, key);
          if (!options.forged) world.state.set("backend.lastWipe", command);
        }
        world.wipedFrames.set(cell, [...world.cell(cell).frames]);
        world.board.device<NetPort>("net").deliver(command);
      },
    });
  }

  /**
   * Sends the device manager a firmware update for a FOTA service cell, image chunk by chunk
   * over the net port. `variant` names how the new image behaves (`good`, `crash-on-boot`,
   * `no-health`); `badSignature` signs the image with an untrusted key; `powerLossAt` cuts
   * power that long after the update starts (flash operation torn, manager rebooted).
   *
   * @param cell The FOTA service cell.
   * @param options Version, variant, bad signature, power loss.
   * @returns The script.
   */
  fota(
    cell: string,
    options: {
      version?: string;
      variant?: FotaVariant;
      badSignature?: boolean;
      powerLossAt?: Duration | string;
    } = {},
  ): this {
    checkOptionKeys(options, FOTA_KEYS, { action: `Cannot script fota("${cell}")` });
    const variant = options.variant ?? "good";
    if (!["good", "crash-on-boot", "no-health"].includes(variant)) {
      throw new ScenarioError(
        `Unknown FOTA variant "${variant}": variants are "good", "crash-on-boot", "no-health"`,
      );
    }
    const powerLossAt = options.powerLossAt === undefined
      ? undefined
      : toDuration(options.powerLossAt, "fota powerLossAt");
    // The image and its signature depend on nothing in the run: made now, a name or version
    // the image header cannot hold is bad input before anything runs.
    const version = options.version ?? "2.0";
    const image = whenScripted(`Invalid fota("${cell}")`, () =>
      signImage(
        buildImage({ name: cell, version, variant }),
        options.badSignature ? backendKeys("attacker").secretKey : defaultBackendKeys().secretKey,
      ));
    return this.add({
      label: `fota ${cell} ${version} (${variant}${options.badSignature ? ", bad signature" : ""})`,
      check: (plan) => {
        checkCell(plan, cell);
        checkManager(plan, "fota");
        const kind = plan.cells.find((c) => c.name === cell)!.recipe.kind;
        if (kind !== "fota-service") {
          throw new ScenarioError(
            `fota needs a FOTA service cell: cell "${cell}" is a ${kind}; load it with fotaService({ priority })`,
          );
        }
      },
      run: (world, at) => {
        const commands = fotaCommands(image, {
          target: cell,
          counter: nextCounter(world, 1_000),
          secretKey: defaultBackendKeys().secretKey,
        });
        const net = world.board.device<NetPort>("net");
        for (const command of commands) net.deliver(command);
        if (powerLossAt !== undefined) {
          world.engine.schedule(at + powerLossAt, () => powerCycle(world));
        }
      },
    });
  }

  /**
   * Cuts power and boots again: an in-flight flash operation is torn, and the device
   * manager restarts (its boot-time recovery decides which FOTA image runs). Other cells keep
   * their state in this model.
   *
   * @returns The script.
   */
  powerCycle(): this {
    return this.add({
      label: "powerCycle",
      check: (plan) => checkManager(plan, "powerCycle"),
      run: (world) => powerCycle(world),
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

function powerCycle(world: World): void {
  world.emit("board.power_cycle", {});
  if (world.board.devices.has("flash")) world.board.device<FlashController>("flash").powerLoss();
  for (const { name, recipe } of world.plan.cells) {
    if (recipe.kind !== "manager") continue;
    const cell = world.cell(name);
    world.kernel.stop(cell);
    world.kernel.start(cell);
  }
}
