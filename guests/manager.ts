/**
 * The device manager: a native cell that receives signed commands from the management net
 * port, verifies them (real Ed25519 against the backend's public key, and a strictly
 * increasing counter kept in its RAM), and carries out remote wipe and A/B firmware-over-the-
 * air updates through cell-control capabilities and the flash controller.
 *
 * Wiring (by the recipe conventions; the rig or test grants them before start):
 * - IRQs `net` and `flash`, windows `net` and `flash` (read, write) — from the recipe;
 * - `cell:T` with rights start, stop, zeroize, restart, destroy, switch for every managed T;
 * - per FOTA target T with standby S: `signal:T:handover` and `signal:S:golive` in the
 *   manager, `signal:MANAGER:health` in S, a channel `T->S` (state handover), a second
 *   `receive:C->T` capability in S for every client channel `C->T` (the kernel's switch moves
 *   the channel's notification, not the receive right), and a read-only window named `image`
 *   on each instance's flash slot (T: slot 0, S: slot 1). S is created in state loaded.
 *
 * Command format: see `fota_image.ts`. Every command is traced as `manager.command` {command
 * (the kind; a field named `kind` would clobber the record's own), target, accepted, reason}; reasons: ok, malformed, bad-signature, replay, unknown-target,
 * no-session, incomplete, bad-size, bad-chunk, duplicate-chunk, standby-active, flash-error.
 * An authentic command consumes its counter even when rejected for another reason.
 *
 * Remote wipe of T: stop, zeroize (every RAM frame zeroed, charged to the manager), erase T's
 * flash partition block by block through the controller (real erase time), start T from its
 * pristine image. Traced as `wipe.done` {target, durationNs} (from the command's acceptance to
 * T's restart).
 *
 * FOTA of T (phases traced as `fota.phase` {target, phase}): `erase` the staging slot (slot
 * 1), `receive` chunks (one page program each), on commit `verify` (read back, body digest,
 * Ed25519 over header ‖ body), `boot` S (its boot loader checks the image digest), signal T
 * `handover` so T sends its state to S, wait for S's health (flags 1) within the timeout,
 * `switch` (cellSwitch T→S, stop T, signal S `golive`, wait for its acknowledgement, flags 2),
 * `commit` the boot record (slot 1), `cleanup` (zeroize and destroy T). Outcome traced as
 * `fota.done` {target, outcome: switched | rejected | rolled-back, reason, downtimeNs}.
 *
 * Downtime (the service gap) is measured by the manager: from the instant it issues the switch
 * (after which the old instance receives no more events, and is stopped) to the instant it
 * sees the new instance's acknowledgement of `golive` — the first event the new instance
 * handles as the service's owner. Client messages sent during the gap wait in their channels
 * and are served by the new instance; none are lost.
 *
 * A bad signature ⇒ rejected, T keeps running; S crashing during boot or missing its health
 * check ⇒ rolled-back (S destroyed, T keeps running). The boot record is committed only after
 * verification, health and switch; on every (re)start the manager reads it and makes the
 * instance of the committed slot the only one running, so a power loss at any point leaves
 * exactly one valid image running, and a half-written image is never started.
 *
 * @module
 */

import { ed25519 } from "npm:@noble/curves@2.4.0/ed25519.js";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { decodeCommand, type DecodedCommand } from "./_manager_codec.ts";
import { VirqEvents } from "./_manager_events.ts";
import { FlashDriver, readWord } from "./_manager_flash.ts";
import {
  beginFota,
  chunkFota,
  commitFota,
  type FotaRuntime,
  type FotaTargetOptions,
  recoverFota,
} from "./_manager_fota.ts";
import { bootService, type ServiceOptions, type ServiceVariant } from "./_manager_service.ts";
import { cellControl, compute, type Guest, irqAck, now, read, write } from "./program.ts";
import type { GuestRecipe } from "./recipe.ts";
import { defaultBackendKeys } from "./fota_image.ts";

