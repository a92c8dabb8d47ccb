/**
 * The kernel's hottest trace records (internal to kernel/): for each kind, its shape, its
 * fingerprint hash, its layout and the function that emits it. An emitter hashes the record
 * itself from its values and the names' digests (a vCPU and a cell keep theirs; a path's
 * name is looked up once, when its record is emitted), so the fingerprint enumerates no
 * fields.
 * While only fingerprints and sinks listen (a run's probes), the CPU slices, switches,
 * preemptions and pending vIRQs go to the bus as values (`emitSlice`, `emitCount`) and no
 * record object is built; with a plain subscriber, the record is built whole, its identity
 * (time, kind, source) last as `KernelState.emit` orders it. The layout gives the same hash
 * from the record alone (looking the digests up); a test holds every emitted hash and every
 * layout to the hash of the enumerated record.
 *
 * @module
 */

import {
  mixBoolean,
  mixDigest,
  mixNumber,
  RECORD_SEED,
  recordLayout,
  stringDigest,
} from "../hw/fingerprint.ts";
import type { TraceBus } from "../hw/trace_bus.ts";
import type { Vcpu } from "./objects/vcpu.ts";

// Digests of the values the record types fix: each hash mixes these instead of hashing the
// same kind (and the kernel's source name) again for every record.
const CPU_KERNEL = stringDigest("cpu.kernel");
const KERNEL = stringDigest("kernel");
const CPU_RUN = stringDigest("cpu.run");
const VCPU_SWITCH = stringDigest("vcpu.switch");
const VCPU_PREEMPT = stringDigest("vcpu.preempt");
const VIRQ_PENDING_KIND = stringDigest("virq.pending");
const VIRQ_DELIVER_KIND = stringDigest("virq.deliver");

/** A "cpu.kernel" record: a kernel path, not charged to a vCPU. */
type KernelPathRecord = {
  core: number;
  path: string;
  start: number;
  durationNs: number;
  time: number;
  kind: "cpu.kernel";
  source: "kernel";
};

