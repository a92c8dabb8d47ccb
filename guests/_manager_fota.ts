/**
 * The device manager's FOTA procedure (private): A/B slots, staging through the flash
 * controller, signature verification, boot of the standby instance, state handover, health
 * check, atomic switch, boot-record commit, and clean-up — plus boot-time recovery that makes
 * the instance named by the committed boot record the only one running.
 */

import { ed25519 } from "npm:@noble/curves@2.4.0/ed25519.js";
import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { type BootState, commitBootRecord, readBootState } from "./_manager_boot_record.ts";
import type { VirqEvents } from "./_manager_events.ts";
import type { FlashDriver } from "./_manager_flash.ts";
import { bytesEqual, IMAGE_HEADER_BYTES, parseImageHeader } from "./_manager_image.ts";
import {
  cellControl,
  cellSwitch,
  compute,
  type Guest,
  now,
  read,
  signal,
  timer,
  write,
} from "./program.ts";

/** One FOTA-managed service: the running target and its pre-created standby. */
export interface FotaTargetOptions {
  /** The standby cell (state loaded, image window on slot 1), e.g. `"svc.b"`. */
  readonly standby: string;
  /** Flash offsets of slot 0 (the target's image) and slot 1 (the standby's), block aligned. */
  readonly slotOffsets: readonly [number, number];
  /** Bytes per slot, a multiple of the erase block. */
  readonly slotBytes: number;
  /** Flash offset of the boot record area (two erase blocks). */
  readonly bootRecordOffset: number;
  /** How long the new instance has to report health (and to acknowledge go-live); default 50 ms. */
  readonly healthTimeoutNs?: number;
}

/** What the FOTA procedure needs from the manager. */
export interface FotaRuntime {
  readonly ctx: GuestContext;
  readonly events: VirqEvents;
  readonly flash: FlashDriver;
  readonly publicKey: Uint8Array;
  readonly verifyCycles: number;
  readonly hashCyclesPerByte: number;
  readonly boot: Map<string, BootState>;
  /** FOTA target names in a fixed order (index of each one's progress marker). */
  readonly targets: readonly string[];
  session: FotaSession | undefined;
}

/** An update in progress (volatile: a manager restart forgets it). */
export interface FotaSession {
  readonly target: string;
  readonly imageBytes: number;
  readonly pages: Set<number>;
}

function phase(rt: FotaRuntime, target: string, name: string): void {
  rt.ctx.trace("fota.phase", () => ({ target, phase: name }));
}

function done(
  rt: FotaRuntime,
  target: string,
  outcome: "switched" | "rejected" | "rolled-back",
  reason: string,
  downtimeNs = -1,
): void {
  rt.ctx.trace("fota.done", () => ({ target, outcome, reason, downtimeNs }));
}

/** Guest address of the per-target progress markers (one byte each) in the manager's RAM. */
const PROGRESS_ADDRESS = 0x10;
/** Progress: nothing in flight. */
const IDLE = 0;
/** Progress: the standby was started. */
const STARTED = 1;
/** Progress: the service was switched to the standby. */
const SWITCHED = 2;

function* setProgress(rt: FotaRuntime, target: string, value: number): Guest {
  yield* write(PROGRESS_ADDRESS + rt.targets.indexOf(target), new Uint8Array([value]));
}

/**
 * Boot-time recovery: read each target's boot record; if an update was in flight when the
 * manager stopped (its progress marker lives in the manager's RAM, which lives exactly as long
 * as the cells' states do in this model), make the instance of the committed slot the only one
 * running: switch the service back if it had moved, stop and zeroize the other instance.
 */
export function* recoverFota(
  rt: FotaRuntime,
  fota: Readonly<Record<string, FotaTargetOptions>>,
): Guest {
  for (const [target, options] of Object.entries(fota)) {
    const state = yield* readBootState(rt.flash, options.bootRecordOffset);
    rt.boot.set(target, state);
    const marker = yield* read(PROGRESS_ADDRESS + rt.targets.indexOf(target), 1);
    const progress = marker.ok ? marker.value[0] : IDLE;
    rt.ctx.trace(
      "fota.boot",
      () => ({ target, slot: state.slot, sequence: state.sequence, progress }),
    );
    if (progress === IDLE) continue;
    const caps = rt.ctx.caps;
    const [active, inactive] = state.slot === 0
      ? [caps[`cell:${target}`], caps[`cell:${options.standby}`]]
      : [caps[`cell:${options.standby}`], caps[`cell:${target}`]];
    if (active !== undefined && inactive !== undefined) {
      if (progress === SWITCHED && state.slot === 0) yield* cellSwitch(inactive, active);
      yield* cellControl(inactive, "stop");
      yield* cellControl(inactive, "zeroize");
      yield* cellControl(active, "start");
    }
    yield* setProgress(rt, target, IDLE);
  }
}

/** fota-begin: checks, then erases the staging slot. Returns the rejection reason or "". */
export function* beginFota(
  rt: FotaRuntime,
  options: FotaTargetOptions,
  target: string,
  imageBytes: number,
): Guest<string> {
  const state = rt.boot.get(target);
  if (state === undefined) return "unknown-target";
  if (state.slot !== 0) return "standby-active";
  if (imageBytes < IMAGE_HEADER_BYTES + 64 || imageBytes > options.slotBytes) return "bad-size";
  rt.session = undefined;
  phase(rt, target, "erase");
  const staging = options.slotOffsets[1];
  for (let at = 0; at < imageBytes; at += rt.flash.blockBytes) {
    if (!(yield* rt.flash.erase(staging + at))) return "flash-error";
  }
  rt.session = { target, imageBytes, pages: new Set() };
  phase(rt, target, "receive");
  return "";
}