export type { FotaTargetOptions, ServiceOptions, ServiceVariant };
export type { BootedImage } from "./_manager_service.ts";

/** A flash partition: offset and size in bytes, both multiples of the erase block. */
export interface FlashPartition {
  /** Byte offset in flash. */
  readonly offset: number;
  /** Size in bytes. */
  readonly bytes: number;
}

/** Options of {@linkcode manager}. */
export interface ManagerOptions {
  /** vCPU priority 0..255. */
  readonly priority: number;
  /** The backend's Ed25519 public key (32 bytes); default {@linkcode defaultBackendKeys}. */
  readonly publicKey?: Uint8Array;
  /** Data partitions of managed cells, erased by a remote wipe, by cell name. */
  readonly partitions?: Readonly<Record<string, FlashPartition>>;
  /** FOTA-managed services, by target cell name. */
  readonly fota?: Readonly<Record<string, FotaTargetOptions>>;
  /** RAM in bytes; default 16 KiB. */
  readonly ramBytes?: number;
  /**
   * Cycles of one Ed25519 verification; default 1,000,000 (an estimate for an ARM11 without
   * NEON: about twice the 527,102 Cortex-A8 NEON cycles of Bernstein–Schwabe, CHES 2012).
   */
  readonly verifyCycles?: number;
  /** Cycles per message byte hashed during verification; default 20 (SHA-512, estimate). */
  readonly hashCyclesPerByte?: number;
}

/** World-side configuration hook of a manager recipe (used by the scenario rig). */
export interface ManagerControl {
  /**
   * Adds partitions and FOTA targets (the manager's own options win on conflicts).
   *
   * @param extra Partitions and FOTA targets by cell name.
   */
  configure(extra: Pick<ManagerOptions, "partitions" | "fota">): void;
  /** The options the manager will run with. */
  readonly options: ManagerOptions & { readonly publicKey: Uint8Array };
}

/** The keys of {@linkcode ManagerOptions}, checked because `deno run` does not type-check. */
const MANAGER_KEYS = {
  priority: true,
  publicKey: true,
  partitions: true,
  fota: true,
  ramBytes: true,
  verifyCycles: true,
  hashCyclesPerByte: true,
} as const satisfies OptionKeys<ManagerOptions>;

const PARTITION_KEYS = { offset: true, bytes: true } as const satisfies OptionKeys<FlashPartition>;

const FOTA_TARGET_KEYS = {
  standby: true,
  slotOffsets: true,
  slotBytes: true,
  bootRecordOffset: true,
  healthTimeoutNs: true,
} as const satisfies OptionKeys<FotaTargetOptions>;

const SERVICE_KEYS = {
  eventCycles: true,
  hashCyclesPerByte: true,
  variants: true,
  program: true,
} as const satisfies OptionKeys<ServiceOptions>;

const FOTA_SERVICE_KEYS = {
  priority: true,
  ramBytes: true,
  ...SERVICE_KEYS,
} as const satisfies OptionKeys<Parameters<typeof fotaService>[0]>;

/** Guest address of the anti-replay counter (float64) in the manager's RAM. */
export const MANAGER_COUNTER_ADDRESS = 0x0;

/**
 * The device manager's recipe.
 *
 * @param options Priority, backend key, partitions, FOTA targets and costs.
 * @returns The recipe: kind `"manager"`, one vCPU, IRQs `net` and `flash`, windows `net` and
 * `flash`.
 * @throws {TypeError} For an unknown option, also in a partition or FOTA target.
 * @throws {RangeError} If the key is not 32 bytes or a partition or slot is not block aligned.
 *
 * @example Usage
 * ```ts
 * import { manager } from "./manager.ts";
 * import { backendKeys } from "./fota_image.ts";
 * import assert from "node:assert/strict";
 * const recipe = manager({ priority: 150, publicKey: backendKeys("backend").publicKey });
 * assert.deepEqual(recipe.irqs, ["net", "flash"]);
 * assert.deepEqual(recipe.devices?.map((d) => d.name), ["net", "flash"]);
 * ```
 */
