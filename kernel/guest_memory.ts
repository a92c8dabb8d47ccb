/**
 * Guest memory accesses: a cell's reads and writes are translated through its address space
 * into physical memory or devices; a missing mapping, missing right or refusing device is a
 * fault, counted on the cell and traced.
 *
 * @module
 */

import type { GuestError, OperationResult } from "./abi.ts";
import type { KernelState } from "./_kernel_state.ts";
import type { Cell } from "./objects/cell.ts";

/**
 * Reads guest memory through a cell's address space, into physical memory or devices.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @param address Guest address.
 * @param length Bytes.
 * @returns The bytes, or the fault.
 */
export function guestRead(
  kernel: KernelState,
  cell: Cell,
  address: number,
  length: number,
): OperationResult<Uint8Array> {
  const translated = cell.space.translate(address, length, "read");
  if (!translated.ok) {
    return fault(kernel, cell, "read", translated.fault.address, translated.fault.reason);
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of translated.pieces) {
    let bytes: Uint8Array;
    try {
      bytes = kernel.board.memory.read(piece.physical, piece.length, cell.name);
    } catch (error) {
      // A device refusing the access (no such register, bad width) is a bus error.
      if (!(error instanceof RangeError)) throw error;
      return fault(kernel, cell, "read", address + at, `device: ${error.message}`);
    }
    out.set(bytes, at);
    at += piece.length;
  }
  return { ok: true, value: out };
}

/**
 * Writes guest memory through a cell's address space.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @param address Guest address.
 * @param bytes The data.
 * @returns Success, or the fault.
 */
export function guestWrite(
  kernel: KernelState,
  cell: Cell,
  address: number,
  bytes: Uint8Array,
): OperationResult<undefined> {
  const translated = cell.space.translate(address, bytes.length, "write");
  if (!translated.ok) {
    return fault(kernel, cell, "write", translated.fault.address, translated.fault.reason);
  }
  let at = 0;
  for (const piece of translated.pieces) {
    try {
      kernel.board.memory.write(piece.physical, bytes.subarray(at, at + piece.length), cell.name);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return fault(kernel, cell, "write", address + at, `device: ${error.message}`);
    }
    at += piece.length;
  }
  return { ok: true, value: undefined };
}

function fault(
  kernel: KernelState,
  cell: Cell,
  access: string,
  address: number,
  reason: string,
): { ok: false; error: GuestError } {
  cell.faults++;
  kernel.emit("fault", cell.name, { access, address, reason });
  return {
    ok: false,
    error: {
      kind: "Fault",
      message: `${access} at guest address 0x${address.toString(16)} faulted: ${reason}`,
      address,
    },
  };
}
