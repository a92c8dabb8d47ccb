/**
 * microvisor-rig: a deterministic, scriptable virtual platform for embedded virtualization.
 *
 * Everything a scenario needs comes from this module.
 *
 * @example Usage
 * ```ts
 * import { ms, parseDuration } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDuration("4.615ms"), ms(4.615));
 * ```
 *
 * @module
 */

export * from "./hw/mod.ts";