export function manager(options: ManagerOptions): GuestRecipe {
  const action = "Cannot build manager";
  checkOptionKeys(options, MANAGER_KEYS, { action });
  for (const [name, partition] of Object.entries(options.partitions ?? {})) {
    checkOptionKeys(partition, PARTITION_KEYS, { action, prefix: `partitions.${name}.` });
  }
  for (const [name, target] of Object.entries(options.fota ?? {})) {
    checkOptionKeys(target, FOTA_TARGET_KEYS, { action, prefix: `fota.${name}.` });
  }
  const publicKey = options.publicKey ?? defaultBackendKeys().publicKey;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new RangeError(
      `Cannot build manager: publicKey must be 32 bytes, got ${publicKey?.length}`,
    );
  }
  const block = 131_072;
  const aligned = (what: string, value: number) => {
    if (!Number.isSafeInteger(value) || value < 0 || value % block !== 0) {
      throw new RangeError(
        `Cannot build manager: ${what} ${value} is not a non-negative multiple of the ${block}-byte erase block`,
      );
    }
  };
  for (const [name, partition] of Object.entries(options.partitions ?? {})) {
    aligned(`partition "${name}" offset`, partition.offset);
    aligned(`partition "${name}" bytes`, partition.bytes);
  }
  for (const [name, target] of Object.entries(options.fota ?? {})) {
    aligned(`fota "${name}" slot 0 offset`, target.slotOffsets[0]);
    aligned(`fota "${name}" slot 1 offset`, target.slotOffsets[1]);
    aligned(`fota "${name}" slotBytes`, target.slotBytes);
    aligned(`fota "${name}" bootRecordOffset`, target.bootRecordOffset);
  }
  // The rig may add partitions and FOTA targets for the cells it loads (before any start).
  let config: ManagerOptions & { publicKey: Uint8Array } = { ...options, publicKey };
  const control: ManagerControl = {
    configure(extra) {
      config = {
        ...config,
        partitions: { ...extra.partitions, ...config.partitions },
        fota: { ...extra.fota, ...config.fota },
      };
    },
    get options() {
      return config;
    },
  };
  return {
    kind: "manager",
    ramBytes: options.ramBytes ?? 16 * 1024,
    vcpus: [{ priority: options.priority, program: (ctx) => managerProgram(ctx, config) }],
    control,
    irqs: ["net", "flash"],
    devices: [{ name: "net", rights: ["read", "write"] }, {
      name: "flash",
      rights: ["read", "write"],
    }],
    image: { name: "manager", version: "1.0" },
  };
}

/**
 * The recipe of a FOTA-managed service instance: a boot loader that reads its image from the
 * read-only `image` window (its flash slot, mapped by the rig), checks the digest and boots
 * the variant the image names (`good`, `no-health`, `crash-on-boot`, or `options.variants`).
 * Fault policy "stop": a crashing instance is stopped by the kernel.
 *
 * @param options Priority, RAM, costs and extra variants.
 * @returns The recipe, kind `"fota-service"`.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { fotaService } from "./manager.ts";
 * import assert from "node:assert/strict";
 * const recipe = fotaService({ priority: 120 });
 * assert.equal(recipe.faultPolicy, "stop");
 * ```
 */
export function fotaService(
  options: ServiceOptions & { readonly priority: number; readonly ramBytes?: number },
): GuestRecipe {
  checkOptionKeys(options, FOTA_SERVICE_KEYS, { action: "Cannot create fotaService" });
  return {
    kind: "fota-service",
    ramBytes: options.ramBytes ?? 16 * 1024,
    vcpus: [{ priority: options.priority, program: (ctx) => bootService(ctx, options) }],
    faultPolicy: "stop",
  };
}

