/**
 * An attack library for a compromised cell (e.g. a rich OS taken over by malware). Each attack
 * is a guest sub-program `(ctx) => Guest<AttackOutcome>` that tries one way out of the cell
 * through the guest ABI only; {@linkcode runAttacks} runs a chosen list and traces each outcome
 * as an `attack` record {name, blocked, leakedBytes, detail}. `blocked` means the kernel
 * refused every attempt (a fault or a capability error); for denial-of-service attacks (flood,
 * storm, hog) it means every attempt got a definite answer (bounded queues, no silent drop) —
 * whether the attack was *contained* is for the scenario to check on its victims' deadlines.
 * `leakedBytes` counts bytes read from outside the cell's own RAM and windows.
 *
 * Addresses are guessed from the handset's memory map (i.MX31-like): DRAM at 0x8000_0000,
 * on-chip SRAM (where the kernel lives) at 0x1ffc_0000, device windows in AIPS-1/2 and the
 * NAND controller at 0xb800_0000, and the kernel's own window layout (device windows from
 * 0x4000_0000, sections from 0x6000_0000). Addresses inside the cell's own mappings are
 * skipped: reading one's own memory is no attack.
 *
 * Network attacks (forging or replaying wipe/FOTA commands) need the management net port,
 * which only the device manager maps: from inside a cell, {@linkcode attacks}.forgedCommand and
 * `replayCommand` can only try to reach the port's registers (and fault). The network side —
 * a forged or captured command arriving on the wire — is world-side: a rig delivers the bytes
 * to the net port and the manager rejects them (bad-signature, replay), visible as
 * `manager.command` records.
 *
 * @example Usage
 * ```ts
 * import { attacker, attackNames } from "./attacks.ts";
 * import assert from "node:assert/strict";
 * const recipe = attacker({ priority: 50, attacks: attackNames });
 * assert.equal(recipe.faultPolicy, "deliver");
 * assert.ok(attackNames.includes("readKeypad"));
 * ```
 *
 * @module
 */

import { ed25519 } from "npm:@noble/curves@2.4.0/ed25519.js";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { CellAction } from "../kernel/abi.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { encodeCommandBody } from "./_manager_codec.ts";
import {
  cellControl,
  compute,
  cyclesFor,
  derive,
  type Guest,
  irqAck,
  now,
  read,
  revoke,
  send,
  signal,
  write,
} from "./program.ts";
import type { GuestRecipe } from "./recipe.ts";

/** What one attack achieved. */
export interface AttackOutcome {
  /** The attack's name. */
  readonly name: string;
  /** Whether every attempt was refused (or, for DoS, answered definitely). */
  readonly blocked: boolean;
  /** Bytes obtained from outside the cell's own memory. */
  readonly leakedBytes: number;
  /** What was tried and what happened. */
  readonly detail: string;
}

/** One attack: a guest sub-program. */
export type Attack = (ctx: GuestContext) => Guest<AttackOutcome>;

/** The names of the attacks in {@linkcode attacks}. */
export type AttackName =
  | "readForeignMemory"
  | "writeKernelMemory"
  | "forgedCapability"
  | "revokedCapability"
  | "replayCommand"
  | "forgedCommand"
  | "floodIpc"
  | "irqStorm"
  | "hogCpu"
  | "touchUnassignedDevice"
  | "readKeypad";

const DRAM = 0x8000_0000;
const SRAM = 0x1ffc_0000;
const DEVICE_WINDOWS = 0x4000_0000;
const SECTION_WINDOWS = 0x6000_0000;
const DEVICES: Readonly<Record<string, number>> = {
  keypad: 0x43fa_8000,
  uart: 0x43f9_0000,
  radio: 0x43fc_0000,
  net: 0x43fd_0000,
  display: 0x53f8_0000,
  watchdog: 0x53fd_c000,
  flash: 0xb800_0000,
};

/** Whether [address, address + length) touches the cell's own RAM or windows. */
function own(ctx: GuestContext, address: number, length: number): boolean {
  const ranges = [ctx.ram, ...Object.values(ctx.windows)];
  return ranges.some((r) => address < r.base + r.size && address + length > r.base);
}

/** Reads each address outside the cell's own mappings; counts faults and leaked bytes. */
function* probeReads(
  ctx: GuestContext,
  addresses: readonly number[],
): Guest<{ tried: number; faults: number; leaked: number }> {
  let tried = 0, faults = 0, leaked = 0;
  for (const address of addresses) {
    if (own(ctx, address, 16)) continue;
    tried++;
    const result = yield* read(address, 16);
    if (result.ok) leaked += result.value.length;
    else faults++;
  }
  return { tried, faults, leaked };
}

