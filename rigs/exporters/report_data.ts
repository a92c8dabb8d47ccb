/**
 * The data an HTML report embeds, collected from the trace bus with bounded memory: vCPU run
 * slices (merged and thinned beyond a limit), IRQ raises (thinned), IRQ latency histograms
 * (quarter-octave bins), task response times (thinned, the worst kept) and the verdicts.
 *
 * @module
 */

import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { ScenarioResult } from "../scenario_result.ts";
import type { World } from "../world.ts";

/** Limits of {@linkcode ReportCollector}. */
export interface ReportLimits {
  /** Run slices kept (default 50,000). */
  readonly slices?: number;
  /** IRQ raise marks kept (default 20,000). */
  readonly irqMarks?: number;
  /** Response-time points kept per task (default 4,000). */
  readonly points?: number;
}

/** One histogram bin: samples in [lo, hi) nanoseconds. */
export interface Bin {
  /** Lower bound, ns. */
  readonly lo: number;
  /** Upper bound, ns. */
  readonly hi: number;
  /** Samples. */
  readonly count: number;
}

/** What the report's viewer draws (embedded as JSON). */
export interface ReportData {
  /** The run's results (verdicts, metrics, seed, replay). */
  readonly result: ScenarioResult;
  /** Number of cores. */
  readonly cores: number;
  /** vCPU names; slices refer to them by index. */
  readonly vcpus: readonly string[];
  /** Run slices, columnar: core, vCPU index, start and end (ns). */
  readonly slices: {
    core: number[];
    vcpu: number[];
    start: number[];
    end: number[];
  };
  /** How slices were reduced (all zero when none were). */
  readonly sliceReduction: {
    seen: number;
    shown: number;
    mergedGapNs: number;
    droppedBelowNs: number;
  };
  /** IRQ raises, columnar: line name index, time; `seen` counts all raises. */
  readonly irqs: { names: string[]; line: number[]; time: number[]; seen: number };
  /** IRQ latency histograms per line name. */
  readonly latency: { name: string; count: number; max: number; bins: Bin[] }[];
  /** Response times per task: [finish time, response] points; `seen` counts all jobs. */
  readonly response: {
    cell: string;
    task: string;
    deadlineNs: number;
    seen: number;
    misses: number;
    points: [number, number][];
  }[];
}

const BINS_PER_OCTAVE = 4;

interface Series {
  cell: string;
  task: string;
  deadlineNs: number;
  seen: number;
  misses: number;
  stride: number;
  points: [number, number][];
  worst?: [number, number];
}

/**
 * Collects a run's report data from its trace bus.
 *
 * @example Usage
 * ```ts
 * import { ReportCollector } from "./report_data.ts";
 * import { scenario } from "../scenario.ts";
 * import { boards } from "../../hw/boards.ts";
 * import { native } from "../../guests/recipe.ts";
 * import { compute } from "../../guests/program.ts";
 * import assert from "node:assert/strict";
 * const collector = new ReportCollector({ slices: 100 });
 * const result = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(532); } }))
 *   .execute({ for: "1ms", observe: (world) => collector.observe(world) });
 * const data = collector.data(result);
 * assert.ok(data.slices.start.length <= 100);
 * assert.ok(data.sliceReduction.seen > 100);
 * ```
 */