/**
 * Makes any single-vCPU guest updatable over the air: the cell boots its program from an image
 * in its flash slot (like {@linkcode fotaService}) and runs it under the update protocol, so a
 * device manager can stream a new image, start it beside the old instance, hand over, check
 * its health and switch channels and IRQ lines to it. The recipe keeps its IRQs and devices.
 *
 * @param recipe The guest, e.g. `rtos({ … })`.
 * @param options Boot-loader costs and extra variants.
 * @returns A recipe of kind `"fota-service"`.
 * @throws {TypeError} For an unknown option.
 * @throws {RangeError} If the recipe has more than one vCPU.
 *
 * @example Usage
 * ```ts
 * import { updatable } from "./manager.ts";
 * import { rtos, task } from "./rtos.ts";
 * import assert from "node:assert/strict";
 * const baseband = updatable(rtos({
 *   priority: 200,
 *   tasks: [task("frame", { irq: "radio", wcet: 900_000, deadline: 4_615_000, priority: 10 })],
 * }));
 * assert.equal(baseband.kind, "fota-service");
 * assert.deepEqual(baseband.irqs, ["radio"]);
 * ```
 */
export function updatable(recipe: GuestRecipe, options: ServiceOptions = {}): GuestRecipe {
  checkOptionKeys(options, SERVICE_KEYS, { action: `Cannot make a ${recipe.kind} updatable` });
  if (recipe.vcpus.length !== 1) {
    throw new RangeError(
      `Cannot make a ${recipe.kind} updatable: it has ${recipe.vcpus.length} vCPUs; updatable() takes one`,
    );
  }
  const [vcpu] = recipe.vcpus;
  const service = { ...options, program: vcpu.program };
  return {
    ...recipe,
    kind: "fota-service",
    vcpus: [{ ...vcpu, program: (ctx) => bootService(ctx, service) }],
    faultPolicy: "stop",
  };
}

const NET_STATUS = 0x00;
const NET_RX_LEN = 0x04;
const NET_RX_POP = 0x0c;
const NET_RX = 0x1000;

function* managerProgram(
  ctx: GuestContext,
  options: ManagerOptions & { publicKey: Uint8Array },
): Guest {
  const net = ctx.windows["net"];
  const flashWindow = ctx.windows["flash"];
  const netIrq = ctx.caps["irq:net"];
  const flashIrq = ctx.caps["irq:flash"];
  if (
    net === undefined || flashWindow === undefined || netIrq === undefined ||
    flashIrq === undefined
  ) {
    ctx.trace(
      "manager.misconfigured",
      () => ({ net: net !== undefined, flash: flashWindow !== undefined }),
    );
    return;
  }
  const events = new VirqEvents();
  yield* irqAck(netIrq);
  yield* irqAck(flashIrq);
  const flash = new FlashDriver(events, flashWindow.base, flashIrq);
  yield* flash.init();
  const rt: FotaRuntime = {
    ctx,
    events,
    flash,
    publicKey: options.publicKey,
    verifyCycles: options.verifyCycles ?? 1_000_000,
    hashCyclesPerByte: options.hashCyclesPerByte ?? 20,
    boot: new Map(),
    targets: Object.keys(options.fota ?? {}),
    session: undefined,
  };
  yield* recoverFota(rt, options.fota ?? {});
  for (;;) {
    for (;;) {
      const status = yield* readWord(net.base + NET_STATUS);
      if (status <= 0 || (status & 1) === 0) break;
      const length = yield* readWord(net.base + NET_RX_LEN);
      const message = yield* read(net.base + NET_RX, Math.min(Math.max(length, 0), 4_096));
      yield* write(net.base + NET_RX_POP, new Uint8Array(4));
      if (message.ok) yield* handle(rt, options, message.value);
    }
    yield* irqAck(netIrq);
    yield* events.waitFor(["net"]);
  }
}

