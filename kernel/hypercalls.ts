/**
 * Hypercalls: each first decodes (capabilities, rights, sizes, ranges) and returns either an
 * error for the guest or an invoke step that changes state at the end of the kernel path.
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/physical_memory.ts";
import { cyclesToNs } from "../hw/time.ts";
import type { GuestError, Operation, OperationResult } from "./abi.ts";
import { IPC_EXTENDED_MAX_BYTES } from "./cost_model.ts";
import { BLOCKED, type DecodedHypercall } from "./_hypercall.ts";
import type { Microvisor } from "./microvisor.ts";
import type { Capability, CapabilityType } from "./objects/capability.ts";
import type { Cell } from "./objects/cell.ts";
import type { Channel } from "./objects/channel.ts";
import type { Endpoint } from "./objects/endpoint.ts";
import type { Section } from "./objects/section.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/** Guest-physical addresses are 32-bit. */
const GUEST_ADDRESS_LIMIT = 2 ** 32;

const OK: OperationResult = Object.freeze({ ok: true, value: undefined });

function error(kind: GuestError["kind"], message: string, cap?: number): OperationResult {
  return { ok: false, error: cap === undefined ? { kind, message } : { kind, message, cap } };
}

/** A decoded call that only returns its (error) result at the end of its path. */
function fail(cycles: number, result: OperationResult): DecodedHypercall {
  return { cycles, invoke: () => result };
}

/**
 * Decodes one hypercall of a vCPU.
 *
 * @param kernel The kernel.
 * @param vcpu The calling vCPU.
 * @param op The operation.
 * @returns Its cost and its effect.
 */
