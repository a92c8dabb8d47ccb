/**
 * Guest programs: the programming model over the guest ABI, and the RTOS, rich OS, PIN-entry,
 * device-manager and FOTA-service guests, the attack library and the backend's image and
 * command signing.
 *
 * @example Usage
 * ```ts
 * import { rtos, task } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const recipe = rtos({ priority: 200, tasks: [task("tick", { period: 1_000_000, wcet: 100_000, priority: 1 })] });
 * assert.equal(recipe.kind, "rtos");
 * ```
 *
 * @module
 */

export * from "./program.ts";
export * from "./recipe.ts";
export * from "./irq_server.ts";
export * from "./rtos.ts";
export * from "./rich_os.ts";
export * from "./pin_entry.ts";
export * from "./manager.ts";
export * from "./attacks.ts";
export * from "./fota_image.ts";
