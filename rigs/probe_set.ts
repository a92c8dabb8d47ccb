/**
 * Probes: everything metrics are computed from, accumulated from the trace bus as records
 * stream past, for one scope (the whole run, a step, or a time window). Nothing is retained
 * per record, so memory does not grow with run length.
 *
 * @module
 */

import type { RecordLayout } from "../hw/fingerprint.ts";
import type { TraceRecord, TraceSink, TraceValue } from "../hw/trace_bus.ts";
import { Histogram } from "./histogram.ts";

/** IPC statistics of one channel. */
export interface ChannelStats {
  /** Messages accepted. */
  sent: number;
  /** Messages taken by the receiver. */
  received: number;
  /** Bytes accepted. */
  bytes: number;
  /** Deepest queue seen. */
  maxDepth: number;
  /** Send-to-receive latency. */
  readonly latency: Histogram;
}

/** A FOTA outcome. */
export interface FotaOutcome {
  /** "switched", "rejected", "rolled-back". */
  readonly outcome: string;
  /** Service gap in ns (switched only; else 0). */
  readonly downtimeNs: number;
  /** When it ended. */
  readonly at: number;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Accumulators for one scope.
 *
 * @example Usage
 * ```ts
 * import { ProbeSet } from "./probe_set.ts";
 * import assert from "node:assert/strict";
 * const probes = new ProbeSet("run", 0, Infinity);
 * probes.observe({ time: 10, kind: "task.miss", source: "baseband", task: "frame" });
 * assert.equal(probes.misses.get("baseband"), 1);
 * ```
 */
export class ProbeSet implements TraceSink {
  /** Scope label. */
  readonly scope: string;
  /** Start of the window. */
  readonly from: number;
  /** End of the window (exclusive). */
  to: number;
  /** IRQ latency per vIRQ (device) name. */
  readonly irqLatency: Map<string, Histogram> = new Map();
  /** Response time per "cell/task". */
  readonly response: Map<string, Histogram> = new Map();
  /** Deadline misses per cell. */
  readonly misses: Map<string, number> = new Map();
  /** Deadline misses per "cell/task". */
  readonly taskMisses: Map<string, number> = new Map();
  /** First miss time per cell and per "cell/task". */
  readonly firstMissAt: Map<string, number> = new Map();
  /** Task completions per "cell/task". */
  readonly completions: Map<string, number> = new Map();
  /** Guest run time per cell, ns (a fresh map on each read). */
  get cpuNs(): Map<string, number> {
    return new Map([...this.#cpu].map(([cell, sum]) => [cell, sum.ns]));
  }
  /** Kernel time, ns. */
  kernelNs: number = 0;
  /** Channels. */
  readonly channels: Map<string, ChannelStats> = new Map();
  /** Call/reply round trips. */
  readonly roundTrip: Histogram = new Histogram();
  /** Hypercall errors per cell. */
  readonly hypercallErrors: Map<string, number> = new Map();
  /** Hypercall errors per kind. */
  readonly errorKinds: Map<string, number> = new Map();
  /** Faults per cell. */
  readonly faults: Map<string, number> = new Map();
  /** Attacks run, blocked, and bytes leaked. */
  readonly attacks: {
    run: number;
    blocked: number;
    leakedBytes: number;
    names: Map<string, boolean>;
  } = {
    run: 0,
    blocked: 0,
    leakedBytes: 0,
    names: new Map(),
  };
  /** FOTA outcomes per target cell (last one). */
  readonly fota: Map<string, FotaOutcome> = new Map();
  /** Wipe durations per target cell (last one). */
  readonly wipes: Map<string, { durationNs: number; at: number }> = new Map();
  /** Manager commands accepted and rejected. */
  readonly commands: { accepted: number; rejected: number } = { accepted: 0, rejected: 0 };
  /** Replies a rich OS got to its requests, per cell, in order (first 1,000). */
  readonly replies: Map<string, string[]> = new Map();
  /**
   * Cell names counted as another cell (a FOTA standby `X.b` as its service `X`). Add only:
   * an alias once set is not changed.
   */
  readonly aliases: Map<string, string> = new Map();
  /** Records seen in scope. */
  records: number = 0;
  /** Guest run time per cell: a cell's sum is found once per record, and added to in place. */
  readonly #cpu = new Map<string, { ns: number }>();
  /** "cell/task" keys by cell and task. */
  readonly #taskKeys = new Map<string, Map<TraceValue, string>>();

  /**
   * Creates an empty probe set for a time window.
   *
   * @param scope Label.
   * @param from Window start.
   * @param to Window end (exclusive).
   */
  constructor(scope: string, from: number, to: number) {
    this.scope = scope;
    this.from = from;
    this.to = to;
  }

  /**
   * Takes one record.
   *
   * @param r The record.
   * @param layout The record's layout, if its emitter gave one: a layout that names its kind
   * (see {@linkcode RecordLayout}) tells the record's kind without reading the record.
   */
  observe(r: TraceRecord, layout?: RecordLayout): void {
    // Records come in many shapes, so reading a field of one is a slow (megamorphic) load;
    // a layout's kind is read from one shape.
    const kind = layout?.kind ?? r.kind;
    // CPU slices count wherever they are, for their overlap with the window (a slice may
    // straddle its start); they are the most common records, so they come first. Each branch
    // reads its own fields (a property read learns the few record shapes it sees).
    if (kind === "cpu.kernel") {
      return this.slice(true, r.source, Number(r.start), Number(r.durationNs));
    }
    if (kind === "cpu.run") {
      return this.slice(false, r.source, Number(r.start), Number(r.durationNs));
    }
    const take = ProbeSet.#takers.get(kind);
    if (take === undefined) {
      // A record no probe reads only counts, if in the window: a whole-run window holds every
      // record (virtual time starts at 0), so its time is not even read.
      if (this.from <= 0 && this.to === Infinity) this.records++;
      else this.count(r.time);
      return;
    }
    // A deadline miss counts at its deadline: an RTOS records it later, at its next scheduling
    // point (at the next tick, or when it runs again after a hang), which may be in a later
    // window.
    const time = kind === "task.miss" && typeof r.deadline === "number" ? r.deadline : r.time;
    if (time < this.from || time >= this.to) return;
    this.records++;
    take(this, r, time);
  }

  /**
   * Takes a CPU slice (a "cpu.kernel" or "cpu.run" record, built or not): it counts wherever
   * it is, for its overlap with the window (a slice may straddle the window's start).
   *
   * @param kernel Whether it is a kernel path.
   * @param source The cell that ran (for a guest slice).
   * @param start When it started.
   * @param durationNs How long it lasted.
   */
  slice(kernel: boolean, source: string, start: number, durationNs: number): void {
    this.records++;
    const ns = start >= this.from && start + durationNs <= this.to
      ? durationNs
      : this.#overlap(start, durationNs);
    if (kernel) {
      this.kernelNs += ns;
      return;
    }
    const sum = source === this.#lastCell && this.aliases.size === this.#aliasesSeen
      ? this.#lastSum
      : this.#cellSum(source);
    sum.ns += ns;
  }

  /**
   * The CPU sum of the cell of the last guest slice, and of the one before: guest slices
   * alternate between a few cells, and comparing a name with the last two costs less than a
   * map lookup per slice. Valid while the aliases are as many as when the sums were found
   * (aliases are only ever added).
   */
  #lastCell = "";
  #lastSum = { ns: 0 };
  #otherCell = "";
  #otherSum = { ns: 0 };
  #aliasesSeen = -1;

  /** The CPU sum of a cell that is not the last slice's: from the cache or the map. */
  #cellSum(source: string): { ns: number } {
    const aliases = this.aliases.size;
    let sum: { ns: number };
    if (source === this.#otherCell && aliases === this.#aliasesSeen) sum = this.#otherSum;
    else {
      const cell = this.#alias(source);
      const found = this.#cpu.get(cell);
      if (found !== undefined) sum = found;
      else this.#cpu.set(cell, sum = { ns: 0 });
    }
    this.#otherCell = this.#lastCell;
    this.#otherSum = this.#lastSum;
    this.#lastCell = source;
    this.#lastSum = sum;
    this.#aliasesSeen = aliases;
    return sum;
  }

  /**
   * Takes a record of a kind sinks take as a sample ("task.finish": the task and its job's
   * response time) that was not built, if it is in the window.
   *
   * @param time The record's time.
   * @param kind Its kind.
   * @param source Its source.
   * @param key Its key field's value (the task).
   * @param value Its value field's value (the response time).
   */
  sample(time: number, kind: string, source: string, key: string, value: number): void {
    if (time < this.from || time >= this.to) return;
    this.records++;
    if (kind === "task.finish") this.#finished(this.#alias(source), key, value, time);
  }

  /** A job of a task finished with a response time. */
  #finished(source: string, task: TraceValue, responseNs: number, time: number): void {
    const key = this.#taskKey(source, task);
    this.#histogram(this.response, key).record(responseNs, time);
    bump(this.completions, key);
  }

  /**
   * Counts a record no probe reads, if it is in the window.
   *
   * @param time The record's time.
   */
  count(time: number): void {
    if (time >= this.from && time < this.to) this.records++;
  }

  /** What each kind of record (other than CPU slices) adds to the probes, by kind. */
  static readonly #takers = new Map<
    string,
    (probes: ProbeSet, r: TraceRecord, time: number) => void
  >([
    ["virq.deliver", (probes, r, time) => {
      probes.#histogram(probes.irqLatency, String(r.name)).record(Number(r.latencyNs), time);
    }],
    ["task.finish", (probes, r, time) => {
      probes.#finished(probes.#source(r), r.task, Number(r.responseNs), time);
    }],
    ["task.miss", (probes, r, time) => {
      const source = probes.#source(r);
      const key = probes.#taskKey(source, r.task);
      bump(probes.misses, source);
      bump(probes.taskMisses, key);
      if (!probes.firstMissAt.has(source)) probes.firstMissAt.set(source, time);
      if (!probes.firstMissAt.has(key)) probes.firstMissAt.set(key, time);
    }],
    ["ipc.send", (probes, r) => {
      const stats = probes.#channel(probes.#source(r));
      stats.sent++;
      stats.bytes += Number(r.bytes);
      stats.maxDepth = Math.max(stats.maxDepth, Number(r.depth));
    }],
    ["ipc.receive", (probes, r, time) => {
      const stats = probes.#channel(probes.#source(r));
      stats.received++;
      stats.latency.record(Number(r.latencyNs), time);
    }],
    ["ipc.reply", (probes, r, time) => {
      probes.roundTrip.record(Number(r.roundTripNs), time);
    }],
    ["hypercall.error", (probes, r) => {
      bump(probes.hypercallErrors, probes.#source(r));
      bump(probes.errorKinds, String(r.error));
    }],
    ["fault", (probes, r) => {
      bump(probes.faults, probes.#source(r));
    }],
    ["attack", (probes, r) => {
      const attacks = probes.attacks;
      attacks.run++;
      if (r.blocked === true) attacks.blocked++;
      attacks.leakedBytes += Number(r.leakedBytes ?? 0);
      attacks.names.set(String(r.name), r.blocked === true);
    }],
    ["fota.done", (probes, r, time) => {
      probes.fota.set(String(r.target), {
        outcome: String(r.outcome),
        downtimeNs: Number(r.downtimeNs ?? 0),
        at: time,
      });
    }],
    ["wipe.done", (probes, r, time) => {
      probes.wipes.set(String(r.target), { durationNs: Number(r.durationNs), at: time });
    }],
    ["richos.reply", (probes, r) => {
      const source = probes.#source(r);
      let list = probes.replies.get(source);
      if (list === undefined) probes.replies.set(source, list = []);
      if (list.length < 1_000) list.push(String(r.reply));
    }],
    ["manager.command", (probes, r) => {
      if (r.accepted === true) probes.commands.accepted++;
      else probes.commands.rejected++;
    }],
  ]);

  /**
   * The "cell/task" key of a task, made once (its hash is then cached in the string, and no
   * string is built per record).
   */
  #taskKey(source: string, task: TraceValue): string {
    let keys = this.#taskKeys.get(source);
    if (keys === undefined) this.#taskKeys.set(source, keys = new Map());
    let key = keys.get(task);
    if (key === undefined) keys.set(task, key = `${source}/${task}`);
    return key;
  }

  /** The record's source, or the service a standby instance (X.b) counts as once it takes over. */
  #source(r: TraceRecord): string {
    return this.#alias(r.source);
  }

  /** The service a cell name counts as (itself unless it is an aliased standby). */
  #alias(name: string): string {
    return this.aliases.size === 0 ? name : this.aliases.get(name) ?? name;
  }

  #overlap(start: number, duration: number): number {
    const end = Math.min(start + duration, this.to);
    return Math.max(0, end - Math.max(start, this.from));
  }

  #histogram(map: Map<string, Histogram>, key: string): Histogram {
    let h = map.get(key);
    if (h === undefined) {
      h = new Histogram();
      map.set(key, h);
    }
    return h;
  }

  #channel(name: string): ChannelStats {
    let stats = this.channels.get(name);
    if (stats === undefined) {
      stats = { sent: 0, received: 0, bytes: 0, maxDepth: 0, latency: new Histogram() };
      this.channels.set(name, stats);
    }
    return stats;
  }
}
