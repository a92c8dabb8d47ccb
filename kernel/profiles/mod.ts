/**
 * Kernel profiles: the same scenario on OKL4-, seL4-MCS-, PikeOS-, NOVA-, Xen- and KVM-style
 * hypervisors. A profile bundles a scheduling policy, an IPC and interrupt path, a cost table
 * and a footprint model; `profileByName` resolves `--kernel NAME`.
 *
 * @example Usage
 * ```ts
 * import { profileByName, profileNames } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(profileNames, ["okl4", "sel4-mcs", "pikeos", "nova", "xen", "kvm"]);
 * assert.equal(profileByName("xen").irqPath, "driver-domain");
 * ```
 *
 * @module
 */

export * from "./profile.ts";
export * from "./profile_names.ts";
export * from "./okl4.ts";
export * from "./sel4_mcs.ts";
export * from "./pikeos.ts";
export * from "./nova.ts";
export * from "./xen.ts";
export * from "./kvm.ts";
export * from "./window_policy.ts";
export * from "./credit_policy.ts";
export * from "./fair_share_policy.ts";
