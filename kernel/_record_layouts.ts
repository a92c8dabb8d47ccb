/**
 * Layouts of the kernel's hottest trace records (internal to kernel/): each record is built
 * whole, its identity (time, kind, source) last as `KernelState.emit` orders it, and emitted
 * with the layout that lets the run's fingerprint absorb its values without enumerating its
 * fields. A layout reads exactly the record's fields in the record's order; a test holds each
 * one to the hash of the enumerated record.
 *
 * @module
 */

import { mixBoolean, mixDigest, mixNumber, recordLayout, stringDigest } from "../hw/fingerprint.ts";

// Digests of the values the record types fix: each layout mixes these instead of hashing the
// same kind (and the kernel's source name) again for every record.
const CPU_KERNEL = stringDigest("cpu.kernel");
const KERNEL = stringDigest("kernel");
const CPU_RUN = stringDigest("cpu.run");
const VCPU_SWITCH = stringDigest("vcpu.switch");
const VCPU_PREEMPT = stringDigest("vcpu.preempt");
const VIRQ_PENDING_KIND = stringDigest("virq.pending");
const VIRQ_DELIVER_KIND = stringDigest("virq.deliver");

/** A "cpu.kernel" record: a kernel path, not charged to a vCPU. */
export type KernelPathRecord = {
  core: number;
  path: string;
  start: number;
  durationNs: number;
  time: number;
  kind: "cpu.kernel";
  source: "kernel";
};

/** A "cpu.kernel" record of a path charged to a vCPU's budget. */
export type ChargedKernelPathRecord = {
  core: number;
  path: string;
  start: number;
  durationNs: number;
  vcpu: string;
  chargedNs: number;
  time: number;
  kind: "cpu.kernel";
  source: "kernel";
};

/** A "cpu.run" record: a segment of guest time. */
export type GuestRunRecord = {
  core: number;
  vcpu: string;
  start: number;
  durationNs: number;
  time: number;
  kind: "cpu.run";
  source: string;
};

/** A "vcpu.switch" record. */
export type SwitchRecord = {
  core: number;
  vcpu: string;
  sameCell: boolean;
  time: number;
  kind: "vcpu.switch";
  source: string;
};

/** A "vcpu.preempt" record. */
export type PreemptRecord = {
  vcpu: string;
  by: string;
  time: number;
  kind: "vcpu.preempt";
  source: string;
};

/** A "virq.pending" record. */
export type VirqPendingRecord = {
  vcpu: string;
  virq: number;
  line: number;
  time: number;
  kind: "virq.pending";
  source: string;
};

/** A "virq.deliver" record of a hardware vIRQ, with its latency. */
export type VirqDeliverRecord = {
  vcpu: string;
  virq: number;
  name: string;
  line: number;
  assertedAt: number;
  latencyNs: number;
  time: number;
  kind: "virq.deliver";
  source: string;
};

/**
 * The hash of a {@linkcode KernelPathRecord} from its values (what its layout gives), for an
 * emitter that has them at hand: `path` is the path name's {@linkcode stringDigest}.
 */
export function hashKernelPath(
  seed: number,
  core: number,
  path: number,
  start: number,
  durationNs: number,
  time: number,
): number {
  let h = mixNumber(seed, core);
  h = mixDigest(h, path);
  h = mixNumber(h, start);
  h = mixNumber(h, durationNs);
  h = mixNumber(h, time);
  h = mixDigest(h, CPU_KERNEL);
  return mixDigest(h, KERNEL);
}

/** Layout of {@linkcode KernelPathRecord}. */
export const KERNEL_PATH = recordLayout<KernelPathRecord>(
  "cpu.kernel",
  (r, seed) => hashKernelPath(seed, r.core, stringDigest(r.path), r.start, r.durationNs, r.time),
);

/**
 * The hash of a {@linkcode ChargedKernelPathRecord} from its values: `path` and `vcpu` are
 * the names' {@linkcode stringDigest}s.
 */
export function hashChargedKernelPath(
  seed: number,
  core: number,
  path: number,
  start: number,
  durationNs: number,
  vcpu: number,
  chargedNs: number,
  time: number,
): number {
  let h = mixNumber(seed, core);
  h = mixDigest(h, path);
  h = mixNumber(h, start);
  h = mixNumber(h, durationNs);
  h = mixDigest(h, vcpu);
  h = mixNumber(h, chargedNs);
  h = mixNumber(h, time);
  h = mixDigest(h, CPU_KERNEL);
  return mixDigest(h, KERNEL);
}

