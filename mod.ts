/**
 * microvisor-rig: a deterministic, scriptable virtual platform for embedded virtualization.
 * Everything a scenario needs comes from this module: boards, time units, guest factories,
 * the scenario builder and its verbs and matchers.
 *
 * @example Usage
 * ```ts
 * import { boards, compute, native, scenario, ms } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const result = scenario("a busy cell owns the core")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532_000); } }))
 *   .expect((r) => r.cpuShare("app").toBeAbove(0.99))
 *   .execute({ for: ms(20) });
 * assert.equal(result.passed, true);
 * ```
 *
 * @module
 */

export { boards } from "./hw/boards.ts";
export type { BoardOverrides } from "./hw/boards.ts";
export type { BoardSpec, DeviceSpec } from "./hw/board_spec.ts";
export { formatDuration, h, min, ms, ns, parseDuration, s, us } from "./hw/time.ts";
export type { Duration, Instant } from "./hw/time.ts";
export { costTables } from "./kernel/cost_model.ts";
/** Kernel profiles for `.kernel(profiles.pikeos({ frame }))`: okl4, sel4Mcs, pikeos, nova, xen, kvm. */
export * as profiles from "./kernel/profiles/mod.ts";
export type { CostTable } from "./kernel/cost_model.ts";
export * from "./guests/program.ts";
export { native } from "./guests/recipe.ts";
export type { GuestRecipe } from "./guests/recipe.ts";
export { rtos, rtosObservation, task } from "./guests/rtos.ts";
export type { RtosOptions, TaskSpec } from "./guests/rtos.ts";
export { richOs, richOsControl, richOsObservation } from "./guests/rich_os.ts";
export type { RichOsOptions } from "./guests/rich_os.ts";
export { PIN_FAIL, PIN_LOCKED, PIN_OK, pinEntry } from "./guests/pin_entry.ts";
export type { PinEntryOptions } from "./guests/pin_entry.ts";
export { fotaService, manager } from "./guests/manager.ts";
export type { ManagerOptions } from "./guests/manager.ts";
export { attackNames } from "./guests/attacks.ts";
export type { AttackName } from "./guests/attacks.ts";
export * from "./rigs/mod.ts";
