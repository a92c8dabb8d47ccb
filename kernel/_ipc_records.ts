/**
 * The trace records of channel IPC (internal to kernel/): "ipc.send" and "ipc.receive", each
 * emitted whole (identity included, in `KernelState.emit`'s order) with its fingerprint hash
 * computed where it is emitted, so the fingerprint enumerates no fields. The probes read their
 * values (sizes, queue depth, latency), so they are always built; a handset sends and receives
 * about 100 of each per simulated second. A test holds both hashes and layouts to the hash of
 * the enumerated record.
 *
 * @module
 */

import {
  mixDigest,
  mixNumber,
  RECORD_SEED,
  recordLayout,
  stringDigest,
} from "../hw/fingerprint.ts";
import type { TraceBus } from "../hw/trace_bus.ts";
import type { Channel } from "./objects/channel.ts";
import type { Vcpu } from "./objects/vcpu.ts";

const IPC_SEND = stringDigest("ipc.send");
const IPC_RECEIVE = stringDigest("ipc.receive");
/** The digest of the vCPU field of a message no vCPU sent or took (the kernel's own). */
const NO_VCPU = stringDigest("");

/** An "ipc.send" record: a message queued on a channel (the source). */
type IpcSendRecord = {
  bytes: number;
  depth: number;
  id: number;
  vcpu: string;
  core: number;
  time: number;
  kind: "ipc.send";
  source: string;
};

/** An "ipc.receive" record: a message taken from a channel (the source), with its latency. */
type IpcReceiveRecord = {
  bytes: number;
  latencyNs: number;
  depth: number;
  id: number;
  vcpu: string;
  core: number;
  time: number;
  kind: "ipc.receive";
  source: string;
};

/** Mixes the fields both records end with: message id, vCPU, core, then the identity. */
function mixTail(
  h: number,
  id: number,
  vcpu: number,
  core: number,
  time: number,
  kind: number,
  source: number,
): number {
  h = mixNumber(mixDigest(mixNumber(h, id), vcpu), core);
  return mixDigest(mixDigest(mixNumber(h, time), kind), source);
}

function hashSend(r: IpcSendRecord, seed: number, vcpu: number, source: number): number {
  const h = mixNumber(mixNumber(seed, r.bytes), r.depth);
  return mixTail(h, r.id, vcpu, r.core, r.time, IPC_SEND, source);
}

function hashReceive(r: IpcReceiveRecord, seed: number, vcpu: number, source: number): number {
  const h = mixNumber(mixNumber(mixNumber(seed, r.bytes), r.latencyNs), r.depth);
  return mixTail(h, r.id, vcpu, r.core, r.time, IPC_RECEIVE, source);
}

const SEND = recordLayout<IpcSendRecord>(
  "ipc.send",
  (r, seed) => hashSend(r, seed, stringDigest(r.vcpu), stringDigest(r.source)),
);

const RECEIVE = recordLayout<IpcReceiveRecord>(
  "ipc.receive",
  (r, seed) => hashReceive(r, seed, stringDigest(r.vcpu), stringDigest(r.source)),
);

/**
 * Emits the "ipc.send" record of a message just queued on a channel.
 *
 * @param trace The bus (active).
 * @param channel The channel.
 * @param bytes The message's size.
 * @param id The message's id.
 * @param vcpu The sender, if a vCPU sent it.
 * @param time Now.
 */
export function traceIpcSend(
  trace: TraceBus,
  channel: Channel,
  bytes: number,
  id: number,
  vcpu: Vcpu | undefined,
  time: number,
): void {
  const r: IpcSendRecord = {
    bytes,
    depth: channel.depth,
    id,
    vcpu: vcpu?.name ?? "",
    core: vcpu?.affinity ?? -1,
    time,
    kind: "ipc.send",
    source: channel.name,
  };
  const vcpuDigest = vcpu === undefined ? NO_VCPU : vcpu.nameDigest;
  trace.emit(r, SEND, hashSend(r, RECORD_SEED, vcpuDigest, stringDigest(channel.name)));
}

/**
 * Emits the "ipc.receive" record of a message just taken from a channel.
 *
 * @param trace The bus (active).
 * @param channel The channel.
 * @param bytes The message's size.
 * @param latencyNs How long it was queued.
 * @param id The message's id.
 * @param vcpu The receiver, if a vCPU took it.
 * @param time Now.
 */
export function traceIpcReceive(
  trace: TraceBus,
  channel: Channel,
  bytes: number,
  latencyNs: number,
  id: number,
  vcpu: Vcpu | undefined,
  time: number,
): void {
  const r: IpcReceiveRecord = {
    bytes,
    latencyNs,
    depth: channel.depth,
    id,
    vcpu: vcpu?.name ?? "",
    core: vcpu?.affinity ?? -1,
    time,
    kind: "ipc.receive",
    source: channel.name,
  };
  const vcpuDigest = vcpu === undefined ? NO_VCPU : vcpu.nameDigest;
  trace.emit(r, RECEIVE, hashReceive(r, RECORD_SEED, vcpuDigest, stringDigest(channel.name)));
}
