/** Formats an address as `0x` and eight or more hex digits, e.g. `0x80000000`. */
export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

/** Checks that a value is a non-negative safe integer, for run-time accesses. */
export function checkWhole(value: number, what: string, action: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${action}: ${what} ${value} is not a non-negative whole number`);
  }
}
