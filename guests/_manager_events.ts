/**
 * Virtual-IRQ bookkeeping for a guest that waits for several things at once (private to the
 * device manager): `wait()` returns every pending vIRQ, so what is not wanted now is kept,
 * by name with its flags OR-ed, for a later `waitFor`.
 */

import { type Guest, wait } from "./program.ts";

/** Pending vIRQs by name. */
export class VirqEvents {
  #pending = new Map<string, number>();

  /** Waits until one of the named vIRQs is pending, takes it and returns its name and flags. */
  *waitFor(names: readonly string[]): Guest<{ name: string; flags: number }> {
    for (;;) {
      for (const name of names) {
        const flags = this.#pending.get(name);
        if (flags !== undefined) {
          this.#pending.delete(name);
          return { name, flags };
        }
      }
      const virqs = yield* wait();
      for (const virq of virqs) {
        this.#pending.set(virq.name, (this.#pending.get(virq.name) ?? 0) | virq.flags);
      }
    }
  }

  /** Forgets a pending vIRQ (a stale one from an earlier attempt). */
  clear(name: string): void {
    this.#pending.delete(name);
  }
}