export function decodeHypercall(kernel: Microvisor, vcpu: Vcpu, op: Operation): DecodedHypercall {
  const costs = kernel.costs;
  const base = costs.row.hypercall;
  const withCap = base + costs.row.capLookup;
  const cell = vcpu.cell;
  const caps = cell.caps;

  switch (op.op) {
    case "send": {
      const found = caps.lookup(op.cap, "channel", "send");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const channel = found.cap.object as Channel;
      const size = checkBytes(op.bytes);
      if (typeof size === "string") return fail(withCap, error("InvalidArgument", size, op.cap));
      if (size > channel.maxBytes) {
        return fail(
          withCap,
          error(
            "MessageTooLarge",
            `message of ${size} bytes exceeds channel "${channel.name}" maximum of ${channel.maxBytes}`,
            op.cap,
          ),
        );
      }
      const badge = found.cap.badge;
      return {
        cycles: withCap + costs.ipcCycles(size),
        invoke: () =>
          kernel.channelSend(channel, { bytes: op.bytes, badge, vcpu }) ? OK : error(
            "QueueFull",
            `channel "${channel.name}" is full (${channel.slots} messages queued)`,
            op.cap,
          ),
      };
    }
    case "receive": {
      const held = cell.caps.at(op.cap);
      const type: CapabilityType = held?.type === "endpoint" ? "endpoint" : "channel";
      const found = caps.lookup(op.cap, type, "receive");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      if (type === "channel") {
        const channel = found.cap.object as Channel;
        return {
          cycles: withCap + costs.ipcCycles(0),
          invoke: () => ({ ok: true, value: kernel.channelReceive(channel, vcpu) }),
        };
      }
      const endpoint = found.cap.object as Endpoint;
      return {
        cycles: withCap + costs.ipcCycles(0),
        invoke: () => {
          const call = endpoint.callers.shift();
          if (call === undefined) {
            endpoint.receivers.push(vcpu);
            vcpu.queuedOn = endpoint;
            kernel.block(vcpu, "receive");
            return BLOCKED;
          }
          call.caller.blockedOn = "reply";
          vcpu.replyTo = call.caller;
          kernel.donate(vcpu, call.caller);
          return { ok: true, value: { bytes: call.bytes, badge: call.badge } };
        },
      };
    }
    case "call": {
      const found = caps.lookup(op.cap, "endpoint", "call");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const size = checkBytes(op.bytes);
      if (typeof size === "string") return fail(withCap, error("InvalidArgument", size, op.cap));
      if (size > IPC_EXTENDED_MAX_BYTES) {
        return fail(
          withCap,
          error(
            "MessageTooLarge",
            `message of ${size} bytes exceeds the extended IPC maximum of ${IPC_EXTENDED_MAX_BYTES}`,
            op.cap,
          ),
        );
      }
      const endpoint = found.cap.object as Endpoint;
      const badge = found.cap.badge;
      return {
        cycles: withCap + costs.ipcCycles(size),
        invoke: () => {
          const bytes = op.bytes.slice();
          vcpu.callStartedAt = kernel.engine.now;
          if (kernel.tracing) {
            kernel.emit("ipc.call", endpoint.name, { vcpu: vcpu.name, bytes: size });
          }
          const receiver = endpoint.receivers.shift();
          if (receiver === undefined) {
            endpoint.callers.push({ caller: vcpu, bytes, badge });
            vcpu.queuedOn = endpoint;
            kernel.block(vcpu, "call");
            return BLOCKED;
          }
          receiver.replyTo = vcpu;
          kernel.block(vcpu, "reply");
          kernel.donate(receiver, vcpu);
          kernel.makeReady(receiver, { ok: true, value: { bytes, badge } });
          return BLOCKED;
        },
      };
    }
    case "reply": {
      const size = checkBytes(op.bytes);
      if (typeof size === "string") return fail(base, error("InvalidArgument", size));
      if (size > IPC_EXTENDED_MAX_BYTES) {
        return fail(
          base,
          error("MessageTooLarge", `reply of ${size} bytes exceeds ${IPC_EXTENDED_MAX_BYTES}`),
        );
      }
      const caller = vcpu.replyTo;
      if (caller === undefined) {
        return fail(
          base,
          error("NotWaitingForReply", `no caller is waiting for a reply from ${vcpu.name}`),
        );
      }
      return {
        cycles: base + costs.ipcCycles(size),
        invoke: () => {
          vcpu.replyTo = undefined;
          kernel.returnDonation(vcpu);
          if (caller.state === "blocked" && caller.blockedOn === "reply") {
            if (kernel.tracing) {
              kernel.emit("ipc.reply", vcpu.cell.name, {
                vcpu: vcpu.name,
                to: caller.name,
                bytes: size,
                roundTripNs: kernel.engine.now - caller.callStartedAt,
              });
            }
            kernel.makeReady(caller, { ok: true, value: { bytes: op.bytes.slice(), badge: 0 } });
            return OK;
          }
          return error("PeerStopped", `caller ${caller.name} is no longer waiting`);
        },
      };
    }
    case "wait":
      return new WaitCall(base, kernel, vcpu);
    case "poll":
      return { cycles: base, invoke: () => ({ ok: true, value: kernel.drainVirqs(vcpu) }) };
    case "signal": {
      const found = caps.lookup(op.cap, "virq", "signal");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const target = found.cap.object as { cell: Cell; virq: number; forward?: boolean };
      if (target.forward === true) {
        // A driver domain's forwarding capability: the flags name the hardware line.
        return {
          cycles: withCap,
          invoke: () =>
            kernel.forwardIrq(op.flags | 0) ? OK : error(
              "IllegalState",
              `line ${op.flags | 0} has no interrupt waiting to be forwarded`,
              op.cap,
            ),
        };
      }
      return {
        cycles: withCap,
        invoke: () => {
          kernel.postVirq(target.cell.vcpus[0], target.virq, { flags: op.flags | 0 });
          return OK;
        },
      };
    }
    case "irqAck": {
      const found = caps.lookup(op.cap, "irq", "ack");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const line = (found.cap.object as { line: number }).line;
      return new IrqAckCall(withCap, kernel, cell, line, op.cap);
    }
    case "sleep": {
      if (!Number.isSafeInteger(op.durationNs) || op.durationNs < 0) {
        return fail(
          base,
          error("InvalidArgument", `sleep ${op.durationNs} ns is not a non-negative integer`),
        );
      }
      return {
        cycles: base,
        invoke: () => {
          kernel.block(vcpu, "sleep");
          vcpu.wakeHandle = kernel.timer(vcpu.affinity, kernel.engine.now + op.durationNs, () => {
            vcpu.wakeHandle = -1;
            if (vcpu.state === "blocked" && vcpu.blockedOn === "sleep") kernel.makeReady(vcpu, OK);
          });
          return BLOCKED;
        },
      };
    }
    case "timer": {
      const period = op.periodNs;
      const oneShot = period === 0 && op.firstNs !== undefined;
      const first = op.firstNs ?? period;
      // A period shorter than taking the timer interrupt and injecting it would queue kernel
      // work faster than the core can do it.
      const periodMin = Math.max(
        1,
        cyclesToNs(
          costs.row.irqEntry + costs.row.virqInjection,
          kernel.board.cores[vcpu.affinity].clockHz,
        ),
      );
      if (
        !Number.isSafeInteger(period) || (period !== 0 && period < periodMin) ||
        !Number.isSafeInteger(first) || first < 0
      ) {
        return fail(
          base,
          error(
            "InvalidArgument",
            `timer period ${period} ns / first ${first} ns: the period must be 0 (off, or a ` +
              `one-shot with firstNs) or an integer >= ${periodMin} ns and the first expiry a ` +
              `non-negative integer`,
          ),
        );
      }
      return {
        cycles: base,
        invoke: () => {
          if (period === 0 && !oneShot) {
            armTimer(kernel, vcpu, -1, 0);
            return OK;
          }
          armTimer(kernel, vcpu, kernel.engine.now + first, period);
          return OK;
        },
      };
    }
    case "timerAt": {
      if (!Number.isSafeInteger(op.atNs) || op.atNs < 0) {
        return fail(
          base,
          error("InvalidArgument", `timerAt ${op.atNs} ns is not a non-negative integer`),
        );
      }
      return {
        cycles: base,
        invoke: () => {
          armTimer(kernel, vcpu, Math.max(kernel.engine.now, op.atNs), 0);
          return OK;
        },
      };
    }
    case "interrupts":
      return {
        cycles: base,
        invoke: () => {
          vcpu.virqInterrupts = op.enabled === true;
          return OK;
        },
      };
    case "waive": {
      if (!Number.isInteger(op.priority) || op.priority < 0 || op.priority > vcpu.basePriority) {
        return fail(
          base,
          error(
            "InvalidArgument",
            `priority ${op.priority} is not an integer in 0..${vcpu.basePriority} (the base)`,
          ),
        );
      }
      return { cycles: base, invoke: () => (kernel.setPriority(vcpu, op.priority), OK) };
    }
    case "yield":
      return {
        cycles: base,
        invoke: () => {
          vcpu.state = "ready";
          kernel.policy.enqueue(vcpu, false);
          return OK;
        },
      };
    case "now":
      return { cycles: base, invoke: () => ({ ok: true, value: kernel.engine.now }) };
    case "derive": {
      const held = validCap(cell, op.cap);
      if (!held.ok) return fail(withCap, held.result);
      const rights = Array.isArray(op.rights) ? op.rights : [];
      return {
        cycles: withCap,
        invoke: () => {
          const child = held.cap.derive(rights);
          if (typeof child === "string") {
            return error("MissingRight", `cannot derive: ${child}`, op.cap);
          }
          try {
            return { ok: true, value: cell.caps.insert(child) };
          } catch (e) {
            return error("InvalidArgument", (e as Error).message, op.cap);
          }
        },
      };
    }
    case "revoke": {
      const held = validCap(cell, op.cap);
      if (!held.ok) return fail(withCap, held.result);
      return {
        cycles: withCap,
        invoke: () => ({ ok: true, value: held.cap.revokeDerived().length }),
      };
    }
    case "map": {
      const found = caps.lookup(op.cap, "section", "map");
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const section = found.cap.object as Section;
      if (
        !Number.isSafeInteger(op.address) || op.address % PAGE_SIZE !== 0 ||
        op.address < cell.ramBytes || op.address + section.bytes > GUEST_ADDRESS_LIMIT
      ) {
        return fail(
          withCap,
          error(
            "InvalidArgument",
            `map address 0x${Number(op.address).toString(16)} must be page aligned, above RAM ` +
              `(0x${cell.ramBytes.toString(16)}) and leave room for ${section.bytes} bytes ` +
              `below 0x${GUEST_ADDRESS_LIMIT.toString(16)}`,
            op.cap,
          ),
        );
      }
      for (let offset = 0; offset < section.bytes; offset += PAGE_SIZE) {
        const mapped = cell.space.lookup(op.address + offset);
        if (mapped !== undefined) {
          return fail(
            withCap,
            error(
              "InvalidArgument",
              `map address 0x${(op.address + offset).toString(16)} is already mapped ` +
                `(${mapped.kind}${mapped.object === undefined ? "" : ` "${mapped.object}"`}); ` +
                `choose a free range`,
              op.cap,
            ),
          );
        }
      }
      const rights = [...found.cap.rights];
      return {
        cycles: withCap + costs.row.mapPage * section.frames.length,
        invoke: () => (kernel.mapSection(cell, section, op.address, rights), OK),
      };
    }
    case "cellControl": {
      const found = caps.lookup(op.cap, "cell", op.action);
      if (!found.ok) return fail(withCap, { ok: false, error: found.error });
      const target = found.cap.object as Cell;
      return {
        cycles: withCap,
        invoke: () => cellControl(kernel, vcpu, target, op.action),
      };
    }
    case "cellSwitch": {
      const from = caps.lookup(op.cap, "cell", "switch");
      if (!from.ok) return fail(withCap, { ok: false, error: from.error });
      const to = caps.lookup(op.toCap, "cell", "switch");
      if (!to.ok) return fail(withCap, { ok: false, error: to.error });
      return {
        cycles: withCap + costs.row.capLookup,
        invoke: () => ({
          ok: true,
          value: kernel.switchService(from.cap.object as Cell, to.cap.object as Cell),
        }),
      };
    }
    default:
      return fail(
        base,
        error("InvalidArgument", `unknown operation "${(op as { op: unknown }).op}"`),
      );
  }
}