/** A "cpu.kernel" record of a path charged to a vCPU's budget. */
type ChargedKernelPathRecord = {
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
type GuestRunRecord = {
  core: number;
  vcpu: string;
  start: number;
  durationNs: number;
  time: number;
  kind: "cpu.run";
  source: string;
};

/** A "vcpu.switch" record. */
type SwitchRecord = {
  core: number;
  vcpu: string;
  sameCell: boolean;
  time: number;
  kind: "vcpu.switch";
  source: string;
};

/** A "vcpu.preempt" record. */
type PreemptRecord = {
  vcpu: string;
  by: string;
  time: number;
  kind: "vcpu.preempt";
  source: string;
};

/** A "virq.pending" record. */
type VirqPendingRecord = {
  vcpu: string;
  virq: number;
  line: number;
  time: number;
  kind: "virq.pending";
  source: string;
};

/** A "virq.deliver" record of a hardware vIRQ, with its latency. */
type VirqDeliverRecord = {
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

function hashKernelPath(
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

const KERNEL_PATH = recordLayout<KernelPathRecord>(
  "cpu.kernel",
  (r, seed) => hashKernelPath(seed, r.core, stringDigest(r.path), r.start, r.durationNs, r.time),
);

function hashChargedKernelPath(
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

const CHARGED_KERNEL_PATH = recordLayout<ChargedKernelPathRecord>(
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

/**
 * A kernel path's name in "cpu.kernel" records, with the digest its record hash mixes, worked
 * out once for the kind rather than at every path's end.
 */
export interface PathKind {
  /** The path's name. */
  readonly name: string;
  /** `stringDigest(name)`. */
  readonly digest: number;
}

/**
 * Makes the {@linkcode PathKind} of a name.
 *
 * @param name The path's name in traces.
 * @returns The name and its digest.
 */
export function pathKind(name: string): PathKind {
  return { name, digest: stringDigest(name) };
}

/**
 * Emits the "cpu.kernel" record of a kernel path that ended now.
 *
 * @param trace The bus.
 * @param core The core's index.
 * @param path The path's kind.
 * @param start When it started.
 * @param durationNs How long it took.
 * @param time Now.
 * @param chargedTo The vCPU whose budget paid for it, if any.
 * @param chargedNs How much that budget paid.
 */
export function traceKernelPath(
  trace: TraceBus,
  core: number,
  path: PathKind,
  start: number,
  durationNs: number,
  time: number,
  chargedTo: Vcpu | undefined,
  chargedNs: number,
): void {
  const pathDigest = path.digest;
  const hash = chargedTo === undefined
    ? hashKernelPath(RECORD_SEED, core, pathDigest, start, durationNs, time)
    : hashChargedKernelPath(
      RECORD_SEED,
      core,
      pathDigest,
      start,
      durationNs,
      chargedTo.nameDigest,
      chargedNs,
      time,
    );
  if (trace.recordsWanted) {
    emitKernelPath(trace, hash, core, path, start, durationNs, time, chargedTo, chargedNs);
  } else trace.emitSlice(hash, true, "kernel", start, durationNs);
}

/**
 * Builds and emits a "cpu.kernel" record, for when a subscriber wants records. (Apart from
 * the hot path that only hashes, which stays small enough to be inlined where paths end.)
 */
function emitKernelPath(
  trace: TraceBus,
  hash: number,
  core: number,
  path: PathKind,
  start: number,
  durationNs: number,
  time: number,
  chargedTo: Vcpu | undefined,
  chargedNs: number,
): void {
  if (chargedTo === undefined) {
    const r: KernelPathRecord = {
      core,
      path: path.name,
      start,
      durationNs,
      time,
      kind: "cpu.kernel",
      source: "kernel",
    };
    trace.emit(r, KERNEL_PATH, hash);
  } else {
    const r: ChargedKernelPathRecord = {
      core,
      path: path.name,
      start,
      durationNs,
      vcpu: chargedTo.name,
      chargedNs,
      time,
      kind: "cpu.kernel",
      source: "kernel",
    };
    trace.emit(r, CHARGED_KERNEL_PATH, hash);
  }
}

function hashGuestRun(
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

const GUEST_RUN = recordLayout<GuestRunRecord>(
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

/**
 * Emits the "cpu.run" record of a segment of guest time that ended now.
 *
 * @param trace The bus.
 * @param core The core's index.
 * @param vcpu The vCPU that ran.
 * @param start When the segment started.
 * @param durationNs How long it ran.
 * @param time Now.
 */
export function traceGuestRun(
  trace: TraceBus,
  core: number,
  vcpu: Vcpu,
  start: number,
  durationNs: number,
  time: number,
): void {
  const cell = vcpu.cell;
  const hash = hashGuestRun(
    RECORD_SEED,
    core,
    vcpu.nameDigest,
    start,
    durationNs,
    time,
    cell.nameDigest,
  );
  if (trace.recordsWanted) emitGuestRun(trace, hash, core, vcpu, start, durationNs, time);
  else trace.emitSlice(hash, false, cell.name, start, durationNs);
}

/** Builds and emits a "cpu.run" record, for when a subscriber wants records. */
function emitGuestRun(
  trace: TraceBus,
  hash: number,
  core: number,
  vcpu: Vcpu,
  start: number,
  durationNs: number,
  time: number,
): void {
  const r: GuestRunRecord = {
    core,
    vcpu: vcpu.name,
    start,
    durationNs,
    time,
    kind: "cpu.run",
    source: vcpu.cell.name,
  };
  trace.emit(r, GUEST_RUN, hash);
}

function hashSwitch(
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

const SWITCH = recordLayout<SwitchRecord>(
  "vcpu.switch",
  (r, seed) =>
    hashSwitch(seed, r.core, stringDigest(r.vcpu), r.sameCell, r.time, stringDigest(r.source)),
);

/**
 * Emits the "vcpu.switch" record of a vCPU switched in now.
 *
 * @param trace The bus.
 * @param core The core's index.
 * @param vcpu The vCPU switched in.
 * @param sameCell Whether the core last ran a vCPU of the same cell.
 * @param time Now.
 */
export function traceSwitch(
  trace: TraceBus,
  core: number,
  vcpu: Vcpu,
  sameCell: boolean,
  time: number,
): void {
  const hash = hashSwitch(RECORD_SEED, core, vcpu.nameDigest, sameCell, time, vcpu.cell.nameDigest);
  if (trace.recordsWanted) emitSwitch(trace, hash, core, vcpu, sameCell, time);
  else trace.emitCount(hash, time, "vcpu.switch", vcpu.cell.name);
}

/** Builds and emits a "vcpu.switch" record, for when a subscriber wants records. */
function emitSwitch(
  trace: TraceBus,
  hash: number,
  core: number,
  vcpu: Vcpu,
  sameCell: boolean,
  time: number,
): void {
  const r: SwitchRecord = {
    core,
    vcpu: vcpu.name,
    sameCell,
    time,
    kind: "vcpu.switch",
    source: vcpu.cell.name,
  };
  trace.emit(r, SWITCH, hash);
}

function hashPreempt(seed: number, vcpu: number, by: number, time: number, source: number) {
  let h = mixDigest(seed, vcpu);
  h = mixDigest(h, by);
  h = mixNumber(h, time);
  h = mixDigest(h, VCPU_PREEMPT);
  return mixDigest(h, source);
}

const PREEMPT = recordLayout<PreemptRecord>(
  "vcpu.preempt",
  (r, seed) =>
    hashPreempt(seed, stringDigest(r.vcpu), stringDigest(r.by), r.time, stringDigest(r.source)),
);

/**
 * Emits the "vcpu.preempt" record of a vCPU preempted now by a more urgent one.
 *
 * @param trace The bus.
 * @param vcpu The preempted vCPU.
 * @param by The vCPU that preempts it.
 * @param time Now.
 */
export function tracePreempt(trace: TraceBus, vcpu: Vcpu, by: Vcpu, time: number): void {
  const hash = hashPreempt(RECORD_SEED, vcpu.nameDigest, by.nameDigest, time, vcpu.cell.nameDigest);
  if (trace.recordsWanted) emitPreempt(trace, hash, vcpu, by, time);
  else trace.emitCount(hash, time, "vcpu.preempt", vcpu.cell.name);
}

/** Builds and emits a "vcpu.preempt" record, for when a subscriber wants records. */
function emitPreempt(trace: TraceBus, hash: number, vcpu: Vcpu, by: Vcpu, time: number): void {
  const r: PreemptRecord = {
    vcpu: vcpu.name,
    by: by.name,
    time,
    kind: "vcpu.preempt",
    source: vcpu.cell.name,
  };
  trace.emit(r, PREEMPT, hash);
}

function hashVirqPending(
  seed: number,
  vcpu: number,
  virq: number,
  line: number,
  time: number,
  source: number,
) {
  let h = mixDigest(seed, vcpu);
  h = mixNumber(h, virq);
  h = mixNumber(h, line);
  h = mixNumber(h, time);
  h = mixDigest(h, VIRQ_PENDING_KIND);
  return mixDigest(h, source);
}

const VIRQ_PENDING = recordLayout<VirqPendingRecord>(
  "virq.pending",
  (r, seed) =>
    hashVirqPending(seed, stringDigest(r.vcpu), r.virq, r.line, r.time, stringDigest(r.source)),
);

/**
 * Emits the "virq.pending" record of a vIRQ made pending now.
 *
 * @param trace The bus.
 * @param vcpu The vCPU it is pending on.
 * @param virq The vIRQ.
 * @param line The hardware line behind it, or -1.
 * @param time Now.
 */
export function traceVirqPending(
  trace: TraceBus,
  vcpu: Vcpu,
  virq: number,
  line: number,
  time: number,
): void {
  const hash = hashVirqPending(
    RECORD_SEED,
    vcpu.nameDigest,
    virq,
    line,
    time,
    vcpu.cell.nameDigest,
  );
  if (trace.recordsWanted) emitVirqPending(trace, hash, vcpu, virq, line, time);
  else trace.emitCount(hash, time, "virq.pending", vcpu.cell.name);
}

/** Builds and emits a "virq.pending" record, for when a subscriber wants records. */
function emitVirqPending(
  trace: TraceBus,
  hash: number,
  vcpu: Vcpu,
  virq: number,
  line: number,
  time: number,
): void {
  const r: VirqPendingRecord = {
    vcpu: vcpu.name,
    virq,
    line,
    time,
    kind: "virq.pending",
    source: vcpu.cell.name,
  };
  trace.emit(r, VIRQ_PENDING, hash);
}

function hashVirqDeliver(
  r: VirqDeliverRecord,
  seed: number,
  vcpu: number,
  name: number,
  source: number,
): number {
  let h = mixDigest(seed, vcpu);
  h = mixNumber(h, r.virq);
  h = mixDigest(h, name);
  h = mixNumber(h, r.line);
  h = mixNumber(h, r.assertedAt);
  h = mixNumber(h, r.latencyNs);
  h = mixNumber(h, r.time);
  h = mixDigest(h, VIRQ_DELIVER_KIND);
  return mixDigest(h, source);
}

const VIRQ_DELIVER = recordLayout<VirqDeliverRecord>(
  "virq.deliver",
  (r, seed) =>
    hashVirqDeliver(r, seed, stringDigest(r.vcpu), stringDigest(r.name), stringDigest(r.source)),
);

/**
 * Emits the "virq.deliver" record of a hardware vIRQ delivered now, with its latency from the
 * line's assertion.
 *
 * @param trace The bus.
 * @param vcpu The vCPU it is delivered to.
 * @param virq The vIRQ.
 * @param name Its name in the vCPU's cell.
 * @param line The hardware line.
 * @param assertedAt When the line was asserted.
 * @param time Now.
 */
export function traceVirqDeliver(
  trace: TraceBus,
  vcpu: Vcpu,
  virq: number,
  name: string,
  line: number,
  assertedAt: number,
  time: number,
): void {
  const cell = vcpu.cell;
  const r: VirqDeliverRecord = {
    vcpu: vcpu.name,
    virq,
    name,
    line,
    assertedAt,
    latencyNs: time - assertedAt,
    time,
    kind: "virq.deliver",
    source: cell.name,
  };
  trace.emit(
    r,
    VIRQ_DELIVER,
    hashVirqDeliver(r, RECORD_SEED, vcpu.nameDigest, cell.virqNameDigest(virq), cell.nameDigest),
  );
}