function* probeWrites(
  ctx: GuestContext,
  addresses: readonly number[],
): Guest<{ tried: number; faults: number }> {
  let tried = 0, faults = 0;
  for (const address of addresses) {
    if (own(ctx, address, 4)) continue;
    tried++;
    const result = yield* write(address, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    if (!result.ok) faults++;
  }
  return { tried, faults };
}

function outcome(
  name: string,
  blocked: boolean,
  leakedBytes: number,
  detail: string,
): AttackOutcome {
  return { name, blocked, leakedBytes, detail };
}

function* readForeignMemory(ctx: GuestContext): Guest<AttackOutcome> {
  const random = ctx.random("attack.readForeignMemory");
  const guesses = [
    ctx.ram.size,
    ctx.ram.size + 0x1000,
    ...Array.from({ length: 16 }, (_, i) => DRAM + i * 0x10_0000),
    SECTION_WINDOWS,
    0x7000_0000,
    ...Array.from({ length: 16 }, () => random.int(0, 0xffff_fff0)),
  ];
  const r = yield* probeReads(ctx, guesses);
  return outcome(
    "readForeignMemory",
    r.faults === r.tried,
    r.leaked,
    `${r.faults} of ${r.tried} reads outside own memory faulted`,
  );
}

function* writeKernelMemory(ctx: GuestContext): Guest<AttackOutcome> {
  const guesses = [SRAM, SRAM + 0x100, SRAM + 0x1000, SRAM + 0x3_f000, DRAM, DRAM + 0x1000];
  const r = yield* probeWrites(ctx, guesses);
  return outcome(
    "writeKernelMemory",
    r.faults === r.tried,
    0,
    `${r.faults} of ${r.tried} writes to kernel SRAM and DRAM faulted`,
  );
}

function* forgedCapability(ctx: GuestContext): Guest<AttackOutcome> {
  const held = new Set(Object.values(ctx.caps));
  const cellCaps = new Set(
    Object.entries(ctx.caps).filter(([n]) => n.startsWith("cell:")).map(([, i]) => i),
  );
  const forged = [64, 100, 4096, -1, 2 ** 31, 1.5, Number.NaN];
  for (let i = 0; i < 64; i++) if (!held.has(i)) forged.push(i);
  // Held capabilities of another type, used as cell control (wrong type).
  const wrongType = [...held].filter((index) => !cellCaps.has(index));
  let refused = 0;
  const actions: CellAction[] = ["destroy", "zeroize", "stop"];
  for (const index of [...forged, ...wrongType]) {
    for (const action of actions) {
      const result = yield* cellControl(index, action);
      if (!result.ok) refused++;
    }
  }
  for (const index of forged) {
    if (!(yield* irqAck(index)).ok) refused++;
    if (!(yield* signal(index, 1)).ok) refused++;
  }
  const tried = (forged.length + wrongType.length) * actions.length + forged.length * 2;
  return outcome(
    "forgedCapability",
    refused === tried,
    0,
    `${refused} of ${tried} uses of forged or wrong-type capability indices refused`,
  );
}

function* revokedCapability(ctx: GuestContext): Guest<AttackOutcome> {
  const source = Object.values(ctx.caps)[0];
  if (source === undefined) {
    return outcome("revokedCapability", true, 0, "no capability held to derive from");
  }
  const child = yield* derive(source, []);
  if (!child.ok) {
    return outcome("revokedCapability", true, 0, `derive refused: ${child.error.kind}`);
  }
  yield* revoke(source);
  const again = yield* derive(child.value, []);
  const use = yield* cellControl(child.value, "stop");
  const blocked = !again.ok && again.error.kind === "RevokedCapability" && !use.ok &&
    use.error.kind === "RevokedCapability";
  return outcome(
    "revokedCapability",
    blocked,
    0,
    `revoked copy: derive ${again.ok ? "succeeded" : again.error.kind}, use ${
      use.ok ? "succeeded" : use.error.kind
    }`,
  );
}

function* pushToNetPort(ctx: GuestContext, name: string, bytes: Uint8Array): Guest<AttackOutcome> {
  const net = DEVICES.net;
  const guesses = [net + 0x2000, net + 0x1000, net + 0x14];
  for (let k = 0; k < 16; k++) guesses.push(DEVICE_WINDOWS + k * 0x1000 + 0x2000);
  let tried = 0, faults = 0;
  for (const address of guesses) {
    if (own(ctx, address, bytes.length)) continue;
    tried++;
    if (!(yield* write(address, bytes)).ok) faults++;
  }
  return outcome(
    name,
    faults === tried,
    0,
    `${faults} of ${tried} writes towards the net port faulted (the network side is world-side)`,
  );
}

function replayCommand(ctx: GuestContext): Guest<AttackOutcome> {
  // A wipe command as captured off the wire (signature bytes as seen; not the attacker's key).
  const body = encodeCommandBody({ kind: "wipe", target: "pin", counter: 1 });
  const captured = new Uint8Array(body.length + 64);
  captured.set(body);
  return pushToNetPort(ctx, "replayCommand", captured);
}

function forgedCommand(ctx: GuestContext): Guest<AttackOutcome> {
  const key = new Uint8Array(32).fill(7);
  const body = encodeCommandBody({ kind: "wipe", target: "pin", counter: 2 ** 40 });
  const forged = new Uint8Array(body.length + 64);
  forged.set(body);
  forged.set(ed25519.sign(body, key), body.length);
  return pushToNetPort(ctx, "forgedCommand", forged);
}

function* floodIpc(ctx: GuestContext): Guest<AttackOutcome> {
  const senders = Object.entries(ctx.caps).filter(([n]) => n.startsWith("send:"));
  let accepted = 0, full = 0, other = 0;
  const message = new Uint8Array(64).fill(0x41);
  for (const [, cap] of senders) {
    for (let i = 0; i < 2_000; i++) {
      const result = yield* send(cap, message);
      if (result.ok) accepted++;
      else if (result.error.kind === "QueueFull") full++;
      else other++;
    }
  }
  return outcome(
    "floodIpc",
    other === 0,
    0,
    `${senders.length} channels: ${accepted} queued, ${full} QueueFull, ${other} other errors`,
  );
}

function* irqStorm(ctx: GuestContext): Guest<AttackOutcome> {
  const lines = Object.entries(ctx.caps).filter(([n]) => n.startsWith("irq:"));
  let acks = 0, refused = 0;
  for (const [, cap] of lines) {
    for (let i = 0; i < 5_000; i++) if ((yield* irqAck(cap)).ok) acks++;
  }
  // Acknowledging lines it does not own: every other slot index.
  const held = new Set(Object.values(ctx.caps));
  let tried = 0;
  for (let i = 0; i < 64; i++) {
    if (held.has(i)) continue;
    tried++;
    if (!(yield* irqAck(i)).ok) refused++;
  }
  return outcome(
    "irqStorm",
    refused === tried,
    0,
    `${acks} acknowledgements of ${lines.length} owned lines; ${refused} of ${tried} acks of unowned indices refused`,
  );
}

function* hogCpu(ctx: GuestContext): Guest<AttackOutcome> {
  const requested = 50_000_000;
  const start = yield* now();
  yield* compute(cyclesFor(requested, ctx.clockHz));
  const elapsed = (yield* now()) - start;
  return outcome(
    "hogCpu",
    true,
    0,
    `50 ms of work took ${elapsed} ns of virtual time (preempted for ${elapsed - requested} ns)`,
  );
}

function* touchUnassignedDevice(ctx: GuestContext): Guest<AttackOutcome> {
  const guesses = Object.values(DEVICES);
  for (let k = 0; k < 48; k++) guesses.push(DEVICE_WINDOWS + k * 0x1000);
  const r = yield* probeReads(ctx, guesses);
  const w = yield* probeWrites(ctx, [DEVICES.watchdog, DEVICES.flash + 4, DEVICES.display + 8]);
  return outcome(
    "touchUnassignedDevice",
    r.faults === r.tried && w.faults === w.tried,
    r.leaked,
    `${r.faults} of ${r.tried} device reads and ${w.faults} of ${w.tried} writes faulted`,
  );
}

function* readKeypad(ctx: GuestContext): Guest<AttackOutcome> {
  const keypad = DEVICES.keypad;
  const guesses = [keypad, keypad + 4, keypad + 8, keypad + 0xc];
  for (let k = 0; k < 8; k++) guesses.push(DEVICE_WINDOWS + k * 0x1000 + 8);
  const r = yield* probeReads(ctx, guesses);
  return outcome(
    "readKeypad",
    r.faults === r.tried,
    r.leaked,
    `${r.faults} of ${r.tried} keypad register reads faulted`,
  );
}

/**
 * Every attack by name.
 *
 * @example Usage
 * ```ts
 * import { attacks } from "./attacks.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof attacks.readForeignMemory, "function");
 * ```
 */
export const attacks: Readonly<Record<AttackName, Attack>> = Object.freeze({
  readForeignMemory,
  writeKernelMemory,
  forgedCapability,
  revokedCapability,
  replayCommand,
  forgedCommand,
  floodIpc,
  irqStorm,
  hogCpu,
  touchUnassignedDevice,
  readKeypad,
});

/**
 * The names of every attack, in a sensible running order (the CPU hog last).
 *
 * @example Usage
 * ```ts
 * import { attackNames } from "./attacks.ts";
 * import assert from "node:assert/strict";
 * assert.equal(attackNames.at(-1), "hogCpu");
 * ```
 */
export const attackNames: readonly AttackName[] = Object.freeze([
  "readForeignMemory",
  "writeKernelMemory",
  "forgedCapability",
  "revokedCapability",
  "replayCommand",
  "forgedCommand",
  "touchUnassignedDevice",
  "readKeypad",
  "floodIpc",
  "irqStorm",
  "hogCpu",
]);

/**
 * Runs attacks one after another and traces each outcome as an `attack` record.
 *
 * @param ctx The compromised cell's context.
 * @param names The attacks to run, in order.
 * @returns The outcomes.
 *
 * @example Usage
 * ```ts
 * import { runAttacks } from "./attacks.ts";
 * import type { GuestContext } from "../kernel/objects/cell.ts";
 * import assert from "node:assert/strict";
 * const program = runAttacks({} as GuestContext, []);
 * assert.deepEqual(program.next({ ok: true, value: undefined }), { done: true, value: [] });
 * ```
 */
export function* runAttacks(
  ctx: GuestContext,
  names: readonly AttackName[],
): Guest<AttackOutcome[]> {
  const out: AttackOutcome[] = [];
  for (const name of names) {
    const result = yield* attacks[name](ctx);
    ctx.trace("attack", () => ({ ...result }));
    out.push(result);
  }
  return out;
}

/** The keys of the options of {@linkcode attacker}, checked because `deno run` does not type-check. */
const ATTACKER_KEYS = {
  priority: true,
  attacks: true,
  ramBytes: true,
  startNs: true,
} as const satisfies OptionKeys<Parameters<typeof attacker>[0]>;

/**
 * The recipe of a compromised cell that runs a list of attacks once, after an optional delay,
 * then idles. Fault policy "deliver", so faults come back as errors and the attacks go on.
 *
 * @param options Priority, attacks, RAM and the start delay.
 * @returns The recipe, kind `"attacker"`.
 * @throws {TypeError} For an unknown option.
 *
 * @example Usage
 * ```ts
 * import { attacker } from "./attacks.ts";
 * import assert from "node:assert/strict";
 * assert.equal(attacker({ priority: 40, attacks: ["readKeypad"] }).kind, "attacker");
 * ```
 */
export function attacker(
  options: {
    readonly priority: number;
    readonly attacks: readonly AttackName[];
    readonly ramBytes?: number;
    readonly startNs?: number;
  },
): GuestRecipe {
  checkOptionKeys(options, ATTACKER_KEYS, { action: "Cannot create attacker" });
  return {
    kind: "attacker",
    ramBytes: options.ramBytes ?? 64 * 1024,
    faultPolicy: "deliver",
    vcpus: [{
      priority: options.priority,
      *program(ctx) {
        if (options.startNs !== undefined) {
          yield { op: "sleep", durationNs: options.startNs };
        }
        yield* runAttacks(ctx, options.attacks);
      },
    }],
  };
}

/**
 * An attack runner in the shape a rich OS's compromise hook takes: runs the attacks (tracing
 * each) and returns nothing.
 *
 * @param names The attacks to run, in order.
 * @returns A program factory for the compromised cell's vCPU.
 *
 * @example Usage
 * ```ts
 * import { attackRunner } from "./attacks.ts";
 * import type { GuestContext } from "../kernel/objects/cell.ts";
 * import assert from "node:assert/strict";
 * const program = attackRunner([])({} as GuestContext);
 * assert.equal(program.next({ ok: true, value: undefined }).done, true);
 * ```
 */
export function attackRunner(names: readonly AttackName[]): (ctx: GuestContext) => Guest<void> {
  return function* (ctx) {
    yield* runAttacks(ctx, names);
  };
}
