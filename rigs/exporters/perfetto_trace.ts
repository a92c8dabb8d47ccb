/**
 * Writes a run as Chrome Trace Event JSON for ui.perfetto.dev (or chrome://tracing), streamed
 * to a sink as the run goes, so memory stays bounded however long the run.
 *
 * Layout (pids): 1 the scenario (script events, failed assertions at the worst sample's
 * time), 2 the interrupt controller (a thread per IRQ line: raise instants and latency slices
 * from assertion to vIRQ delivery), 10+i core i (thread 1 guest run slices named by vCPU,
 * thread 2 kernel paths), 1000+k cell k (a thread per vCPU with its run slices, one per RTOS
 * task with release→finish response slices and miss instants, an "ipc" thread with 1 ns
 * send/receive slices that IPC flow arrows bind to, a lifecycle thread, and counters for CPU
 * share and channel queue depth). Timestamps are exact decimal microseconds.
 *
 * @module
 */

import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { ScenarioResult } from "../scenario_result.ts";
import type { World } from "../world.ts";
import { micros } from "./_micros.ts";
import { ShareBuckets } from "./_share_buckets.ts";
import type { Exporter } from "./exporter.ts";
import type { TextSink } from "./text_sink.ts";
import { type TimeWindow, WHOLE_RUN } from "./trace_window.ts";

/** Options of {@linkcode PerfettoTraceExporter}. */
export interface PerfettoTraceOptions {
  /** Only this window of virtual time is written (default: the whole run). */
  readonly window?: TimeWindow;
  /** Width of a CPU-share counter bucket (default: the span / 1000, at least 100 µs). */
  readonly shareBucketNs?: number;
}

const PID_SCENARIO = 1, PID_IRQ = 2, PID_CORE = 10, PID_CELL = 1000;
const TID_SCRIPT = 1, TID_ASSERT = 2, TID_RUN = 1, TID_KERNEL = 2;
const TID_LIFECYCLE = 1, TID_IPC = 2, TID_VCPU = 10, TID_TASK = 1000;
/** Pending IPC sends kept for flow arrows; beyond this the oldest flows are dropped. */
const MAX_PENDING_FLOWS = 100_000;

interface CellIds {
  readonly pid: number;
  readonly tasks: Map<string, number>;
  readonly queues: Set<string>;
  shareIndex: number;
}

/**
 * Streams a run's trace as Chrome Trace Event JSON (`{ traceEvents, displayTimeUnit: "ns" }`).
 *
 * @example Usage
 * ```ts
 * import { PerfettoTraceExporter } from "./perfetto_trace.ts";
 * import { memorySink } from "./text_sink.ts";
 * import { scenario } from "../scenario.ts";
 * import { boards } from "../../hw/boards.ts";
 * import { native } from "../../guests/recipe.ts";
 * import { compute } from "../../guests/program.ts";
 * import assert from "node:assert/strict";
 * const { sink, text } = memorySink();
 * const exporter = new PerfettoTraceExporter(sink);
 * const result = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(5_320); } }))
 *   .execute({ for: "1ms", observe: (world) => exporter.observe(world) });
 * exporter.finish(result);
 * const trace = JSON.parse(text());
 * assert.equal(trace.displayTimeUnit, "ns");
 * assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === "X"));
 * ```
 */
export class PerfettoTraceExporter implements Exporter {
  readonly #sink: TextSink;
  readonly #from: number;
  readonly #to: number;
  readonly #bucketOption?: number;
  #shares = new ShareBuckets(0, 0, 1);
  #first = true;
  #end = 0;
  readonly #lastEnd = new Map<number, number>();
  readonly #cells = new Map<string, CellIds>();
  readonly #named = new Set<number>();
  readonly #pendingFlows = new Map<number, { pid: number; time: number }>();
  #events = 0;
  #cores = 1;

