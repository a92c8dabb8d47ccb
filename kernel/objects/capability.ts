/**
 * Capabilities: typed, with rights, derived in a tree so revocation removes every copy.
 *
 * @module
 */

/** The kinds of object a capability can name. */
export type CapabilityType =
  | "endpoint"
  | "channel"
  | "irq"
  | "section"
  | "cell"
  | "device"
  | "virq";

/** The rights each capability type may carry. */
export const RIGHTS_BY_TYPE: Readonly<Record<CapabilityType, readonly string[]>> = Object.freeze({
  endpoint: ["call", "receive", "grant"],
  channel: ["send", "receive"],
  irq: ["ack"],
  section: ["read", "write", "execute", "map"],
  cell: ["start", "stop", "restart", "zeroize", "destroy", "suspend", "resume", "switch"],
  device: ["read", "write", "map"],
  virq: ["signal"],
});

/**
 * One capability: a reference to a kernel object with rights. Guests never hold these; they
 * hold indices into their own cell's table.
 *
 * @example Usage
 * ```ts
 * import { Capability } from "./capability.ts";
 * import assert from "node:assert/strict";
 * const parent = new Capability("channel", {}, ["send", "receive"], 7);
 * const child = parent.derive(["send"]) as Capability;
 * assert.equal(child.has("receive"), false);
 * parent.revokeDerived();
 * assert.equal(child.revoked, true);
 * ```
 */
export class Capability {
  /** The object type. */
  readonly type: CapabilityType;
  /** The kernel object. */
  readonly object: unknown;
  /** The rights. */
  readonly rights: ReadonlySet<string>;
  /** A word given to the receiver of messages sent with this capability. */
  readonly badge: number;
  /** The capability this one was derived from. */
  readonly parent: Capability | undefined;
  #children: Capability[] = [];
  #revoked = false;

  /**
   * Creates a capability to an object.
   *
   * @param type The object type.
   * @param object The kernel object.
   * @param rights Rights, each valid for the type.
   * @param badge The badge.
   * @param parent The capability it derives from.
   */
  constructor(
    type: CapabilityType,
    object: unknown,
    rights: readonly string[],
    badge = 0,
    parent?: Capability,
  ) {
    const valid = RIGHTS_BY_TYPE[type];
    for (const right of rights) {
      if (!valid.includes(right)) {
        throw new RangeError(
          `Cannot make a ${type} capability: right "${right}" is not valid; ` +
            `valid rights are ${valid.join(", ")}`,
        );
      }
    }
    this.type = type;
    this.object = object;
    this.rights = new Set(rights);
    this.badge = badge;
    this.parent = parent;
  }

  /** Whether this capability was revoked. */
  get revoked(): boolean {
    return this.#revoked;
  }

  /** Capabilities derived from this one that are still live. */
  get children(): readonly Capability[] {
    return this.#children;
  }

  /**
   * Tells whether the capability carries a right and is not revoked.
   *
   * @param right The right.
   * @returns Whether it is held.
   */
  has(right: string): boolean {
    return !this.#revoked && this.rights.has(right);
  }

  /**
   * Derives a copy with the same or fewer rights. Rights can be reduced, never raised.
   *
   * @param rights The rights of the copy; each must be held by this capability.
   * @returns The derived capability, or a string saying which right was not held.
   */
  derive(rights: readonly string[]): Capability | string {
    for (const right of rights) {
      if (!this.rights.has(right)) {
        return `right "${right}" is not held (held: ${[...this.rights].join(", ") || "none"})`;
      }
    }
    const child = new Capability(this.type, this.object, rights, this.badge, this);
    this.#children.push(child);
    return child;
  }

  /**
   * Revokes every capability derived from this one, transitively; this one stays.
   *
   * @returns The revoked capabilities.
   */
  revokeDerived(): Capability[] {
    const revoked: Capability[] = [];
    const stack = [...this.#children];
    this.#children = [];
    while (stack.length > 0) {
      const cap = stack.pop()!;
      cap.#revoked = true;
      revoked.push(cap);
      stack.push(...cap.#children);
      cap.#children = [];
    }
    return revoked;
  }

  /** Revokes this capability and everything derived from it. */
  revokeSelf(): Capability[] {
    const revoked = this.revokeDerived();
    this.#revoked = true;
    revoked.push(this);
    return revoked;
  }
}
