/**
 * The guest ABI: the only door between a guest and the microvisor. A guest program is a
 * generator that yields {@linkcode Operation}s and receives an {@linkcode OperationResult} for
 * each. Hypercalls check capabilities; a failed check is a {@linkcode GuestError} value handed
 * back to the guest and traced, never a silent success.
 *
 * @module
 */

/** Kinds of error a hypercall or memory access can return to a guest. */
export type GuestErrorKind =
  | "InvalidCapability"
  | "RevokedCapability"
  | "WrongCapabilityType"
  | "MissingRight"
  | "QueueFull"
  | "MessageTooLarge"
  | "Fault"
  | "InvalidArgument"
  | "PeerStopped"
  | "NotWaitingForReply"
  | "IllegalState"
  | "Timeout";

/** An error value returned to a guest. */
export interface GuestError {
  /** The kind of error. */
  readonly kind: GuestErrorKind;
  /** A human-readable description: the action, the value and what is valid. */
  readonly message: string;
  /** The capability index involved, if any. */
  readonly cap?: number;
  /** The guest address involved, for faults. */
  readonly address?: number;
}

/** A virtual interrupt as delivered to a guest. */
export interface DeliveredVirq {
  /** The vIRQ number in the receiving cell. */
  readonly virq: number;
  /** Its name, e.g. `"radio"` or `"channel:audio"`. */
  readonly name: string;
  /** Edge count: how many times it was raised since last delivered. */
  readonly count: number;
  /** The OR of the flags raised since last delivered. */
  readonly flags: number;
}

/** A message received from an endpoint or a channel. */
export interface ReceivedMessage {
  /** The payload (a copy; the sender's buffer is not shared). */
  readonly bytes: Uint8Array;
  /** The badge of the capability the sender used (identifies the sender to the receiver). */
  readonly badge: number;
}

/** What a `compute` operation reports. */
export interface ComputeOutcome {
  /** Cycles still to run; 0 when the work completed, more when a vIRQ interrupted it. */
  readonly remainingCycles: number;
  /** The vIRQs that interrupted it (empty when it completed). */
  readonly virqs: readonly DeliveredVirq[];
}

/** The result of one operation: a value or a guest error. */
export type OperationResult<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: GuestError };

/** Cell-control actions a holder of a cell-control capability may take. */
export type CellAction =
  | "start"
  | "stop"
  | "restart"
  | "zeroize"
  | "destroy"
  | "suspend"
  | "resume";

/** Every operation a guest can yield. */
export type Operation =
  | { readonly op: "compute"; readonly cycles: number }
  | { readonly op: "read"; readonly address: number; readonly length: number }
  | { readonly op: "write"; readonly address: number; readonly bytes: Uint8Array }
  | { readonly op: "send"; readonly cap: number; readonly bytes: Uint8Array }
  | { readonly op: "receive"; readonly cap: number }
  | { readonly op: "call"; readonly cap: number; readonly bytes: Uint8Array }
  | { readonly op: "reply"; readonly bytes: Uint8Array }
  | { readonly op: "wait" }
  | { readonly op: "poll" }
  | { readonly op: "signal"; readonly cap: number; readonly flags: number }
  | { readonly op: "irqAck"; readonly cap: number }
  | { readonly op: "sleep"; readonly durationNs: number }
  /**
   * The vCPU's virtual timer (vIRQ `timer`): periodic with `periodNs` > 0, first expiry after
   * `firstNs` (default one period); `periodNs: 0` with `firstNs` is a one-shot after `firstNs`;
   * `periodNs: 0` alone turns it off. Re-arming replaces the previous setting.
   */
  | { readonly op: "timer"; readonly periodNs: number; readonly firstNs?: number }
  /**
   * A one-shot virtual timer at an absolute time `atNs` (at once if it has passed); replaces
   * any previous setting of the vCPU's timer.
   */
  | { readonly op: "timerAt"; readonly atNs: number }
  | { readonly op: "interrupts"; readonly enabled: boolean }
  | { readonly op: "waive"; readonly priority: number }
  | { readonly op: "yield" }
  | { readonly op: "now" }
  /** Reads the virtual counter without trapping: no kernel entry, no cost. */
  | { readonly op: "clock" }
  | { readonly op: "derive"; readonly cap: number; readonly rights: readonly string[] }
  | { readonly op: "revoke"; readonly cap: number }
  | { readonly op: "map"; readonly cap: number; readonly address: number }
  | { readonly op: "cellControl"; readonly cap: number; readonly action: CellAction }
  | { readonly op: "cellSwitch"; readonly cap: number; readonly toCap: number };

/** A guest program: a generator of operations receiving each result. */
export type GuestProgram = Generator<Operation, void, OperationResult>;

/** The name of an operation. */
export type OperationName = Operation["op"];
