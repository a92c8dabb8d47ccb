/**
 * The world of one run: the engine, board and kernel built from a plan, the cells loaded and
 * wired by the recipes' naming conventions, the script scheduled, and the probes subscribed.
 *
 * @module
 */

import { costTables } from "../kernel/cost_model.ts";
import { Board } from "../hw/board.ts";
import { BoardError } from "../hw/board_error.ts";
import { Engine, PRIORITY_SCRIPT } from "../hw/engine.ts";
import type { Fingerprint } from "../hw/fingerprint.ts";
import type { TraceValue } from "../hw/trace_bus.ts";
import { FootprintError } from "../kernel/footprint.ts";
import type { Microvisor } from "../kernel/microvisor.ts";
import { okl4 } from "../kernel/profiles/okl4.ts";
import { bootKernel } from "../kernel/profiles/profile.ts";
import type { Cell } from "../kernel/objects/cell.ts";
import type { FlashController } from "../hw/devices/flash_controller.ts";
import type { ManagerControl } from "../guests/manager.ts";
import { rtosTasks } from "../guests/rtos.ts";
import { richOsChannel } from "../guests/rich_os.ts";
import { WindowPolicy } from "../kernel/profiles/window_policy.ts";
import { MANAGER_RIGHTS, provisionManager } from "./fota_provisioning.ts";
import type { Plan } from "./plan.ts";
import { ProbeSet } from "./probe_set.ts";
import { didYouMean, quoteList, ScenarioError } from "./scenario_error.ts";

/** The longest virtual time between two secret scans, ns. */
export const SECRET_SCAN_NS = 1_000_000;

/** A scope probes are kept for. */
export interface Scope {
  /** Label: "run", "step NAME", or "window A..B". */
  readonly label: string;
  /** Start. */
  readonly from: number;
  /** End (exclusive). */
  readonly to: number;
}

/** Where a secret was seen. */
export interface SecretSighting {
  /** Cells that could read a frame holding the secret, at any scan. */
  readonly readableBy: Set<string>;
  /** When each cell was first seen able to read it. */
  readonly firstAt: Map<string, number>;
  /** Scans done. */
  scans: number;
}

/**
 * One run's world.
 *
 * @example Usage
 * ```ts
 * import { World } from "./world.ts";
 * import { emptyPlan } from "./plan.ts";
 * import { boards } from "../hw/boards.ts";
 * import assert from "node:assert/strict";
 * const plan = emptyPlan("empty");
 * plan.board = boards.handset();
 * const world = new World(plan, { seed: 1, durationNs: 1_000_000, scopes: [] });
 * world.run();
 * assert.equal(world.engine.now, 1_000_000);
 * ```
 */
export class World {
  /** The plan. */
  readonly plan: Plan;
  /** The engine. */
  readonly engine: Engine;
  /** The board. */
  readonly board: Board;
  /** The kernel. */
  readonly kernel: Microvisor;
  /** The run's fingerprint. */
  readonly fingerprint: Fingerprint;
  /** Run length. */
  readonly durationNs: number;
  /** Probe sets by scope label. */
  readonly probes: Map<string, ProbeSet> = new Map();
  /** Secret sightings by text. */
  readonly secrets: Map<string, SecretSighting> = new Map();
  /** Frames a wiped cell held before its wipe, for residue checks. */
  readonly wipedFrames: Map<string, number[]> = new Map();
  /** Arbitrary per-run state for verbs (backend keys, counters). */
  readonly state: Map<string, unknown> = new Map();
  readonly #controls = new Map<string, unknown>();
  readonly #maxEvents: number;

