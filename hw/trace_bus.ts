/**
 * The trace bus: every observable thing in a run is one structured record published here.
 * Probes and exporters subscribe; with no subscriber, emitters skip building records at all
 * (they test {@linkcode TraceBus.active} first), so tracing costs nothing when unused.
 *
 * @module
 */

import type { Fingerprint, RecordLayout } from "./fingerprint.ts";
import type { Instant } from "./time.ts";

/** A value a trace record field may hold. */
export type TraceValue = string | number | boolean;

/**
 * One trace record: the virtual time, the kind (e.g. `"irq.raise"`, `"vcpu.switch"`), the
 * component that emitted it, and flat fields. Field order is the emitter's and is stable, so
 * the fingerprint of a record is stable.
 */
export interface TraceRecord {
  /** Virtual time of the record, in nanoseconds. */
  readonly time: Instant;
  /** Dotted record kind, e.g. `"irq.raise"`. */
  readonly kind: string;
  /** The emitting component, e.g. `"gic"` or a cell name. */
  readonly source: string;
  /** Further fields. */
  readonly [field: string]: TraceValue;
}

/**
 * A function that receives every record published on a bus, with the record's layout when
 * its emitter gave one (only a fingerprint needs it; see {@linkcode RecordLayout}).
 */
export type TraceSubscriber = (record: TraceRecord, layout?: RecordLayout) => void;

/**
 * A subscriber that can take the kernel's most frequent records as their values, so that
 * while no plain {@linkcode TraceSubscriber} listens, their emitters build no record object
 * (a handset run emits about 14,000 of them per simulated second). A run's probes are one.
 *
 * Every other record, and these too whenever a plain subscriber makes their emitters build
 * them, comes to {@linkcode TraceSink.observe}.
 *
 * @example A sink that sums guest time per cell
 * ```ts
 * import { TraceBus, type TraceSink } from "./trace_bus.ts";
 * import assert from "node:assert/strict";
 * const guestNs = new Map<string, number>();
 * const sink: TraceSink = {
 *   observe: (record) => {
 *     if (record.kind === "cpu.run") {
 *       sink.slice(false, record.source, Number(record.start), Number(record.durationNs));
 *     }
 *   },
 *   slice: (kernel, source, _start, durationNs) => {
 *     if (!kernel) guestNs.set(source, (guestNs.get(source) ?? 0) + durationNs);
 *   },
 *   count: () => {},
 *   sample: () => {},
 * };
 * const bus = new TraceBus();
 * bus.subscribeSink(sink);
 * // What the kernel does while no plain subscriber listens, and what it does otherwise:
 * if (!bus.recordsWanted) bus.emitSlice(0x1234, false, "rtos", 0, 500);
 * bus.emit({ core: 0, start: 500, durationNs: 250, time: 750, kind: "cpu.run", source: "rtos" });
 * assert.equal(guestNs.get("rtos"), 750);
 * ```
 */
export interface TraceSink {
  /**
   * Takes a record, as a plain subscriber does.
   *
   * @param record The record.
   * @param layout Its layout, if its emitter gave one.
   */
  observe(record: TraceRecord, layout?: RecordLayout): void;
  /**
   * Takes a CPU slice that was not built as a record: a "cpu.kernel" record (`kernel`) or a
   * "cpu.run" record of the cell `source`.
   *
   * @param kernel Whether it is a kernel path.
   * @param source The record's source: "kernel" or the cell.
   * @param start When the slice started.
   * @param durationNs How long it lasted.
   */
  slice(kernel: boolean, source: string, start: number, durationNs: number): void;
  /**
   * Takes a record of one of the {@linkcode COUNTED_KINDS} that was not built: the sink
   * learns that it happened, when, what kind it was and which component (for the kernel's
   * records, which cell) it was about, but not its other fields (a plain subscriber gets
   * those).
   *
   * @param time The record's time.
   * @param kind The record's kind.
   * @param source The record's source: the emitting component (the cell, for a guest or vCPU).
   */
  count(time: Instant, kind: string, source: string): void;
  /**
   * Takes a record of one of the {@linkcode SAMPLED_KINDS} that was not built: what
   * {@linkcode TraceSink.count} learns, and the one sample the record carries (for a
   * "task.finish", the task and its job's response time).
   *
   * @param time The record's time.
   * @param kind The record's kind.
   * @param source The record's source.
   * @param key The value of the kind's key field.
   * @param value The value of the kind's value field.
   */
  sample(time: Instant, kind: string, source: string, key: string, value: number): void;
}

/**
 * The kinds of record that sinks take through {@linkcode TraceSink.count} while no plain
 * subscriber listens: their emitters hand over the hash, time, kind and source and build no
 * record (about 6,000 per simulated second on a handset). A sink that needs their other
 * fields subscribes plainly instead.
 */
export const COUNTED_KINDS: ReadonlySet<string> = new Set([
  "vcpu.switch",
  "vcpu.preempt",
  "virq.pending",
  "irq.raise",
  "irq.ack",
  "irq.eoi",
  "radio.frame",
  "task.release",
  "task.start",
  "task.preempt",
  "ui.frame",
]);

/**
 * The kinds of record that sinks take through {@linkcode TraceSink.sample} while no plain
 * subscriber listens, each with the names of the two fields a sink gets: a key and a value.
 * Their emitters hand over the hash and those fields and build no record.
 */
export const SAMPLED_KINDS: ReadonlyMap<string, { readonly key: string; readonly value: string }> =
  new Map([["task.finish", Object.freeze({ key: "task", value: "responseNs" })]]);

