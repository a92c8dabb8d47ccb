/**
 * A synchronous IPC endpoint: callers and receivers rendezvous; a receiver replies to the
 * caller it received from.
 *
 * @module
 */

import type { Vcpu } from "./vcpu.ts";

/** A caller blocked on an endpoint with its message. */
export interface PendingCall {
  /** The calling vCPU (blocked until the reply). */
  readonly caller: Vcpu;
  /** The payload. */
  readonly bytes: Uint8Array;
  /** The badge of the caller's capability. */
  readonly badge: number;
}

/**
 * Rendezvous state of one endpoint: queued callers, or queued receivers, never both.
 *
 * @example Usage
 * ```ts
 * import { Endpoint } from "./endpoint.ts";
 * import assert from "node:assert/strict";
 * const endpoint = new Endpoint("pin");
 * assert.equal(endpoint.callers.length, 0);
 * ```
 */
export class Endpoint {
  /** The endpoint's name. */
  readonly name: string;
  /** Callers waiting for a receiver, in arrival order. */
  readonly callers: PendingCall[] = [];
  /** Receivers waiting for a caller, in arrival order. */
  readonly receivers: Vcpu[] = [];

  /**
   * Creates an endpoint with no waiting callers or receivers.
   *
   * @param name The endpoint's name.
   */
  constructor(name: string) {
    this.name = name;
  }
}