  /**
   * Builds the world: validates the plan (bad input is a ScenarioError), builds the board and
   * kernel, loads and wires the cells, schedules the script.
   *
   * @param plan The plan.
   * @param options Seed, run length, scopes to probe, event limit.
   * @throws {ScenarioError} For bad input, before anything runs.
   */
  constructor(
    plan: Plan,
    options: { seed: number; durationNs: number; scopes: readonly Scope[]; maxEvents?: number },
  ) {
    this.plan = plan;
    this.durationNs = options.durationNs;
    this.#maxEvents = options.maxEvents ?? 2_000_000_000;
    if (plan.board === undefined) {
      throw new ScenarioError(
        `Scenario "${plan.name}" has no board: add .board(boards.handset()) or another board`,
      );
    }
    this.engine = new Engine({ seed: options.seed });
    this.fingerprint = this.engine.fingerprint();
    for (const scope of [{ label: "run", from: 0, to: Infinity }, ...options.scopes]) {
      if (!this.probes.has(scope.label)) {
        const probes = new ProbeSet(scope.label, scope.from, scope.to);
        this.probes.set(scope.label, probes);
        this.engine.trace.subscribeSink(probes);
      }
    }
    try {
      this.board = new Board(this.engine, plan.board);
    } catch (error) {
      if (error instanceof BoardError) throw new ScenarioError(error.message);
      throw error;
    }
    this.kernel = bootKernel(this.board, plan.profile ?? okl4(), {
      costs: plan.costs ?? costTables[plan.board.costs ?? "handset"],
      policy: plan.policy?.(),
      cells: plan.cells.map((cell) => cell.name),
    });
    this.#load();
    this.#checkFrame();
    for (const text of plan.secrets) {
      this.secrets.set(text, { readableBy: new Set(), firstAt: new Map(), scans: 0 });
    }
    if (plan.secrets.length > 0) {
      // Scan at the first trace record at least SECRET_SCAN_NS after the previous scan (memory
      // only changes while something runs, and that emits records), after key presses and at
      // the end; driven by the trace stream, so the run itself gets no extra events.
      let next = SECRET_SCAN_NS;
      const scanAt = (time: number) => {
        if (time < next) return;
        next = time + SECRET_SCAN_NS;
        this.scanSecrets();
      };
      // A sink, so the kernel's hottest records need not be built for it: a CPU slice's
      // record is emitted when the slice ends.
      this.engine.trace.subscribeSink({
        observe: (record) => scanAt(record.time),
        slice: (_kernel, _source, start, durationNs) => scanAt(start + durationNs),
        count: scanAt,
        sample: scanAt,
      });
    }
    for (const event of plan.events) event.check(plan);
    this.#schedule();
  }

  /**
   * A cell by name.
   *
   * @param name The cell.
   * @returns The kernel's cell.
   * @throws {ScenarioError} If no such cell.
   */
  cell(name: string): Cell {
    const cell = this.kernel.cells.get(name);
    if (cell === undefined) throw unknownCell(name, this.plan);
    return cell;
  }

  /**
   * The world-side control of a cell's guest (e.g. a rich OS's hooks).
   *
   * @param name The cell.
   * @returns The control, or undefined.
   */
  control<T>(name: string): T | undefined {
    return this.#controls.get(name) as T | undefined;
  }

  /**
   * Emits a scenario record on the trace bus.
   *
   * @param kind Record kind.
   * @param fields Fields.
   */
  emit(kind: string, fields: Record<string, TraceValue>): void {
    if (this.engine.trace.active) {
      this.engine.trace.emit({ time: this.engine.now, kind, source: "scenario", ...fields });
    }
  }