  /**
   * Creates a Perfetto exporter writing to a sink.
   *
   * @param sink Where the JSON goes (a {@linkcode TextSink}).
   * @param options Window and counter resolution.
   */
  constructor(sink: TextSink, options: PerfettoTraceOptions = {}) {
    this.#sink = sink;
    const window = options.window ?? WHOLE_RUN;
    this.#from = window.from;
    this.#to = window.to;
    this.#bucketOption = options.shareBucketNs;
  }

  /**
   * Writes the process and thread names and subscribes to the world's trace bus.
   *
   * @param world The built world, before it runs.
   */
  observe(world: World): void {
    const to = Math.min(this.#to, world.durationNs);
    this.#end = to;
    this.#cores = world.board.cores.length;
    const bucketNs = this.#bucketOption ??
      Math.max(100_000, Math.ceil((to - this.#from) / 1000 / 1000) * 1000);
    this.#shares = new ShareBuckets(this.#from, to, bucketNs);
    this.#sink.write('{"displayTimeUnit":"ns","traceEvents":[\n');
    this.#meta(PID_SCENARIO, undefined, `scenario: ${world.plan.name}`, 0);
    this.#meta(PID_SCENARIO, TID_SCRIPT, "script", 0);
    this.#meta(PID_SCENARIO, TID_ASSERT, "assertions", 1);
    this.#meta(PID_IRQ, undefined, `interrupts (${world.board.interrupts.kind})`, 1);
    for (const device of world.plan.board?.devices ?? []) {
      this.#meta(PID_IRQ, device.irq + 1, `irq ${device.irq} ${device.name}`, device.irq);
    }
    for (const core of world.board.cores) {
      this.#meta(PID_CORE + core.index, undefined, `core ${core.index}`, 2 + core.index);
      this.#meta(PID_CORE + core.index, TID_RUN, "vCPU", 0);
      this.#meta(PID_CORE + core.index, TID_KERNEL, "kernel", 1);
    }
    for (const name of world.kernel.cells.keys()) this.#cell(name);
    world.engine.trace.subscribe((record) => this.#observe(record));
  }

  /**
   * Writes the failed assertions (at their worst sample's time), the CPU-share counters and
   * the closing of the JSON, then closes the sink.
   *
   * @param result The run's results.
   */
  finish(result: ScenarioResult): void {
    for (const a of result.assertions) {
      if (a.passed || a.at < 0 || !this.#inWindow(a.at)) continue;
      this.#event(
        `"ph":"i","s":"g","pid":${PID_SCENARIO},"tid":${TID_ASSERT},"ts":${micros(a.at)}` +
          `,"name":${JSON.stringify(`✗ ${a.name}`)},"cat":"assertion","args":${
            JSON.stringify({ expected: a.expected, actual: a.actual, seed: result.seed })
          }`,
      );
    }
    const cells = [...this.#cells.entries()];
    for (const { start, span, ns } of this.#shares.entries()) {
      for (const [, ids] of cells) {
        this.#event(
          `"ph":"C","pid":${ids.pid},"ts":${micros(start)},"name":"cpu share %","args":{"share":${
            Number((100 * (ns[ids.shareIndex] ?? 0) / span / this.#cores).toFixed(3))
          }}`,
        );
      }
    }
    this.#sink.write(
      `\n],"otherData":${
        JSON.stringify({
          scenario: result.scenario,
          seed: result.seed,
          fingerprint: result.fingerprint,
          window: `${this.#from}ns..${this.#to === Infinity ? "" : `${this.#to}ns`}`,
          events: this.#events,
        })
      }}\n`,
    );
    this.#sink.close();
  }

  #observe(r: TraceRecord): void {
    switch (r.kind) {
      case "cpu.run": {
        const core = r.core as number, vcpu = r.vcpu as string;
        const start = r.start as number, end = start + (r.durationNs as number);
        const cell = this.#cell(r.source);
        this.#shares.add(cell.shareIndex, start, end);
        const args = `{"cell":${JSON.stringify(r.source)}}`;
        this.#slice(PID_CORE + core, TID_RUN, start, end, vcpu, "run", args);
        const index = vcpuIndex(vcpu);
        const tid = TID_VCPU + index;
        if (!this.#named.has(cell.pid * 65536 + tid)) {
          this.#meta(cell.pid, tid, `vCPU ${vcpu}`, tid);
        }
        this.#slice(cell.pid, tid, start, end, `run on core ${core}`, "run", "{}");
        return;
      }
      case "cpu.kernel": {
        const start = r.start as number, end = start + (r.durationNs as number);
        const args = r.vcpu === undefined ? "{}" : `{"vcpu":${JSON.stringify(r.vcpu)}}`;
        this.#slice(
          PID_CORE + (r.core as number),
          TID_KERNEL,
          start,
          end,
          String(r.path),
          "kernel",
          args,
        );
        return;
      }
      case "irq.raise": {
        const line = r.line as number;
        if (!this.#inWindow(r.time)) return;
        this.#nameLine(line, String(r.name));
        this.#event(
          `"ph":"i","s":"t","pid":${PID_IRQ},"tid":${line + 1},"ts":${micros(r.time)},"name":${
            JSON.stringify(`raise ${r.name}`)
          },"cat":"irq"`,
        );
        return;
      }
      case "virq.deliver": {
        const line = r.line as number;
        this.#nameLine(line, String(r.name));
        this.#slice(
          PID_IRQ,
          line + 1,
          r.assertedAt as number,
          r.time,
          `${r.name} → ${r.vcpu}`,
          "irq",
          `{"latencyNs":${r.latencyNs}}`,
        );
        return;
      }
      case "ipc.send":
      case "ipc.receive":
        return this.#ipc(r);
      case "task.finish": {
        const cell = this.#cell(r.source);
        const tid = this.#task(cell, String(r.task));
        this.#slice(
          cell.pid,
          tid,
          r.time - (r.responseNs as number),
          r.time,
          `${r.task} #${r.job}`,
          "task",
          `{"responseNs":${r.responseNs},"missed":${r.missed === true}}`,
        );
        return;
      }
      case "task.miss": {
        if (!this.#inWindow(r.time)) return;
        const cell = this.#cell(r.source);
        const tid = this.#task(cell, String(r.task));
        this.#event(
          `"ph":"i","s":"t","pid":${cell.pid},"tid":${tid},"ts":${micros(r.time)},"name":${
            JSON.stringify(`miss ${r.task} #${r.job}`)
          },"cat":"task"`,
        );
        return;
      }
      case "cell.state": {
        if (!this.#inWindow(r.time)) return;
        const cell = this.#cell(r.source);
        this.#event(
          `"ph":"i","s":"p","pid":${cell.pid},"tid":${TID_LIFECYCLE},"ts":${
            micros(r.time)
          },"name":${JSON.stringify(`${r.source} ${r.state}`)},"cat":"cell"`,
        );
        return;
      }
      case "script.event": {
        if (!this.#inWindow(r.time)) return;
        this.#event(
          `"ph":"i","s":"g","pid":${PID_SCENARIO},"tid":${TID_SCRIPT},"ts":${
            micros(r.time)
          },"name":${JSON.stringify(String(r.label))},"cat":"script"`,
        );
        return;
      }
    }
  }

  #ipc(r: TraceRecord): void {
    const channel = r.source;
    const arrow = channel.indexOf("->");
    if (arrow < 0) return;
    const sending = r.kind === "ipc.send";
    const cellName = sending ? channel.slice(0, arrow) : channel.slice(arrow + 2);
    const receiver = this.#cell(channel.slice(arrow + 2));
    const cell = this.#cell(cellName);
    const id = r.id as number;
    const inside = this.#inWindow(r.time);
    if (inside) {
      const key = `queue ${channel}`;
      receiver.queues.add(key);
      this.#event(
        `"ph":"C","pid":${receiver.pid},"ts":${micros(r.time)},"name":${
          JSON.stringify(key)
        },"args":{"depth":${r.depth}}`,
      );
      this.#slice(
        cell.pid,
        TID_IPC,
        r.time,
        r.time + 1,
        `${sending ? "send" : "recv"} #${id}`,
        "ipc",
        `{"channel":${JSON.stringify(channel)},"bytes":${r.bytes}}`,
      );
    }
    if (sending) {
      if (!inside) return;
      if (this.#pendingFlows.size >= MAX_PENDING_FLOWS) {
        const oldest = this.#pendingFlows.keys().next().value!;
        this.#pendingFlows.delete(oldest);
      }
      this.#pendingFlows.set(id, { pid: cell.pid, time: r.time });
      return;
    }
    const sent = this.#pendingFlows.get(id);
    if (sent === undefined) return;
    this.#pendingFlows.delete(id);
    // Both ends are written at the receive, so a flow is either whole or absent.
    if (!inside) return;
    this.#event(
      `"ph":"s","id":${id},"pid":${sent.pid},"tid":${TID_IPC},"ts":${
        micros(sent.time)
      },"name":"ipc","cat":"ipc"`,
    );
    this.#event(
      `"ph":"f","bp":"e","id":${id},"pid":${cell.pid},"tid":${TID_IPC},"ts":${
        micros(r.time)
      },"name":"ipc","cat":"ipc"`,
    );
  }

  #cell(name: string): CellIds {
    let ids = this.#cells.get(name);
    if (ids === undefined) {
      const index = this.#cells.size;
      ids = { pid: PID_CELL + index, tasks: new Map(), queues: new Set(), shareIndex: index };
      this.#cells.set(name, ids);
      this.#meta(ids.pid, undefined, `cell ${name}`, 100 + index);
      this.#meta(ids.pid, TID_LIFECYCLE, "lifecycle", TID_LIFECYCLE);
      this.#meta(ids.pid, TID_IPC, "ipc", TID_IPC);
    }
    return ids;
  }

  #task(cell: CellIds, task: string): number {
    let tid = cell.tasks.get(task);
    if (tid === undefined) {
      tid = TID_TASK + cell.tasks.size;
      cell.tasks.set(task, tid);
      this.#meta(cell.pid, tid, `task ${task}`, tid);
    }
    return tid;
  }

  #nameLine(line: number, name: string): void {
    if (!this.#named.has(PID_IRQ * 65536 + line + 1)) {
      this.#meta(PID_IRQ, line + 1, `irq ${line} ${name}`, line);
    }
  }

  #inWindow(time: number): boolean {
    return time >= this.#from && time <= this.#to;
  }

  /** A complete slice, clipped to the window and to the end of the thread's previous slice. */
  #slice(
    pid: number,
    tid: number,
    start: number,
    end: number,
    name: string,
    cat: string,
    args: string,
  ): void {
    let from = Math.max(start, this.#from);
    const to = Math.min(end, this.#to);
    const key = pid * 65536 + tid;
    const last = this.#lastEnd.get(key) ?? -Infinity;
    if (from < last) from = last;
    if (to <= from) return;
    this.#lastEnd.set(key, to);
    this.#event(
      `"ph":"X","pid":${pid},"tid":${tid},"ts":${micros(from)},"dur":${micros(to - from)},"name":${
        JSON.stringify(name)
      },"cat":"${cat}","args":${args}`,
    );
  }

  #meta(pid: number, tid: number | undefined, name: string, sort: number): void {
    const key = pid * 65536 + (tid ?? 0);
    this.#named.add(key);
    const kind = tid === undefined ? "process" : "thread";
    const at = tid === undefined ? "" : `,"tid":${tid}`;
    this.#event(
      `"ph":"M","pid":${pid}${at},"name":"${kind}_name","args":{"name":${JSON.stringify(name)}}`,
    );
    this.#event(
      `"ph":"M","pid":${pid}${at},"name":"${kind}_sort_index","args":{"sort_index":${sort}}`,
    );
  }

  #event(body: string): void {
    this.#sink.write(this.#first ? `{${body}}` : `,\n{${body}}`);
    this.#first = false;
    this.#events++;
  }
}

function vcpuIndex(name: string): number {
  const dot = name.lastIndexOf(".");
  const index = Number(name.slice(dot + 1));
  return Number.isSafeInteger(index) ? index : 0;
}
