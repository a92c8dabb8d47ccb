// The RTOS's trace records and their layouts (see RecordLayout in hw/fingerprint.ts). A
// baseband emits a task.release, task.start and task.finish per job, about 380 of each per
// simulated second on the reference handset: without a layout the fingerprint would enumerate
// each record's fields by name. A record is the fields an emitter gives, then what the kernel adds: time, kind and
// source (the cell). tests/kernel/kernel_records_test.ts holds each layout to the enumerated
// hash on a real run.

import {
  mixBoolean,
  mixDigest,
  mixNumber,
  mixString,
  RECORD_SEED,
  recordLayout,
  stringDigest,
} from "../hw/fingerprint.ts";
import type { Job, TaskState } from "./_rtos_task.ts";

/** What the kernel adds to every guest record. */
type Identity = { time: number; kind: string; source: string };

/** The fields every task record starts with. */
type TaskFields = { task: string; job: number };

/**
 * The layout of a task record of one kind: the task and job, then the kind's own fields
 * (`mixRest`, in their order), then the kernel-added time, kind and source.
 */
function taskLayout<F extends TaskFields>(
  kind: string,
  mixRest: (hash: number, r: F) => number,
) {
  const kindDigest = stringDigest(kind);
  return recordLayout<F & Identity>(kind as (F & Identity)["kind"], (r, seed) => {
    const h = mixRest(mixTask(seed, stringDigest(r.task), r.job), r);
    return mixString(mixDigest(mixNumber(h, r.time), kindDigest), r.source);
  });
}

/** Mixes the fields every task record starts with: the task (its name's digest) and the job. */
function mixTask(seed: number, task: number, job: number): number {
  return mixNumber(mixDigest(seed, task), job);
}

/** Mixes a release's own fields, after the task and job. */
function mixRelease(h: number, arrival: number, release: number, deadline: number): number {
  return mixNumber(mixNumber(mixNumber(h, arrival), release), deadline);
}

/** Mixes a preemption's own fields, after the task and job. */
function mixPreempt(h: number, by: number, byJob: number): number {
  return mixNumber(mixDigest(h, by), byJob);
}

/** A job released (or arrived): "task.release". */
export type ReleaseFields = TaskFields & { arrival: number; release: number; deadline: number };

/** Layout of "task.release". */
export const RELEASE = taskLayout<ReleaseFields>(
  "task.release",
  (h, r) => mixRelease(h, r.arrival, r.release, r.deadline),
);

/** A started job preempted by another: "task.preempt". */
export type PreemptFields = TaskFields & { by: string; byJob: number };

/** Layout of "task.preempt". */
export const PREEMPT = taskLayout<PreemptFields>(
  "task.preempt",
  (h, r) => mixPreempt(h, stringDigest(r.by), r.byJob),
);

/** A job's first piece: "task.start". */
export type StartFields = TaskFields & { release: number };

/** Layout of "task.start". */
export const START = taskLayout<StartFields>("task.start", (h, r) => mixNumber(h, r.release));

/** A job finished: "task.finish". */
export type FinishFields = TaskFields & { responseNs: number; deadlineNs: number; missed: boolean };

/** Layout of "task.finish". */
export const FINISH = taskLayout<FinishFields>(
  "task.finish",
  (h, r) => mixBoolean(mixNumber(mixNumber(h, r.responseNs), r.deadlineNs), r.missed),
);

/** A job past its deadline: "task.miss". */
export type MissFields = TaskFields & { release: number; deadline: number };

/** Layout of "task.miss". */
export const MISS = taskLayout<MissFields>(
  "task.miss",
  (h, r) => mixNumber(mixNumber(h, r.release), r.deadline),
);

// The fields' hashes of the records the RTOS emits most (a release, a start and a finish per
// job), mixed by the same steps as their layouts, before the identity: the kernel completes
// them (see GuestContext.trace), so while only sinks and fingerprints listen no record is built.

/** The fields' hash of a job's "task.release". */
export function hashRelease(task: TaskState, job: Job): number {
  const h = mixTask(RECORD_SEED, task.nameDigest, job.index);
  return mixRelease(h, job.arrival, job.release, job.deadline);
}

/** The fields' hash of a job's "task.start". */
export function hashStart(job: Job): number {
  return mixNumber(mixTask(RECORD_SEED, job.task.nameDigest, job.index), job.release);
}

/** The fields' hash of a job's "task.finish". */
export function hashFinish(job: Job, responseNs: number, missed: boolean): number {
  const h = mixTask(RECORD_SEED, job.task.nameDigest, job.index);
  return mixBoolean(mixNumber(mixNumber(h, responseNs), job.task.deadlineNs), missed);
}

/** The fields' hash of the "task.preempt" of a started job by another. */
export function hashPreempt(job: Job, by: Job): number {
  const h = mixTask(RECORD_SEED, job.task.nameDigest, job.index);
  return mixPreempt(h, by.task.nameDigest, by.index);
}
