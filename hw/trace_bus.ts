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
  #fingerprints: Fingerprint[] = [];
  /** Whether anyone listens; emitters check this before building a record. */
  active = false;

  /**
   * Feeds every later record to a fingerprint (called directly, without a subscriber
   * function in between: a run's fingerprint sees every record).
   *
   * @param fingerprint The fingerprint.
   * @returns A function that stops feeding it.
   */
  hashInto(fingerprint: Fingerprint): () => void {
    this.#fingerprints = [...this.#fingerprints, fingerprint];
    this.active = true;
    return () => {
      this.#fingerprints = this.#fingerprints.filter((f) => f !== fingerprint);
      this.#update();
    };
  }

  #update(): void {
    this.active = this.#subscribers.length > 0 || this.#fingerprints.length > 0;
  }

  /**
   * Adds a subscriber.
   *
   * @param subscriber Receives every later record.
   * @returns A function that removes the subscriber.
   */
  subscribe(subscriber: TraceSubscriber): () => void {
    this.#subscribers = [...this.#subscribers, subscriber];
    this.active = true;
    return () => {
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
      this.#update();
    };
  }

  /**
   * Publishes a record to every fingerprint fed by {@linkcode TraceBus.hashInto}, then to every
   * subscriber in subscription order.
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
    const subscribers = this.#subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i](record, shared);
  }
}
