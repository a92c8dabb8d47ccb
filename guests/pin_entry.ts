/**
 * PIN entry: a native cell with no OS (a small trusted base). It owns the keypad IRQ and maps
 * the keypad and display windows. On each request from the rich OS (a call on its endpoint)
 * it lights the display's secure indicator, collects digits from keypad interrupts into its
 * own RAM, verifies them against a salted SHA-256 hash fixed at build time, zeroes the digit
 * buffer and answers with exactly one byte: 1 ok, 0 fail, 2 locked (after `maxFailures`
 * consecutive failures; locked stays locked across restarts because the counter lives in the
 * cell's RAM, until a wipe).
 *
 * Where the PIN's bytes exist: the digits (ASCII 0x30–0x39) are written one by one into the
 * cell's RAM digit buffer and zeroed after verification. The keypad's scancode FIFO also holds
 * each key until the cell pops it — the keypad scancodes of digits *are* their ASCII codes —
 * but the keypad window is mapped only into this cell, so no other cell can read it.
 *
 * Keys: `0`–`9` digits (at most 16; more are ignored and the entry fails), `*` clears the
 * entry, `#` submits it, others are ignored. Keys typed before a request wait in the keypad
 * FIFO and count towards it.
 *
 * Wiring (by the recipe conventions): capability `serve:CELL` (endpoint receive) in this cell,
 * `call:CELL` in clients; `irq:keypad`; windows `keypad` (read) and `display` (read, write).
 *
 * Trace records: `pin.request` {}, `pin.result` {result: "ok" | "fail" | "locked"}.
 *
 * @module
 */

import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import type { GuestContext } from "../kernel/objects/cell.ts";
import { bytesEqual } from "./_manager_image.ts";
import { compute, type Guest, irqAck, read, receive, reply, wait, write } from "./program.ts";
import type { GuestRecipe } from "./recipe.ts";

/** Reply byte: the PIN was right. */
export const PIN_OK = 1;
/** Reply byte: the PIN was wrong. */
export const PIN_FAIL = 0;
/** Reply byte: too many failures; the cell no longer checks PINs. */
export const PIN_LOCKED = 2;

/** Options of {@linkcode pinEntry}. */
export interface PinEntryOptions {
  /** vCPU priority 0..255 (above the rich OS, so input handling is not starved). */
  readonly priority: number;
  /** The PIN, 4..16 digits; default `"0000"`. Only its salted hash is kept. */
  readonly pin?: string;
  /** Consecutive failures before lockout; default 3. */
  readonly maxFailures?: number;
  /** Salt text for the hash; default `"pin"`. */
  readonly salt?: string;
  /** RAM in bytes; default 16 KiB. */
  readonly ramBytes?: number;
  /** Cycles to handle one key; default 2,000. */
  readonly keyCycles?: number;
  /** Cycles to hash and compare an entry; default 6,000 (two SHA-256 blocks on an ARM11). */
  readonly verifyCycles?: number;
}

/** The keys of {@linkcode PinEntryOptions}, checked because `deno run` does not type-check. */
const PIN_ENTRY_KEYS = {
  priority: true,
  pin: true,
  maxFailures: true,
  salt: true,
  ramBytes: true,
  keyCycles: true,
  verifyCycles: true,
} as const satisfies OptionKeys<PinEntryOptions>;

/** Guest address of the failure counter (u32) in the cell's RAM. */
export const PIN_FAILURES_ADDRESS = 0x0;
/** Guest address of the digit buffer (16 bytes) in the cell's RAM. */
export const PIN_DIGITS_ADDRESS = 0x100;
const DIGITS_MAX = 16;
const SECURE_INDICATOR = 0x08;
const KEYPAD_STATUS = 0x00;
const KEYPAD_DATA = 0x08;

/**
 * The PIN-entry cell's recipe.
 *
 * @param options Priority, PIN, lockout threshold, salt and costs.
 * @returns The recipe: kind `"pin-entry"`, one vCPU, IRQ `keypad`, windows `keypad` and
 * `display`.
 * @throws {TypeError} For an unknown option.
 * @throws {RangeError} If the PIN is not 4..16 digits or maxFailures is not a positive integer.
 *
 * @example Usage
 * ```ts
 * import { pinEntry } from "./pin_entry.ts";
 * import assert from "node:assert/strict";
 * const recipe = pinEntry({ priority: 220, pin: "4711" });
 * assert.deepEqual(recipe.irqs, ["keypad"]);
 * assert.equal(JSON.stringify(recipe).includes("4711"), false);
 * ```
 */