  /** Runs to the end of the run length. */
  run(): void {
    this.engine.run({ until: this.durationNs, maxEvents: this.#maxEvents });
    this.kernel.settle();
    this.scanSecrets();
    for (const probes of this.probes.values()) {
      if (probes.to === Infinity) probes.to = this.durationNs;
    }
  }

  /**
   * Scans every frame each cell can read for each registered secret's bytes, recording which
   * cells could read a frame holding it.
   */
  scanSecrets(): void {
    if (this.secrets.size === 0) return;
    const patterns = [...this.secrets].map(([text, sighting]) => ({
      bytes: new TextEncoder().encode(text),
      sighting,
    }));
    for (const { sighting } of patterns) sighting.scans++;
    // Only pages ever written can hold a secret: scan those, and only for a page that holds
    // one, find the cells that can read it (rare, so the reverse lookup is not indexed).
    for (const [frame, page] of this.board.memory.allocatedRamPages()) {
      for (const { bytes, sighting } of patterns) {
        if (!contains(page, bytes)) continue;
        for (const cell of this.kernel.cells.values()) {
          if (sighting.readableBy.has(cell.name)) continue;
          if (
            cell.space.entries().some(([, m]) => m.read && m.kind !== "device" && m.frame === frame)
          ) {
            sighting.readableBy.add(cell.name);
            sighting.firstAt.set(cell.name, this.engine.now);
          }
        }
      }
    }
  }

  #load(): void {
    const plan = this.plan;
    const kernel = this.kernel;
    const deviceNames = [...this.board.devices.keys()];
    const checkDevice = (device: string, what: string) => {
      if (!this.board.devices.has(device)) {
        throw new ScenarioError(
          `Unknown device "${device}" in ${what}: board "${this.board.name}" has ${
            quoteList(deviceNames)
          }` +
            didYouMean(device, deviceNames),
        );
      }
    };
    for (const { name, recipe } of plan.cells) {
      let cell: Cell;
      try {
        cell = kernel.createCell({
          name,
          image: recipe.image,
          ramBytes: recipe.ramBytes,
          faultPolicy: recipe.faultPolicy,
          vcpus: recipe.vcpus.map((vcpu) => ({ ...vcpu })),
        });
      } catch (error) {
        if (error instanceof RangeError) throw new ScenarioError(error.message);
        throw error;
      }
      for (const device of recipe.devices ?? []) {
        checkDevice(device.name, `cell "${name}"`);
        kernel.grantDevice(cell, device.name, device.rights ?? ["read", "write"]);
      }
      for (const device of recipe.irqs ?? []) {
        checkDevice(device, `cell "${name}" IRQs`);
        this.#grantIrq(cell, device);
      }
      if (recipe.control !== undefined) {
        // Controls outlive a run (a recipe is built once, a scenario may run many seeds):
        // each run starts from a clean one.
        (recipe.control as { reset?: () => void }).reset?.();
        this.#controls.set(name, recipe.control);
      }
    }
    for (const { cell, device } of plan.irqs) {
      checkDevice(device, `.irq("${cell}", "${device}")`);
      this.#grantIrq(this.cell(cell), device);
    }
    for (const channel of plan.channels) {
      try {
        kernel.createChannel({
          name: `${channel.from}->${channel.to}`,
          from: this.cell(channel.from),
          to: this.cell(channel.to),
          slots: channel.slots,
          maxBytes: channel.maxBytes,
        });
      } catch (error) {
        if (error instanceof RangeError) throw new ScenarioError(error.message);
        throw error;
      }
    }
    this.#checkGuestChannels();
    const servers = new Map<string, ReturnType<Microvisor["createEndpoint"]>>();
    plan.endpoints.forEach(({ client, server }, index) => {
      const serverCell = this.cell(server);
      const clientCell = this.cell(client);
      let endpoint = servers.get(server);
      if (endpoint === undefined) {
        endpoint = kernel.createEndpoint(server);
        servers.set(server, endpoint);
        kernel.grant(serverCell, "endpoint", endpoint, {
          rights: ["receive"],
          name: `serve:${server}`,
        });
      }
      kernel.grant(clientCell, "endpoint", endpoint, {
        rights: ["call"],
        name: `call:${server}`,
        badge: index + 1,
      });
    });
    for (const section of plan.sections) {
      let created;
      try {
        created = kernel.createSection(section.name, section.bytes);
      } catch (error) {
        if (error instanceof RangeError) throw new ScenarioError(error.message);
        throw error;
      }
      for (const [cellName, rights] of Object.entries(section.cells)) {
        kernel.grantSection(this.cell(cellName), created, rights);
      }
    }
    this.#wireManager();
    try {
      kernel.checkFootprint();
    } catch (error) {
      if (error instanceof FootprintError) throw new ScenarioError(error.message);
      throw error;
    }
    for (const { name } of plan.cells) {
      const failure = kernel.start(this.cell(name));
      if (failure !== undefined) {
        throw new ScenarioError(`Cannot start cell "${name}": ${failure.message}`);
      }
    }
  }

  /**
   * A device manager controls every other cell (wipe), gets a data partition per cell, and
   * runs the update protocol of every FOTA service cell, whose standby instance `NAME.b` is
   * created here (loaded, not started).
   */
  #wireManager(): void {
    const plan = this.plan;
    const managers = plan.cells.filter((c) => c.recipe.kind === "manager");
    const services = plan.cells.filter((c) => c.recipe.kind === "fota-service");
    if (managers.length === 0) {
      if (services.length > 0) {
        throw new ScenarioError(
          `FOTA service cell "${services[0].name}" needs a device manager: add ` +
            `.cell("mgr", manager({ priority: 150 }))`,
        );
      }
      return;
    }
    if (managers.length > 1) {
      throw new ScenarioError(
        `Only one device manager is supported; cells ${
          quoteList(managers.map((m) => m.name))
        } are managers`,
      );
    }
    const { name, recipe } = managers[0];
    const manager = this.cell(name);
    const managed = plan.cells.filter((c) => c.name !== name).map((c) => this.cell(c.name));
    for (const cell of managed) this.kernel.grantCellControl(manager, cell, MANAGER_RIGHTS);
    const standbys = services.map(({ name: service, recipe: serviceRecipe }) => ({
      irqs: serviceRecipe.irqs,
      devices: serviceRecipe.devices,
      cell: this.cell(service),
      standby: this.kernel.createCell({
        name: `${service}.b`,
        image: serviceRecipe.image,
        ramBytes: serviceRecipe.ramBytes,
        faultPolicy: serviceRecipe.faultPolicy,
        vcpus: serviceRecipe.vcpus.map((vcpu) => ({ ...vcpu })),
      }),
    }));
    for (const { cell, standby } of standbys) {
      for (const probes of this.probes.values()) probes.aliases.set(standby.name, cell.name);
    }
    const flashRegion = this.board.memory.regions.find((r) => r.kind === "flash");
    if (flashRegion === undefined || !this.board.devices.has("flash")) {
      throw new ScenarioError(
        `A device manager needs a flash controller and flash on board "${this.board.name}"`,
      );
    }
    provisionManager(this.kernel, {
      manager,
      control: recipe.control as ManagerControl,
      managed,
      services: standbys,
      flash: this.board.device<FlashController>("flash"),
      flashBase: flashRegion.base,
    });
  }