// The most frequent hypercalls decode to one object each, with the effect as a method, instead
// of an object plus a closure and its context.

/** A decoded "wait": blocks the vCPU unless vIRQs are pending (then they are injected). */
class WaitCall implements DecodedHypercall {
  constructor(readonly cycles: number, readonly kernel: Microvisor, readonly vcpu: Vcpu) {}

  invoke(): OperationResult | typeof BLOCKED {
    const vcpu = this.vcpu;
    if (vcpu.virqs.size > 0) {
      vcpu.injectPending = true;
      return BLOCKED;
    }
    this.kernel.block(vcpu, "wait");
    return BLOCKED;
  }
}

/** A decoded "irqAck": unmasks a hardware line the cell owns. */
class IrqAckCall implements DecodedHypercall {
  constructor(
    readonly cycles: number,
    readonly kernel: Microvisor,
    readonly cell: Cell,
    readonly line: number,
    readonly cap: number,
  ) {}

  invoke(): OperationResult {
    const { kernel, cell, line } = this;
    return kernel.ackLine(line, cell) ? OK : error(
      "IllegalState",
      `IRQ line ${line} is not routed to cell "${cell.name}" (a standby owns it only after the switch)`,
      this.cap,
    );
  }
}

/**
 * (Re)arms a vCPU's virtual timer: first expiry at `at` (-1: off), then every `period` ns
 * (0: one-shot). Each expiry is kernel work on the vCPU's core that raises vIRQ `timer`.
 */