export class ReportCollector {
  readonly #maxSlices: number;
  readonly #maxMarks: number;
  readonly #maxPoints: number;
  #cores = 1;
  readonly #vcpus = new Map<string, number>();
  #slices = {
    core: [] as number[],
    vcpu: [] as number[],
    start: [] as number[],
    end: [] as number[],
  };
  #seenSlices = 0;
  #gap = 0;
  readonly #lineNames = new Map<string, number>();
  readonly #marks = { line: [] as number[], time: [] as number[] };
  #markStride = 1;
  #seenMarks = 0;
  readonly #latency = new Map<string, { count: number; max: number; bins: Map<number, number> }>();
  readonly #series = new Map<string, Series>();

  /**
   * Creates a collector.
   *
   * @param limits How much to keep.
   */
  constructor(limits: ReportLimits = {}) {
    this.#maxSlices = Math.max(16, limits.slices ?? 50_000);
    this.#maxMarks = Math.max(16, limits.irqMarks ?? 20_000);
    this.#maxPoints = Math.max(16, limits.points ?? 4_000);
  }

  /**
   * Subscribes to the world's trace bus.
   *
   * @param world The built world, before it runs.
   */
  observe(world: World): void {
    this.#cores = world.board.cores.length;
    for (const cell of world.kernel.cells.values()) {
      for (const vcpu of cell.vcpus) this.#vcpus.set(vcpu.name, this.#vcpus.size);
    }
    world.engine.trace.subscribe((record) => this.#observe(record));
  }

  /**
   * The collected data with the run's results.
   *
   * @param result The run's results.
   * @returns The data to embed.
   */
  data(result: ScenarioResult): ReportData {
    const names = [...this.#lineNames.keys()];
    return {
      result,
      cores: this.#cores,
      vcpus: [...this.#vcpus.keys()],
      slices: this.#slices,
      sliceReduction: {
        seen: this.#seenSlices,
        shown: this.#slices.start.length,
        mergedGapNs: this.#gap,
        droppedBelowNs: this.#gap,
      },
      irqs: { names, line: this.#marks.line, time: this.#marks.time, seen: this.#seenMarks },
      latency: [...this.#latency].map(([name, h]) => ({
        name,
        count: h.count,
        max: h.max,
        bins: [...h.bins].sort(([a], [b]) => a - b).map(([bin, count]) => ({
          lo: bin < 0 ? 0 : Math.ceil(2 ** (bin / BINS_PER_OCTAVE)),
          hi: Math.ceil(2 ** ((bin + 1) / BINS_PER_OCTAVE)),
          count,
        })),
      })),
      response: [...this.#series.values()].map((s) => {
        const points = [...s.points];
        if (s.worst !== undefined && !points.includes(s.worst)) {
          points.push(s.worst);
          points.sort((a, b) => a[0] - b[0]);
        }
        return {
          cell: s.cell,
          task: s.task,
          deadlineNs: s.deadlineNs,
          seen: s.seen,
          misses: s.misses,
          points,
        };
      }),
    };
  }

  #observe(r: TraceRecord): void {
    switch (r.kind) {
      case "cpu.run": {
        const name = r.vcpu as string;
        let vcpu = this.#vcpus.get(name);
        if (vcpu === undefined) this.#vcpus.set(name, vcpu = this.#vcpus.size);
        const start = r.start as number;
        this.#seenSlices++;
        const s = this.#slices;
        s.core.push(r.core as number);
        s.vcpu.push(vcpu);
        s.start.push(start);
        s.end.push(start + (r.durationNs as number));
        if (s.start.length > this.#maxSlices) this.#reduce();
        return;
      }
      case "irq.raise": {
        this.#seenMarks++;
        if (this.#seenMarks % this.#markStride !== 0) return;
        const name = String(r.name);
        let line = this.#lineNames.get(name);
        if (line === undefined) this.#lineNames.set(name, line = this.#lineNames.size);
        this.#marks.line.push(line);
        this.#marks.time.push(r.time);
        if (this.#marks.time.length > this.#maxMarks) {
          this.#markStride *= 2;
          const keep = (_: number, i: number) => i % 2 === 0;
          this.#marks.line = this.#marks.line.filter(keep);
          this.#marks.time = this.#marks.time.filter(keep);
        }
        return;
      }
      case "virq.deliver": {
        const name = String(r.name);
        const ns = r.latencyNs as number;
        let h = this.#latency.get(name);
        if (h === undefined) this.#latency.set(name, h = { count: 0, max: 0, bins: new Map() });
        h.count++;
        if (ns > h.max) h.max = ns;
        const bin = ns <= 0 ? -1 : Math.floor(Math.log2(ns) * BINS_PER_OCTAVE);
        h.bins.set(bin, (h.bins.get(bin) ?? 0) + 1);
        return;
      }
      case "task.finish":
        return this.#response(r);
    }
  }

  #response(r: TraceRecord): void {
    const key = `${r.source}\u0000${r.task}`;
    let s = this.#series.get(key);
    if (s === undefined) {
      s = {
        cell: r.source,
        task: String(r.task),
        deadlineNs: Number(r.deadlineNs ?? 0),
        seen: 0,
        misses: 0,
        stride: 1,
        points: [],
      };
      this.#series.set(key, s);
    }
    const point: [number, number] = [r.time, r.responseNs as number];
    if (r.missed === true) s.misses++;
    if (s.worst === undefined || point[1] > s.worst[1]) s.worst = point;
    if (s.seen++ % s.stride !== 0) return;
    s.points.push(point);
    if (s.points.length > this.#maxPoints) {
      s.stride *= 2;
      s.points = s.points.filter((_, i) => i % 2 === 0);
    }
  }

  /**
   * Merges same-vCPU neighbours closer than the gap and drops shorter slices: first at the
   * current gap (slices that came since the last reduction), then doubling it until a quarter
   * of the room is free again.
   */
  #reduce(): void {
    const target = Math.floor(this.#maxSlices * 0.75);
    if (this.#gap > 0) this.#compact(this.#gap);
    while (this.#slices.start.length > target) {
      this.#gap = this.#gap === 0 ? 1_000 : this.#gap * 2;
      this.#compact(this.#gap);
    }
  }

  #compact(gap: number): void {
    const s = this.#slices;
    const out = {
      core: [] as number[],
      vcpu: [] as number[],
      start: [] as number[],
      end: [] as number[],
    };
    const lastOnCore = new Map<number, number>();
    for (let i = 0; i < s.start.length; i++) {
      const core = s.core[i];
      const last = lastOnCore.get(core);
      if (
        last !== undefined && out.vcpu[last] === s.vcpu[i] && s.start[i] - out.end[last] <= gap
      ) {
        out.end[last] = Math.max(out.end[last], s.end[i]);
        continue;
      }
      out.core.push(core);
      out.vcpu.push(s.vcpu[i]);
      out.start.push(s.start[i]);
      out.end.push(s.end[i]);
      lastOnCore.set(core, out.start.length - 1);
    }
    // Drop what stays shorter than the gap (a merged slice only grows).
    const keep: number[] = [];
    for (let i = 0; i < out.start.length; i++) if (out.end[i] - out.start[i] >= gap) keep.push(i);
    this.#slices = {
      core: keep.map((i) => out.core[i]),
      vcpu: keep.map((i) => out.vcpu[i]),
      start: keep.map((i) => out.start[i]),
      end: keep.map((i) => out.end[i]),
    };
  }
}
