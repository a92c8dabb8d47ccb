// The RTOS's trace records and their layouts (see RecordLayout in hw/fingerprint.ts). A
// baseband emits a task.release, task.start and task.finish per job, about 1,100 of each per
// simulated second: without a layout the fingerprint would enumerate each record's fields by
// name. A record is the fields an emitter gives, then what the kernel adds: time, kind and
// source (the cell). tests/kernel/kernel_records_test.ts holds each layout to the enumerated
// hash on a real run.

import {
  mixBoolean,
  mixDigest,
  mixNumber,
  mixString,
  recordLayout,
  stringDigest,
} from "../hw/fingerprint.ts";

/** What the kernel adds to every guest record. */
type Identity = { time: number; kind: string; source: string };

/** Mixes the kernel-added identity of a record whose kind's digest is `kind`. */
function mixIdentity(hash: number, r: Identity, kind: number): number {
  return mixString(mixDigest(mixNumber(hash, r.time), kind), r.source);
}

const RELEASE_KIND = stringDigest("task.release");
const PREEMPT_KIND = stringDigest("task.preempt");
const START_KIND = stringDigest("task.start");
const FINISH_KIND = stringDigest("task.finish");
const MISS_KIND = stringDigest("task.miss");

/** A job released (or arrived): "task.release". */
export type ReleaseFields = {
  task: string;
  job: number;
  arrival: number;
  release: number;
  deadline: number;
};

/** Layout of "task.release". */
export const RELEASE = recordLayout<ReleaseFields & Identity>("task.release", (r, seed) => {
  let h = mixString(seed, r.task);
  h = mixNumber(h, r.job);
  h = mixNumber(h, r.arrival);
  h = mixNumber(h, r.release);
  h = mixNumber(h, r.deadline);
  return mixIdentity(h, r, RELEASE_KIND);
});

/** A started job preempted by another: "task.preempt". */
export type PreemptFields = { task: string; job: number; by: string; byJob: number };

/** Layout of "task.preempt". */
export const PREEMPT = recordLayout<PreemptFields & Identity>("task.preempt", (r, seed) => {
  let h = mixString(seed, r.task);
  h = mixNumber(h, r.job);
  h = mixString(h, r.by);
  h = mixNumber(h, r.byJob);
  return mixIdentity(h, r, PREEMPT_KIND);
});

/** A job's first piece: "task.start". */
export type StartFields = { task: string; job: number; release: number };

/** Layout of "task.start". */
export const START = recordLayout<StartFields & Identity>("task.start", (r, seed) => {
  let h = mixString(seed, r.task);
  h = mixNumber(h, r.job);
  h = mixNumber(h, r.release);
  return mixIdentity(h, r, START_KIND);
});

/** A job finished: "task.finish". */
export type FinishFields = {
  task: string;
  job: number;
  responseNs: number;
  deadlineNs: number;
  missed: boolean;
};

/** Layout of "task.finish". */
export const FINISH = recordLayout<FinishFields & Identity>("task.finish", (r, seed) => {
  let h = mixString(seed, r.task);
  h = mixNumber(h, r.job);
  h = mixNumber(h, r.responseNs);
  h = mixNumber(h, r.deadlineNs);
  h = mixBoolean(h, r.missed);
  return mixIdentity(h, r, FINISH_KIND);
});

/** A job past its deadline: "task.miss". */
export type MissFields = { task: string; job: number; release: number; deadline: number };

/** Layout of "task.miss". */
export const MISS = recordLayout<MissFields & Identity>("task.miss", (r, seed) => {
  let h = mixString(seed, r.task);
  h = mixNumber(h, r.job);
  h = mixNumber(h, r.release);
  h = mixNumber(h, r.deadline);
  return mixIdentity(h, r, MISS_KIND);
});