/** fota-chunk: programs one page of the staging slot. Returns the rejection reason or "". */
export function* chunkFota(
  rt: FotaRuntime,
  options: FotaTargetOptions,
  target: string,
  payload: Uint8Array,
): Guest<string> {
  const session = rt.session;
  if (session === undefined || session.target !== target) return "no-session";
  if (payload.length < 5) return "bad-chunk";
  const offset = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
  const data = payload.subarray(4);
  const page = rt.flash.pageBytes;
  if (offset % page !== 0 || offset >= session.imageBytes || data.length > page) return "bad-chunk";
  if (session.pages.has(offset / page)) return "duplicate-chunk";
  if (!(yield* rt.flash.program(options.slotOffsets[1] + offset, data))) return "flash-error";
  session.pages.add(offset / page);
  return "";
}

/**
 * fota-commit: verify, boot the standby, hand over, health check, switch, commit, clean up.
 * Returns the rejection reason of the command itself ("" once the update ran, whatever its
 * outcome; the outcome is traced as `fota.done`).
 */
export function* commitFota(
  rt: FotaRuntime,
  options: FotaTargetOptions,
  target: string,
): Guest<string> {
  const session = rt.session;
  if (session === undefined || session.target !== target) return "no-session";
  const page = rt.flash.pageBytes;
  if (session.pages.size !== Math.ceil(session.imageBytes / page)) return "incomplete";
  rt.session = undefined;
  const caps = rt.ctx.caps;
  const old = caps[`cell:${target}`];
  const next = caps[`cell:${options.standby}`];
  const handover = caps[`signal:${target}:handover`];
  const golive = caps[`signal:${options.standby}:golive`];
  if (old === undefined || next === undefined || handover === undefined || golive === undefined) {
    done(rt, target, "rejected", "not-wired");
    return "";
  }

  phase(rt, target, "verify");
  const image = yield* rt.flash.readRange(options.slotOffsets[1], session.imageBytes);
  if (image === undefined || !(yield* verify(rt, image))) {
    done(rt, target, "rejected", "bad-signature");
    return "";
  }

  phase(rt, target, "boot");
  const timeout = options.healthTimeoutNs ?? 50_000_000;
  rt.events.clear("health");
  rt.events.clear("timer");
  yield* setProgress(rt, target, STARTED);
  const started = yield* cellControl(next, "start");
  if (!started.ok) {
    yield* setProgress(rt, target, IDLE);
    done(rt, target, "rolled-back", "start-failed");
    return "";
  }
  yield* timer(timeout, timeout);
  yield* signal(handover, 1);
  const healthy = yield* waitHealth(rt, 1);
  if (!healthy) {
    yield* timer(0);
    yield* cellControl(next, "destroy");
    yield* setProgress(rt, target, IDLE);
    done(rt, target, "rolled-back", "health-timeout");
    return "";
  }

  phase(rt, target, "switch");
  yield* timer(0);
  rt.events.clear("timer");
  yield* setProgress(rt, target, SWITCHED);
  const switchAt = yield* now();
  yield* cellSwitch(old, next);
  yield* cellControl(old, "stop");
  yield* timer(timeout, timeout);
  yield* signal(golive, 1);
  const live = yield* waitHealth(rt, 2);
  const liveAt = yield* now();
  yield* timer(0);
  if (!live) {
    yield* cellSwitch(next, old);
    yield* cellControl(old, "start");
    yield* cellControl(next, "destroy");
    yield* setProgress(rt, target, IDLE);
    done(rt, target, "rolled-back", "live-timeout");
    return "";
  }

  phase(rt, target, "commit");
  const state = rt.boot.get(target)!;
  if (!(yield* commitBootRecord(rt.flash, options.bootRecordOffset, state, 1))) {
    yield* cellSwitch(next, old);
    yield* cellControl(old, "start");
    yield* cellControl(next, "destroy");
    yield* setProgress(rt, target, IDLE);
    done(rt, target, "rolled-back", "commit-failed");
    return "";
  }

  phase(rt, target, "cleanup");
  yield* cellControl(old, "zeroize");
  yield* cellControl(old, "destroy");
  yield* setProgress(rt, target, IDLE);
  done(rt, target, "switched", "ok", liveAt - switchAt);
  return "";
}

/** Waits for health flags `bit`, or the timer: true for health. */
function* waitHealth(rt: FotaRuntime, bit: number): Guest<boolean> {
  for (;;) {
    const event = yield* rt.events.waitFor(["health", "timer"]);
    if (event.name === "timer") return false;
    if ((event.flags & bit) !== 0) return true;
  }
}

function* verify(rt: FotaRuntime, signed: Uint8Array): Guest<boolean> {
  const header = parseImageHeader(signed);
  if (typeof header === "string") return false;
  const imageBytes = IMAGE_HEADER_BYTES + header.bodyBytes;
  if (signed.length !== imageBytes + 64) return false;
  yield* compute(rt.verifyCycles + imageBytes * rt.hashCyclesPerByte);
  if (!bytesEqual(sha256(signed.subarray(IMAGE_HEADER_BYTES, imageBytes)), header.bodySha256)) {
    return false;
  }
  try {
    return ed25519.verify(
      signed.subarray(imageBytes),
      signed.subarray(0, imageBytes),
      rt.publicKey,
    );
  } catch {
    return false;
  }
}
