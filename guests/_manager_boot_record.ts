/**
 * The A/B boot record (private to the device manager): an append-only log of 44-byte records,
 * one per flash page, in two erase blocks used in turn. A record is `"MVBR"` ‖ sequence (u32)
 * ‖ active slot (u8) ‖ 3 zero bytes ‖ SHA-256 of the first 12 bytes. The valid record with the
 * highest sequence wins; a torn page fails its digest and is ignored, so a commit is atomic:
 * either the new record is whole or the previous one still rules. A block is erased only when
 * the other block holds the latest record, so a torn erase loses nothing that matters.
 */

import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import type { FlashDriver } from "./_manager_flash.ts";
import { bytesEqual } from "./_manager_image.ts";
import type { Guest } from "./program.ts";

const MAGIC = new TextEncoder().encode("MVBR");
const RECORD_BYTES = 44;

/** What the boot record area holds. */
export interface BootState {
  /** The active slot: 0 (the target's) or 1 (the standby's). */
  slot: number;
  /** The latest valid sequence (0: none). */
  sequence: number;
  /** Where the next record goes: block index and page index. */
  block: number;
  page: number;
  /** Whether that block must be erased first. */
  eraseFirst: boolean;
}

/** Encodes a record. */
export function encodeBootRecord(sequence: number, slot: number): Uint8Array {
  const out = new Uint8Array(RECORD_BYTES);
  out.set(MAGIC);
  new DataView(out.buffer).setUint32(4, sequence, true);
  out[8] = slot;
  out.set(sha256(out.subarray(0, 12)), 12);
  return out;
}

function decode(page: Uint8Array): { sequence: number; slot: number } | undefined {
  if (!bytesEqual(page.subarray(0, 4), MAGIC)) return undefined;
  if (!bytesEqual(sha256(page.subarray(0, 12)), page.subarray(12, RECORD_BYTES))) return undefined;
  const slot = page[8];
  if (slot > 1) return undefined;
  return { sequence: new DataView(page.buffer, page.byteOffset).getUint32(4, true), slot };
}

/** Scans both blocks and returns the state (slot 0, sequence 0 when no record is valid). */
export function* readBootState(flash: FlashDriver, offset: number): Guest<BootState> {
  const pages = flash.blockBytes / flash.pageBytes;
  let best = { sequence: 0, slot: 0, block: 0 };
  const used: number[] = [0, 0];
  const torn: boolean[] = [false, false];
  for (let block = 0; block < 2; block++) {
    let sawErased = false;
    for (let page = 0; page < pages; page++) {
      const bytes = yield* flash.readPage(
        offset + block * flash.blockBytes + page * flash.pageBytes,
      );
      if (bytes === undefined) continue;
      if (bytes.every((b) => b === 0xff)) {
        sawErased = true;
        continue;
      }
      if (sawErased) torn[block] = true;
      used[block] = page + 1;
      const record = decode(bytes);
      if (record !== undefined && record.sequence > best.sequence) {
        best = { ...record, block };
      }
    }
  }
  const block = best.block;
  if (used[block] < pages && !torn[block]) {
    return {
      slot: best.slot,
      sequence: best.sequence,
      block,
      page: used[block],
      eraseFirst: false,
    };
  }
  return { slot: best.slot, sequence: best.sequence, block: 1 - block, page: 0, eraseFirst: true };
}

/** Commits a new record making `slot` active; updates `state`. Returns false on a flash error. */
export function* commitBootRecord(
  flash: FlashDriver,
  offset: number,
  state: BootState,
  slot: number,
): Guest<boolean> {
  const blockOffset = offset + state.block * flash.blockBytes;
  if (state.eraseFirst && !(yield* flash.erase(blockOffset))) return false;
  const sequence = state.sequence + 1;
  const ok = yield* flash.program(
    blockOffset + state.page * flash.pageBytes,
    encodeBootRecord(sequence, slot),
  );
  if (!ok) return false;
  state.slot = slot;
  state.sequence = sequence;
  state.page++;
  state.eraseFirst = false;
  if (state.page >= flash.blockBytes / flash.pageBytes) {
    state.block = 1 - state.block;
    state.page = 0;
    state.eraseFirst = true;
  }
  return true;
}
