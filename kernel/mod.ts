/**
 * The microvisor: cells, vCPUs, scheduling, capabilities, IPC, virtual IRQs, address spaces,
 * lifecycle, cost model, footprint and kernel profiles. Scenarios rarely need this directly:
 * `mod.ts` exports what they use; this module is for tools and for extending the kernel (a new
 * scheduling policy or profile).
 *
 * @example Usage
 * ```ts
 * import { HANDSET_COSTS, CostModel } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new CostModel(HANDSET_COSTS).ipcCycles(8), 188);
 * ```
 *
 * @module
 */

export * from "./abi.ts";
export * from "./cost_model.ts";
export * from "./footprint.ts";
export * from "./frame_allocator.ts";
export * from "./invariant.ts";
export * from "./microvisor.ts";
export * from "./scheduler.ts";
export * from "./objects/address_space.ts";
export * from "./objects/cap_table.ts";
export * from "./objects/capability.ts";
export * from "./objects/cell.ts";
export * from "./objects/channel.ts";
export * from "./objects/endpoint.ts";
export * from "./objects/scheduling_context.ts";
export * from "./objects/section.ts";
export * from "./objects/vcpu.ts";
export * from "./profiles/mod.ts";