/**
 * A publish/subscribe bus of trace records.
 *
 * @example Usage
 * ```ts
 * import { TraceBus } from "./trace_bus.ts";
 * import assert from "node:assert/strict";
 * const bus = new TraceBus();
 * assert.equal(bus.active, false);
 * const kinds: string[] = [];
 * const stop = bus.subscribe((record) => kinds.push(record.kind));
 * if (bus.active) bus.emit({ time: 5, kind: "irq.raise", source: "gic", line: 3 });
 * stop();
 * assert.deepEqual(kinds, ["irq.raise"]);
 * assert.equal(bus.active, false);
 * ```
 */
export class TraceBus {
  #subscribers: TraceSubscriber[] = [];
  #sinks: TraceSink[] = [];
  #fingerprints: Fingerprint[] = [];
  /** Whether anyone listens; emitters check this before building a record. */
  active = false;
  /**
   * Whether a plain subscriber listens: then the emitters that may hand their values to
   * {@linkcode TraceBus.emitSlice} and {@linkcode TraceBus.emitCount} build and
   * {@linkcode TraceBus.emit} their records instead.
   */
  recordsWanted = false;

  /**
   * Feeds every later record to a fingerprint (called directly, without a subscriber
   * function in between: a run's fingerprint sees every record).
   *
   * @param fingerprint The fingerprint.
   * @returns A function that stops feeding it.
   */
  hashInto(fingerprint: Fingerprint): () => void {
    return this.#join(() => this.#fingerprints, (list) => this.#fingerprints = list, fingerprint);
  }

  /**
   * Adds a listener to one of the bus's lists (replaced, never changed in place, so an emit
   * in progress keeps the list it started with) and returns the function that removes it.
   */
  #join<T>(get: () => T[], set: (list: T[]) => void, listener: T): () => void {
    set([...get(), listener]);
    this.#update();
    return () => {
      set(get().filter((other) => other !== listener));
      this.#update();
    };
  }

  /** Derives the flags emitters test from who listens. */
  #update(): void {
    this.recordsWanted = this.#subscribers.length > 0;
    this.active = this.recordsWanted || this.#sinks.length > 0 || this.#fingerprints.length > 0;
  }

  /**
   * Adds a sink.
   *
   * @param sink Takes every later record, some as values only (see {@linkcode TraceSink}).
   * @returns A function that removes the sink.
   */
  subscribeSink(sink: TraceSink): () => void {
    return this.#join(() => this.#sinks, (list) => this.#sinks = list, sink);
  }

  /**
   * Adds a subscriber.
   *
   * @param subscriber Receives every later record.
   * @returns A function that removes the subscriber.
   */
  subscribe(subscriber: TraceSubscriber): () => void {
    return this.#join(() => this.#subscribers, (list) => this.#subscribers = list, subscriber);
  }

  /**
   * Publishes a record to every fingerprint fed by {@linkcode TraceBus.hashInto}, then to every
   * sink, then to every subscriber, each in subscription order.
   *
   * @param record The record.
   * @param layout How a fingerprint absorbs it without enumerating its fields: only for a
   * record of the fixed shape the layout reads.
   * @param hash The record's hash, if its emitter computed it (what `layout` gives from
   * `RECORD_SEED` in fingerprint.ts): then a fingerprint reads nothing of the record.
   */
  emit<R extends TraceRecord>(record: R, layout?: RecordLayout<R>, hash?: number): void {
    const shared = layout as RecordLayout | undefined;
    const fingerprints = this.#fingerprints;
    if (hash === undefined) {
      for (let i = 0; i < fingerprints.length; i++) fingerprints[i].add(record, shared);
    } else {
      for (let i = 0; i < fingerprints.length; i++) fingerprints[i].addHash(hash);
    }
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].observe(record, shared);
    const subscribers = this.#subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i](record, shared);
  }

  /**
   * Publishes a "cpu.kernel" or "cpu.run" record without building it, while no plain
   * subscriber listens ({@linkcode TraceBus.recordsWanted} is false): its hash to every
   * fingerprint, its values to every sink.
   *
   * @param hash The record's hash (as its layout gives it from `RECORD_SEED`).
   * @param kernel Whether it is a "cpu.kernel" record.
   * @param source Its source.
   * @param start Its start.
   * @param durationNs Its duration.
   */
  emitSlice(
    hash: number,
    kernel: boolean,
    source: string,
    start: number,
    durationNs: number,
  ): void {
    const fingerprints = this.#fingerprints;
    for (let i = 0; i < fingerprints.length; i++) fingerprints[i].addHash(hash);
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].slice(kernel, source, start, durationNs);
  }

  /**
   * Publishes a record that sinks only count, without building it, while no plain subscriber
   * listens: its hash to every fingerprint, its time, kind and source to every sink.
   *
   * @param hash The record's hash.
   * @param time Its time.
   * @param kind Its kind.
   * @param source Its source.
   */
  emitCount(hash: number, time: Instant, kind: string, source: string): void {
    const fingerprints = this.#fingerprints;
    for (let i = 0; i < fingerprints.length; i++) fingerprints[i].addHash(hash);
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].count(time, kind, source);
  }

  /**
   * Publishes a record of one of the {@linkcode SAMPLED_KINDS} without building it, while no
   * plain subscriber listens: its hash to every fingerprint, its time, kind, source, key and
   * value to every sink.
   *
   * @param hash The record's hash.
   * @param time Its time.
   * @param kind Its kind.
   * @param source Its source.
   * @param key The value of its kind's key field.
   * @param value The value of its kind's value field.
   */
  emitSample(
    hash: number,
    time: Instant,
    kind: string,
    source: string,
    key: string,
    value: number,
  ): void {
    const fingerprints = this.#fingerprints;
    for (let i = 0; i < fingerprints.length; i++) fingerprints[i].addHash(hash);
    const sinks = this.#sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].sample(time, kind, source, key, value);
  }
}
