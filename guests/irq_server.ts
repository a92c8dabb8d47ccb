/**
 * The IRQ server: the smallest driver cell. It owns one device line and acknowledges each
 * interrupt as it arrives, doing nothing else, so a scenario can give a device an owner or
 * measure interrupt latency with nothing in the way.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys } from "../hw/option_keys.ts";
import { irqAck, wait } from "./program.ts";
import { type GuestRecipe, native } from "./recipe.ts";

/** The keys of the options of {@linkcode irqServer}, checked because `deno run` does not type-check. */
const IRQ_SERVER_KEYS = {
  priority: true,
  affinity: true,
} as const satisfies OptionKeys<Parameters<typeof irqServer>[1]>;

/**
 * A native cell that owns a device's IRQ line and acknowledges every interrupt of it.
 *
 * @param irq The device whose line it owns, e.g. `"uart"`.
 * @param options Its priority and, on a multicore board, its core.
 * @returns The recipe.
 *
 * @example Three UART interrupts, each served
 * ```ts
 * import { irqServer } from "./irq_server.ts";
 * import { boards, scenario } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const result = scenario("uart")
 *   .board(boards.handset())
 *   .cell("serial", irqServer("uart", { priority: 100 }))
 *   .script((t) => t.at("1ms").irq("uart").at("2ms").irq("uart").at("3ms").irq("uart"))
 *   .expect((r) => r.irqLatency("uart").count.toBe(3))
 *   .execute({ for: "5ms" });
 * assert.equal(result.passed, true);
 * ```
 */
export function irqServer(
  irq: string,
  options: { readonly priority: number; readonly affinity?: number },
): GuestRecipe {
  checkOptionKeys(options, IRQ_SERVER_KEYS, { action: `Cannot create irqServer "${irq}"` });
  const cap = `irq:${irq}`;
  return native({
    priority: options.priority,
    affinity: options.affinity,
    irqs: [irq],
    *program(ctx) {
      for (;;) {
        yield* wait();
        yield* irqAck(ctx.caps[cap]);
      }
    },
  });
}