  /**
   * Every channel a guest names in its options must exist and touch its cell the right way: an
   * RTOS task waits on a channel into the cell, a rich OS sends its periodic IPC on a channel
   * out of it.
   */
  #checkGuestChannels(): void {
    for (const { name, recipe } of this.plan.cells) {
      for (const task of rtosTasks(recipe)) {
        if (task.channel === undefined) continue;
        this.#checkChannel(task.channel, name, "into", `in task "${task.name}" of cell "${name}"`);
      }
      const ipc = richOsChannel(recipe);
      if (ipc !== undefined) {
        this.#checkChannel(ipc, name, "out of", `in the ipc option of rich OS "${name}"`);
      }
    }
  }

  /**
   * Checks that `channel` is one of the channels `direction` cell `cell`, naming the valid ones
   * with a likely meaning if not.
   */
  #checkChannel(channel: string, cell: string, direction: "into" | "out of", where: string): void {
    const valid = this.plan.channels
      .filter((c) => (direction === "into" ? c.to : c.from) === cell)
      .map((c) => `${c.from}->${c.to}`);
    if (valid.includes(channel)) return;
    const unknown = `Unknown channel "${channel}" ${where}`;
    const [, from = "SENDER", to = "RECEIVER"] = /^(.*)->(.*)$/.exec(channel) ?? [];
    if (valid.length === 0) {
      const add = direction === "into"
        ? `.channel("${from}", "${cell}"`
        : `.channel("${cell}", "${to}"`;
      throw new ScenarioError(
        `${unknown}: no channel goes ${direction} "${cell}"; add ${add}, { slots, maxBytes })`,
      );
    }
    // Spelling aside, the likely meaning of a typo is a channel into the cell from the same
    // sender (the receiver's name was mistyped), or the rich OS's only channel out.
    const likely = direction === "into" ? valid.filter((c) => c.startsWith(`${from}->`)) : valid;
    const suggestion = didYouMean(channel, valid) ||
      (likely.length === 1 ? ` (did you mean "${likely[0]}"?)` : "");
    throw new ScenarioError(
      `${unknown}: channels ${direction} "${cell}" are ${quoteList(valid)}${suggestion}`,
    );
  }

  /** Every cell a partition frame (PikeOS) names must be loaded, or its windows stay idle. */
  #checkFrame(): void {
    const policy = this.kernel.policy;
    if (!(policy instanceof WindowPolicy)) return;
    const names = [...this.kernel.cells.keys()];
    let time = 0;
    do {
      const window = policy.windowAt(time);
      for (const cell of window.cells) {
        if (this.kernel.cells.has(cell)) continue;
        throw new ScenarioError(
          `Unknown cell "${cell}" in window ${window.index} of the ${
            this.plan.profile?.name === "pikeos" ? "PikeOS" : "partition"
          } frame: cells are ${quoteList(names)}${didYouMean(cell, names)}`,
        );
      }
      time = policy.windowEndAfter(time);
    } while (time < policy.majorFrameNs);
  }

  #grantIrq(cell: Cell, device: string): void {
    try {
      this.kernel.grantIrq(cell, device);
    } catch (error) {
      if (error instanceof RangeError) throw new ScenarioError(error.message);
      throw error;
    }
  }

  #schedule(): void {
    for (const event of this.plan.events) {
      const at = event.first?.(this) ?? event.at;
      if (at > this.durationNs) continue;
      const fire = (time: number) => {
        this.emit("script.event", { label: event.label, step: event.step ?? "" });
        event.run(this, time);
        const next = event.next?.(this, time);
        if (next !== undefined && next <= this.durationNs) {
          this.engine.schedule(next, fire, PRIORITY_SCRIPT);
        }
      };
      this.engine.schedule(at, fire, PRIORITY_SCRIPT);
    }
  }
}

/**
 * The error for an unknown cell name, with the valid names.
 *
 * @param name The name given.
 * @param plan The plan.
 * @returns The error.
 */
export function unknownCell(name: string, plan: Plan): ScenarioError {
  const names = plan.cells.map((c) => c.name);
  return new ScenarioError(
    `Unknown cell "${name}": cells are ${quoteList(names)}${didYouMean(name, names)}`,
  );
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  outer: for (
    let i = haystack.indexOf(first);
    i >= 0 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