function* handle(
  rt: FotaRuntime,
  options: ManagerOptions & { publicKey: Uint8Array },
  bytes: Uint8Array,
): Guest {
  const ctx = rt.ctx;
  const decoded = decodeCommand(bytes);
  const report = (command: Pick<DecodedCommand, "kind" | "target">, reason: string) =>
    ctx.trace("manager.command", () => ({
      command: command.kind,
      target: command.target,
      accepted: reason === "ok",
      reason,
    }));
  if (typeof decoded === "string") {
    return report({ kind: "wipe", target: "" } as const, "malformed");
  }
  yield* compute(rt.verifyCycles + decoded.signed.length * rt.hashCyclesPerByte);
  let authentic = false;
  try {
    authentic = ed25519.verify(decoded.signature, decoded.signed, options.publicKey);
  } catch {
    authentic = false;
  }
  if (!authentic) return report(decoded, "bad-signature");
  const last = yield* readCounter();
  if (decoded.counter <= last) return report(decoded, "replay");
  yield* writeCounter(decoded.counter);
  const target = decoded.target;
  switch (decoded.kind) {
    case "wipe": {
      const cap = ctx.caps[`cell:${target}`];
      if (cap === undefined) return report(decoded, "unknown-target");
      report(decoded, "ok");
      return yield* wipe(rt, target, cap, options.partitions?.[target]);
    }
    case "fota-begin": {
      const fota = options.fota?.[target];
      if (fota === undefined) return report(decoded, "unknown-target");
      const payload = decoded.payload;
      const size = payload.length === 4
        ? new DataView(payload.buffer, payload.byteOffset).getUint32(0, true)
        : -1;
      const reason = yield* beginFota(rt, fota, target, size);
      if (reason !== "") {
        // A refused update is an outcome too (e.g. a second update while the standby runs).
        rt.ctx.trace("fota.done", () => ({ target, outcome: "rejected", reason, downtimeNs: -1 }));
      }
      return report(decoded, reason === "" ? "ok" : reason);
    }
    case "fota-chunk": {
      const fota = options.fota?.[target];
      if (fota === undefined) return report(decoded, "unknown-target");
      const reason = yield* chunkFota(rt, fota, target, decoded.payload);
      return report(decoded, reason === "" ? "ok" : reason);
    }
    case "fota-commit": {
      const fota = options.fota?.[target];
      if (fota === undefined) return report(decoded, "unknown-target");
      const session = rt.session;
      if (session === undefined || session.target !== target) return report(decoded, "no-session");
      if (session.pages.size !== Math.ceil(session.imageBytes / rt.flash.pageBytes)) {
        return report(decoded, "incomplete");
      }
      report(decoded, "ok");
      yield* commitFota(rt, fota, target);
      return;
    }
  }
}

function* wipe(
  rt: FotaRuntime,
  target: string,
  cap: number,
  partition: FlashPartition | undefined,
): Guest {
  const start = yield* now();
  yield* cellControl(cap, "stop");
  const zeroized = yield* cellControl(cap, "zeroize");
  let erased = 0;
  if (partition !== undefined) {
    for (let at = 0; at < partition.bytes; at += rt.flash.blockBytes) {
      if (yield* rt.flash.erase(partition.offset + at)) erased++;
    }
  }
  yield* cellControl(cap, "start");
  const end = yield* now();
  rt.ctx.trace("wipe.done", () => ({
    target,
    durationNs: end - start,
    frames: zeroized.ok ? zeroized.value as number : -1,
    blocks: erased,
  }));
}

function* readCounter(): Guest<number> {
  const result = yield* read(MANAGER_COUNTER_ADDRESS, 8);
  if (!result.ok) return Number.MAX_SAFE_INTEGER;
  return new DataView(result.value.buffer, result.value.byteOffset).getFloat64(0, true);
}

function* writeCounter(counter: number): Guest {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, counter, true);
  yield* write(MANAGER_COUNTER_ADDRESS, out);
}