/** Layout of {@linkcode ChargedKernelPathRecord}. */
export const CHARGED_KERNEL_PATH = recordLayout<ChargedKernelPathRecord>(
  "cpu.kernel",
  (r, seed) =>
    hashChargedKernelPath(
      seed,
      r.core,
      stringDigest(r.path),
      r.start,
      r.durationNs,
      stringDigest(r.vcpu),
      r.chargedNs,
      r.time,
    ),
);

/** The hash of a {@linkcode GuestRunRecord} from its values (names as digests). */
export function hashGuestRun(
  seed: number,
  core: number,
  vcpu: number,
  start: number,
  durationNs: number,
  time: number,
  source: number,
): number {
  let h = mixNumber(seed, core);
  h = mixDigest(h, vcpu);
  h = mixNumber(h, start);
  h = mixNumber(h, durationNs);
  h = mixNumber(h, time);
  h = mixDigest(h, CPU_RUN);
  return mixDigest(h, source);
}

/** Layout of {@linkcode GuestRunRecord}. */
export const GUEST_RUN = recordLayout<GuestRunRecord>(
  "cpu.run",
  (r, seed) =>
    hashGuestRun(
      seed,
      r.core,
      stringDigest(r.vcpu),
      r.start,
      r.durationNs,
      r.time,
      stringDigest(r.source),
    ),
);

/** The hash of a {@linkcode SwitchRecord} from its values (names as digests). */
export function hashSwitch(
  seed: number,
  core: number,
  vcpu: number,
  sameCell: boolean,
  time: number,
  source: number,
): number {
  let h = mixNumber(seed, core);
  h = mixDigest(h, vcpu);
  h = mixBoolean(h, sameCell);
  h = mixNumber(h, time);
  h = mixDigest(h, VCPU_SWITCH);
  return mixDigest(h, source);
}

/** Layout of {@linkcode SwitchRecord}. */
export const SWITCH = recordLayout<SwitchRecord>(
  "vcpu.switch",
  (r, seed) =>
    hashSwitch(
      seed,
      r.core,
      stringDigest(r.vcpu),
      r.sameCell,
      r.time,
      stringDigest(r.source),
    ),
);

/** The hash of a {@linkcode PreemptRecord} from its values (names as digests). */
export function hashPreempt(
  seed: number,
  vcpu: number,
  by: number,
  time: number,
  source: number,
): number {
  let h = mixDigest(seed, vcpu);
  h = mixDigest(h, by);
  h = mixNumber(h, time);
  h = mixDigest(h, VCPU_PREEMPT);
  return mixDigest(h, source);
}

/** Layout of {@linkcode PreemptRecord}. */
export const PREEMPT = recordLayout<PreemptRecord>(
  "vcpu.preempt",
  (r, seed) =>
    hashPreempt(seed, stringDigest(r.vcpu), stringDigest(r.by), r.time, stringDigest(r.source)),
);

/** The hash of a {@linkcode VirqPendingRecord} from its values (names as digests). */
export function hashVirqPending(
  seed: number,
  vcpu: number,
  virq: number,
  line: number,
  time: number,
  source: number,
): number {
  let h = mixDigest(seed, vcpu);
  h = mixNumber(h, virq);
  h = mixNumber(h, line);
  h = mixNumber(h, time);
  h = mixDigest(h, VIRQ_PENDING_KIND);
  return mixDigest(h, source);
}

/** Layout of {@linkcode VirqPendingRecord}. */
export const VIRQ_PENDING = recordLayout<VirqPendingRecord>(
  "virq.pending",
  (r, seed) =>
    hashVirqPending(seed, stringDigest(r.vcpu), r.virq, r.line, r.time, stringDigest(r.source)),
);

/** The hash of a {@linkcode VirqDeliverRecord} from its values (names as digests). */
export function hashVirqDeliver(
  seed: number,
  vcpu: number,
  virq: number,
  name: number,
  line: number,
  assertedAt: number,
  latencyNs: number,
  time: number,
  source: number,
): number {
  let h = mixDigest(seed, vcpu);
  h = mixNumber(h, virq);
  h = mixDigest(h, name);
  h = mixNumber(h, line);
  h = mixNumber(h, assertedAt);
  h = mixNumber(h, latencyNs);
  h = mixNumber(h, time);
  h = mixDigest(h, VIRQ_DELIVER_KIND);
  return mixDigest(h, source);
}

/** Layout of {@linkcode VirqDeliverRecord}. */
export const VIRQ_DELIVER = recordLayout<VirqDeliverRecord>(
  "virq.deliver",
  (r, seed) =>
    hashVirqDeliver(
      seed,
      stringDigest(r.vcpu),
      r.virq,
      stringDigest(r.name),
      r.line,
      r.assertedAt,
      r.latencyNs,
      r.time,
      stringDigest(r.source),
    ),
);
