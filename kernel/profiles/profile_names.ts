/**
 * Profiles by name, for `--kernel NAME` and comparisons.
 *
 * @module
 */

import { kvm } from "./kvm.ts";
import { nova } from "./nova.ts";
import { okl4 } from "./okl4.ts";
import { pikeos } from "./pikeos.ts";
import type { KernelProfile } from "./profile.ts";
import { sel4Mcs } from "./sel4_mcs.ts";
import { xen } from "./xen.ts";

/** The profile names, in comparison order. */
export const profileNames: readonly string[] = Object.freeze([
  "okl4",
  "sel4-mcs",
  "pikeos",
  "nova",
  "xen",
  "kvm",
]);

const FACTORIES: Readonly<Record<string, () => KernelProfile>> = Object.freeze({
  okl4: () => okl4(),
  "sel4-mcs": () => sel4Mcs(),
  pikeos: () => pikeos(),
  nova: () => nova(),
  xen: () => xen(),
  kvm: () => kvm(),
});

/**
 * The profile of a name, with default options.
 *
 * @param name One of {@linkcode profileNames}.
 * @returns The profile.
 * @throws {RangeError} For an unknown name, listing the valid ones.
 *
 * @example Usage
 * ```ts
 * import { profileByName } from "./profile_names.ts";
 * import assert from "node:assert/strict";
 * assert.equal(profileByName("sel4-mcs").title, "seL4 (MCS)");
 * assert.throws(() => profileByName("l4"), /valid kernels are "okl4"/);
 * ```
 */
export function profileByName(name: string): KernelProfile {
  const factory = FACTORIES[name];
  if (factory === undefined) {
    throw new RangeError(
      `Unknown kernel "${name}": valid kernels are ${profileNames.map((n) => `"${n}"`).join(", ")}`,
    );
  }
  return factory();
}
