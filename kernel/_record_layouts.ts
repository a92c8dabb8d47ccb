/**
 * Layouts of the kernel's hottest trace records (internal to kernel/): each record is built
 * whole, its identity (time, kind, source) last as `KernelState.emit` orders it, and emitted
 * with the layout that lets the run's fingerprint absorb its values without enumerating its
 * fields. A layout reads exactly the record's fields in the record's order; a test holds each
 * one to the hash of the enumerated record.
 *
 * @module
 */

import {
  mixBoolean,
  mixDigest,
  mixNumber,
  mixString,
  recordLayout,
  stringDigest,
  StringField,
} from "../hw/fingerprint.ts";

// Digests of the values the record types fix: each layout mixes these instead of hashing the
// same kind (and the kernel's source name) again for every record.
const CPU_KERNEL = stringDigest("cpu.kernel");
const KERNEL = stringDigest("kernel");
const CPU_RUN = stringDigest("cpu.run");
const VCPU_SWITCH = stringDigest("vcpu.switch");
const VCPU_PREEMPT = stringDigest("vcpu.preempt");
const VIRQ_PENDING_KIND = stringDigest("virq.pending");
const VIRQ_DELIVER_KIND = stringDigest("virq.deliver");

// The string fields other than a kernel path's name take turns between a vCPU or two and
// their cells: each layout's own fields remember their last values' digests.
const CHARGED_VCPU = new StringField();
const RUN_VCPU = new StringField();
const RUN_SOURCE = new StringField();
const SWITCH_VCPU = new StringField();
const SWITCH_SOURCE = new StringField();
const PREEMPT_VCPU = new StringField();
const PREEMPT_BY = new StringField();
const PREEMPT_SOURCE = new StringField();
const PENDING_VCPU = new StringField();
const PENDING_SOURCE = new StringField();
const DELIVER_VCPU = new StringField();
const DELIVER_NAME = new StringField();
const DELIVER_SOURCE = new StringField();

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

/** Layout of {@linkcode KernelPathRecord}. */
export const KERNEL_PATH = recordLayout<KernelPathRecord>("cpu.kernel", (r, seed) => {
  let h = seed;
  h = mixNumber(h, r.core);
  h = mixString(h, r.path);
  h = mixNumber(h, r.start);
  h = mixNumber(h, r.durationNs);
  h = mixNumber(h, r.time);
  h = mixDigest(h, CPU_KERNEL);
  return mixDigest(h, KERNEL);
});

/** Layout of {@linkcode ChargedKernelPathRecord}. */
export const CHARGED_KERNEL_PATH = recordLayout<ChargedKernelPathRecord>(
  "cpu.kernel",
  (r, seed) => {
    let h = seed;
    h = mixNumber(h, r.core);
    h = mixString(h, r.path);
    h = mixNumber(h, r.start);
    h = mixNumber(h, r.durationNs);
    h = CHARGED_VCPU.mix(h, r.vcpu);
    h = mixNumber(h, r.chargedNs);
    h = mixNumber(h, r.time);
    h = mixDigest(h, CPU_KERNEL);
    return mixDigest(h, KERNEL);
  },
);

/** Layout of {@linkcode GuestRunRecord}. */
export const GUEST_RUN = recordLayout<GuestRunRecord>("cpu.run", (r, seed) => {
  let h = seed;
  h = mixNumber(h, r.core);
  h = RUN_VCPU.mix(h, r.vcpu);
  h = mixNumber(h, r.start);
  h = mixNumber(h, r.durationNs);
  h = mixNumber(h, r.time);
  h = mixDigest(h, CPU_RUN);
  return RUN_SOURCE.mix(h, r.source);
});

/** Layout of {@linkcode SwitchRecord}. */
export const SWITCH = recordLayout<SwitchRecord>("vcpu.switch", (r, seed) => {
  let h = seed;
  h = mixNumber(h, r.core);
  h = SWITCH_VCPU.mix(h, r.vcpu);
  h = mixBoolean(h, r.sameCell);
  h = mixNumber(h, r.time);
  h = mixDigest(h, VCPU_SWITCH);
  return SWITCH_SOURCE.mix(h, r.source);
});

/** Layout of {@linkcode PreemptRecord}. */
export const PREEMPT = recordLayout<PreemptRecord>("vcpu.preempt", (r, seed) => {
  let h = seed;
  h = PREEMPT_VCPU.mix(h, r.vcpu);
  h = PREEMPT_BY.mix(h, r.by);
  h = mixNumber(h, r.time);
  h = mixDigest(h, VCPU_PREEMPT);
  return PREEMPT_SOURCE.mix(h, r.source);
});

/** Layout of {@linkcode VirqPendingRecord}. */
export const VIRQ_PENDING = recordLayout<VirqPendingRecord>("virq.pending", (r, seed) => {
  let h = seed;
  h = PENDING_VCPU.mix(h, r.vcpu);
  h = mixNumber(h, r.virq);
  h = mixNumber(h, r.line);
  h = mixNumber(h, r.time);
  h = mixDigest(h, VIRQ_PENDING_KIND);
  return PENDING_SOURCE.mix(h, r.source);
});

/** Layout of {@linkcode VirqDeliverRecord}. */
export const VIRQ_DELIVER = recordLayout<VirqDeliverRecord>("virq.deliver", (r, seed) => {
  let h = seed;
  h = DELIVER_VCPU.mix(h, r.vcpu);
  h = mixNumber(h, r.virq);
  h = DELIVER_NAME.mix(h, r.name);
  h = mixNumber(h, r.line);
  h = mixNumber(h, r.assertedAt);
  h = mixNumber(h, r.latencyNs);
  h = mixNumber(h, r.time);
  h = mixDigest(h, VIRQ_DELIVER_KIND);
  return DELIVER_SOURCE.mix(h, r.source);
});