function armTimer(kernel: Microvisor, vcpu: Vcpu, at: number, period: number): void {
  if (vcpu.timerHandle >= 0) kernel.engine.cancel(vcpu.timerHandle);
  vcpu.timerHandle = -1;
  vcpu.timerPeriodNs = at < 0 ? 0 : period;
  if (at < 0) return;
  const virq = vcpu.cell.virq("timer");
  // One closure each for the expiry and its kernel work, made once per arming: a periodic
  // timer allocates nothing per expiry.
  const work = () => kernel.postVirq(vcpu, virq, TIMER_VIRQ);
  let when = at;
  const expire = () => {
    if (period > 0) {
      when += period;
      vcpu.timerHandle = kernel.engine.schedule(when, expire);
    } else vcpu.timerHandle = -1;
    // The expiry event is the timer interrupt itself: its kernel work starts at once.
    kernel.timerFired(vcpu.affinity, work);
  };
  vcpu.timerHandle = kernel.engine.schedule(when, expire);
}

/** How a timer expiry is posted: as a software vIRQ (flag 1). */
const TIMER_VIRQ = Object.freeze({ flags: 1 });

function cellControl(
  kernel: Microvisor,
  caller: Vcpu,
  target: Cell,
  action: string,
): OperationResult {
  switch (action) {
    case "start": {
      const failure = kernel.start(target);
      return failure === undefined ? OK : { ok: false, error: failure };
    }
    case "stop":
      kernel.stop(target);
      return OK;
    case "restart": {
      kernel.stop(target);
      const failure = kernel.start(target);
      return failure === undefined ? OK : { ok: false, error: failure };
    }
    case "zeroize":
    case "destroy": {
      const frames = action === "zeroize" ? kernel.zeroize(target) : destroyFrames(kernel, target);
      // Zeroing is charged to the caller as preemptible work, not as one long kernel path.
      const result: OperationResult = { ok: true, value: frames };
      if (caller.state === "running") {
        caller.computeRemaining = frames * kernel.costs.row.zeroPage;
        caller.computeInterruptible = false;
        caller.computeResult = result;
      }
      return result;
    }
    case "suspend":
      kernel.suspend(target);
      return OK;
    case "resume":
      kernel.resume(target);
      return OK;
    default:
      return error("InvalidArgument", `unknown cell action "${action}"`);
  }
}

function destroyFrames(kernel: Microvisor, target: Cell): number {
  const frames = target.frames.length;
  kernel.destroy(target);
  return frames;
}

function validCap(
  cell: Cell,
  index: number,
): { ok: true; cap: Capability } | { ok: false; result: OperationResult } {
  const cap = Number.isInteger(index) ? cell.caps.at(index) : undefined;
  if (cap === undefined) {
    return {
      ok: false,
      result: error(
        "InvalidCapability",
        `capability index ${index} names no capability (valid: 0..${
          cell.caps.size - 1
        }, non-empty)`,
        index,
      ),
    };
  }
  if (cap.revoked) {
    return {
      ok: false,
      result: error("RevokedCapability", `capability ${index} was revoked`, index),
    };
  }
  return { ok: true, cap };
}

function checkBytes(bytes: unknown): number | string {
  if (!(bytes instanceof Uint8Array)) return "message bytes must be a Uint8Array";
  return bytes.length;
}
