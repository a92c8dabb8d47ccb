/**
 * The checks a device constructor makes on its options, with one error style for every
 * device: `Cannot create <device> "<name>": <option> <value> <what would be valid>`.
 */

/** Checks the options of one device being created; each failed check throws a RangeError. */
export class OptionChecks {
  readonly #action: string;

  /**
   * Starts checking the options of a device.
   *
   * @param device What the device is, in words, e.g. `"CAN controller"`.
   * @param name The device name.
   */
  constructor(device: string, name: string) {
    this.#action = `Cannot create ${device} "${name}"`;
  }

  /** Throws a RangeError saying that an option's value is invalid and what would be valid. */
  fail(what: string, value: unknown, valid: string): never {
    throw new RangeError(`${this.#action}: ${what} ${value} ${valid}`);
  }

  /** Checks that a value is a whole number of at least 1, optionally of a unit (`"ns"`). */
  positiveWhole(what: string, value: number, unit?: string): void {
    if (!Number.isSafeInteger(value) || value < 1) {
      this.fail(what, value, `is not a positive whole number${unit ? ` of ${unit}` : ""}`);
    }
  }

  /** Checks that a value is a whole number of at least 0, optionally of a unit (`"ns"`). */
  nonNegativeWhole(what: string, value: number, unit?: string): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.fail(what, value, `is not a non-negative whole number${unit ? ` of ${unit}` : ""}`);
    }
  }

  /** Checks that a rate (per second) is in (0, 1e9], so its period is at least 1 ns. */
  rate(what: string, value: number): void {
    if (!(value > 0 && value <= 1e9)) this.fail(what, value, "is not in (0, 1e9]");
  }
}
