/**
 * Inter-cell communication: synchronous endpoints, and asynchronous channels whose sends
 * queue a message and raise the receiver's vIRQ.
 *
 * @module
 */

import type { KernelState } from "./_kernel_state.ts";
import { traceIpcReceive, traceIpcSend } from "./_ipc_records.ts";
import { postVirqLine } from "./interrupt_routing.ts";
import { Capability } from "./objects/capability.ts";
import type { Cell } from "./objects/cell.ts";
import { Channel } from "./objects/channel.ts";
import { Endpoint } from "./objects/endpoint.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/** A message in a channel with its send time (the time never reaches the receiver). */
interface TimedMessage {
  readonly bytes: Uint8Array;
  readonly badge: number;
  readonly sentAt: number;
  /** A run-unique id, so traces can draw a flow from the send to the receive. */
  readonly id: number;
}

/**
 * Creates a synchronous endpoint.
 *
 * @param kernel The kernel.
 * @param name Unique endpoint name.
 * @returns The endpoint.
 * @throws {RangeError} If the name is taken.
 */
export function createEndpoint(kernel: KernelState, name: string): Endpoint {
  if (kernel.endpoints.has(name)) {
    throw new RangeError(`Cannot create endpoint "${name}": name is taken`);
  }
  const endpoint = new Endpoint(name);
  kernel.endpoints.set(name, endpoint);
  return endpoint;
}

/**
 * Creates an asynchronous channel from one cell to another, giving the sender a send
 * capability and the receiver a receive capability and a vIRQ named `channel:NAME`.
 *
 * @param kernel The kernel.
 * @param options Name, cells, queue slots and maximum message size (≤ 2 KiB).
 * @returns The channel and both capability indices.
 * @throws {RangeError} If the name is taken or the slots or size are out of range.
 */
export function createChannel(
  kernel: KernelState,
  options: { name: string; from: Cell; to: Cell; slots: number; maxBytes: number },
): { channel: Channel; sendCap: number; receiveCap: number } {
  const { name, from, to, slots, maxBytes } = options;
  if (kernel.channels.has(name)) {
    throw new RangeError(`Cannot create channel "${name}": name is taken`);
  }
  if (!Number.isInteger(slots) || slots < 1 || slots > 4096) {
    throw new RangeError(
      `Cannot create channel "${name}": slots ${slots} is not an integer in 1..4096`,
    );
  }
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > 2048) {
    throw new RangeError(
      `Cannot create channel "${name}": maxBytes ${maxBytes} is not an integer in 1..2048`,
    );
  }
  const channel = new Channel({ name, slots, maxBytes });
  channel.receiver = to;
  channel.receiverVirq = to.virq(`channel:${name}`);
  kernel.channels.set(name, channel);
  const sendCap = from.caps.insert(
    new Capability("channel", channel, ["send"], from.vcpus[0].id + 1),
    `send:${name}`,
  );
  const receiveCap = to.caps.insert(
    new Capability("channel", channel, ["receive"]),
    `receive:${name}`,
  );
  return { channel, sendCap, receiveCap };
}

/**
 * Sends a message on a channel (after checks): queue it and raise the receiver's vIRQ.
 *
 * @param kernel The kernel.
 * @param channel The channel.
 * @param message Bytes (copied), badge, and the sending vCPU (for traces).
 * @returns Whether it was queued (false: full).
 */
export function channelSend(
  kernel: KernelState,
  channel: Channel,
  message: { bytes: Uint8Array; badge: number; vcpu?: Vcpu },
): boolean {
  const timed: TimedMessage = {
    bytes: channel.copyBytes(message.bytes),
    badge: message.badge,
    sentAt: kernel.engine.now,
    id: kernel.messageIds++,
  };
  if (!channel.offer(timed)) return false;
  const receiver = channel.receiver;
  if (receiver !== undefined && receiver.state !== "destroyed") {
    postVirqLine(kernel, receiver.vcpus[0], channel.receiverVirq, 1, -1, -1);
  }
  if (kernel.trace.active) {
    traceIpcSend(
      kernel.trace,
      channel,
      message.bytes.length,
      timed.id,
      message.vcpu,
      kernel.engine.now,
    );
  }
  return true;
}

/**
 * Takes the oldest message of a channel.
 *
 * @param kernel The kernel.
 * @param channel The channel.
 * @param vcpu The receiving vCPU (for traces).
 * @returns The message without its send time, or `undefined`.
 */
export function channelReceive(
  kernel: KernelState,
  channel: Channel,
  vcpu: Vcpu | undefined,
): { bytes: Uint8Array; badge: number } | undefined {
  const timed = channel.take() as TimedMessage | undefined;
  if (timed === undefined) return undefined;
  if (kernel.trace.active) {
    const now = kernel.engine.now;
    traceIpcReceive(
      kernel.trace,
      channel,
      timed.bytes.length,
      now - timed.sentAt,
      timed.id,
      vcpu,
      now,
    );
  }
  return { bytes: timed.bytes, badge: timed.badge };
}