export function pinEntry(options: PinEntryOptions): GuestRecipe {
  checkOptionKeys(options, PIN_ENTRY_KEYS, { action: "Cannot build PIN entry" });
  const pin = options.pin ?? "0000";
  if (!/^[0-9]{4,16}$/.test(pin)) {
    throw new RangeError(
      `Cannot build PIN entry: pin must be 4..16 digits, got ${pin.length} characters`,
    );
  }
  const maxFailures = options.maxFailures ?? 3;
  if (!Number.isInteger(maxFailures) || maxFailures < 1) {
    throw new RangeError(
      `Cannot build PIN entry: maxFailures ${maxFailures} is not a positive integer`,
    );
  }
  const salt = sha256(new TextEncoder().encode(`microvisor-rig pin salt:${options.salt ?? "pin"}`))
    .slice(0, 16);
  const stored = hashPin(salt, new TextEncoder().encode(pin));
  const config: PinConfig = {
    salt,
    stored,
    maxFailures,
    keyCycles: options.keyCycles ?? 2_000,
    verifyCycles: options.verifyCycles ?? 6_000,
  };
  return {
    kind: "pin-entry",
    ramBytes: options.ramBytes ?? 16 * 1024,
    vcpus: [{ priority: options.priority, program: (ctx) => pinProgram(ctx, config) }],
    irqs: ["keypad"],
    devices: [{ name: "keypad", rights: ["read"] }, { name: "display", rights: ["read", "write"] }],
    image: { name: "pin-entry", version: "1.0" },
  };
}

interface PinConfig {
  readonly salt: Uint8Array;
  readonly stored: Uint8Array;
  readonly maxFailures: number;
  readonly keyCycles: number;
  readonly verifyCycles: number;
}

function hashPin(salt: Uint8Array, digits: Uint8Array): Uint8Array {
  const input = new Uint8Array(salt.length + digits.length);
  input.set(salt);
  input.set(digits, salt.length);
  const digest = sha256(input);
  input.fill(0);
  return digest;
}

function word(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

function* readWord(address: number): Guest<number> {
  const result = yield* read(address, 4);
  if (!result.ok) return -1;
  return new DataView(result.value.buffer, result.value.byteOffset).getUint32(0, true);
}

function* pinProgram(ctx: GuestContext, config: PinConfig): Guest {
  const serve = ctx.caps[`serve:${ctx.cell}`];
  const irq = ctx.caps["irq:keypad"];
  const keypad = ctx.windows["keypad"];
  const display = ctx.windows["display"];
  if (serve === undefined || irq === undefined || keypad === undefined || display === undefined) {
    ctx.trace("pin.misconfigured", () => ({
      serve: serve !== undefined,
      irq: irq !== undefined,
      keypad: keypad !== undefined,
      display: display !== undefined,
    }));
    return;
  }
  for (;;) {
    const request = yield* receive(serve);
    if (!request.ok) {
      yield* compute(config.keyCycles);
      continue;
    }
    ctx.trace("pin.request", () => ({}));
    let failures = yield* readWord(PIN_FAILURES_ADDRESS);
    if (failures >= config.maxFailures) {
      ctx.trace("pin.result", () => ({ result: "locked" }));
      yield* reply(new Uint8Array([PIN_LOCKED]));
      continue;
    }
    yield* write(display.base + SECURE_INDICATOR, word(1));
    const count = yield* collectDigits(keypad.base, irq, config.keyCycles);
    yield* compute(config.verifyCycles);
    let ok = false;
    if (count > 0 && count <= DIGITS_MAX) {
      const entered = yield* read(PIN_DIGITS_ADDRESS, count);
      if (entered.ok) {
        const digest = hashPin(config.salt, entered.value);
        ok = bytesEqual(digest, config.stored);
        entered.value.fill(0);
      }
    }
    yield* write(PIN_DIGITS_ADDRESS, new Uint8Array(DIGITS_MAX));
    failures = ok ? 0 : failures + 1;
    yield* write(PIN_FAILURES_ADDRESS, word(failures));
    const answer = ok ? PIN_OK : failures >= config.maxFailures ? PIN_LOCKED : PIN_FAIL;
    ctx.trace("pin.result", () => ({
      result: answer === PIN_OK ? "ok" : answer === PIN_LOCKED ? "locked" : "fail",
    }));
    yield* reply(new Uint8Array([answer]));
    yield* write(display.base + SECURE_INDICATOR, word(0));
  }
}

/** Collects keys until `#`; returns the digit count (DIGITS_MAX + 1 when too many). */
function* collectDigits(keypad: number, irq: number, keyCycles: number): Guest<number> {
  let count = 0;
  for (;;) {
    for (;;) {
      const status = yield* readWord(keypad + KEYPAD_STATUS);
      if (status <= 0 || (status & 1) === 0) break;
      const code = (yield* readWord(keypad + KEYPAD_DATA)) & 0xff;
      yield* compute(keyCycles);
      if (code >= 0x30 && code <= 0x39) {
        if (count < DIGITS_MAX) yield* write(PIN_DIGITS_ADDRESS + count, new Uint8Array([code]));
        count = Math.min(count + 1, DIGITS_MAX + 1);
      } else if (code === 0x2a) {
        yield* write(PIN_DIGITS_ADDRESS, new Uint8Array(DIGITS_MAX));
        count = 0;
      } else if (code === 0x23) {
        return count;
      }
    }
    yield* irqAck(irq);
    yield* wait();
  }
}
