/**
 * Writes a run as a value change dump (IEEE 1364 VCD) for GTKWave and other waveform viewers.
 *
 * Signals, in one scope per board: `irq.<device>` (wire, 1 from the line's raise until the
 * owner's vIRQ is delivered, so its width is the IRQ latency; an unowned line drops when the
 * kernel finds no owner), `cores.core<i>_vcpu` (reg, the id of the vCPU the core's scheduler
 * has current, 0 when idle; the id→name map is in a `$comment`), `cores.core<i>_kernel` (wire,
 * 1 while the core runs a kernel path) and `cells.<cell>_state` (reg [2:0], the lifecycle
 * state: 0 unknown, 1 loaded, 2 running, 3 suspended, 4 stopped, 5 wiped, 6 destroyed).
 * Time is in nanoseconds (`$timescale 1ns`). Kernel paths are reported when they end, so
 * changes wait in a small reorder buffer before they are written; memory stays bounded.
 *
 * @module
 */

import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { ScenarioResult } from "../scenario_result.ts";
import type { World } from "../world.ts";
import type { Exporter } from "./exporter.ts";
import type { TextSink } from "./text_sink.ts";
import { type TimeWindow, WHOLE_RUN } from "./trace_window.ts";

/** Lifecycle state codes of the `cells.*_state` signals. */
export const CELL_STATE_CODES: Readonly<Record<string, number>> = Object.freeze({
  loaded: 1,
  running: 2,
  suspended: 3,
  stopped: 4,
  wiped: 5,
  destroyed: 6,
});

/** Options of {@linkcode VcdExporter}. */
export interface VcdOptions {
  /** Only this window of virtual time is written (default: the whole run). */
  readonly window?: TimeWindow;
}

interface Signal {
  readonly id: string;
  readonly width: number;
  value: number;
}

/** Changes older than this behind the newest record are written (kernel paths are short). */
const REORDER_NS = 1_000_000;
const FLUSH_AT = 4096;

/**
 * Streams a run as VCD.
 *
 * @example Usage
 * ```ts
 * import { VcdExporter } from "./vcd.ts";
 * import { memorySink } from "./text_sink.ts";
 * import { scenario } from "../scenario.ts";
 * import { boards } from "../../hw/boards.ts";
 * import { native } from "../../guests/recipe.ts";
 * import { compute } from "../../guests/program.ts";
 * import assert from "node:assert/strict";
 * const { sink, text } = memorySink();
 * const vcd = new VcdExporter(sink);
 * const result = scenario("busy")
 *   .board(boards.handset())
 *   .cell("app", native({ priority: 10, *program() { for (;;) yield* compute(5_320); } }))
 *   .execute({ for: "1ms", observe: (world) => vcd.observe(world) });
 * vcd.finish(result);
 * assert.match(text(), /\$timescale 1ns \$end/);
 * assert.match(text(), /\$var reg \d+ \S+ core0_vcpu \$end/);
 * ```
 */
export class VcdExporter implements Exporter {
  readonly #sink: TextSink;
  readonly #from: number;
  readonly #to: number;
  #end = 0;
  readonly #signals: Signal[] = [];
  readonly #lines = new Map<number, number>();
  readonly #coreVcpu: number[] = [];
  readonly #coreKernel: number[] = [];
  readonly #cellState = new Map<string, number>();
  readonly #vcpuIds = new Map<string, number>();
  #vcpuWidth = 8;
  #pending: number[] = []; // flat (time, seq, signal, value)
  #seq = 0;
  #newest = 0;
  #flushed = 0;
  #dumped = false;
  #time = -1;
  #clamped = 0;
  #flushAt = FLUSH_AT * 4;

  /**
   * Creates a VCD exporter writing to a sink.
   *
   * @param sink Where the VCD goes.
   * @param options Window.
   */
  constructor(sink: TextSink, options: VcdOptions = {}) {
    this.#sink = sink;
    const window = options.window ?? WHOLE_RUN;
    this.#from = window.from;
    this.#to = window.to;
  }

  /**
   * Writes the header (signals, id maps) and subscribes to the world's trace bus.
   *
   * @param world The built world, before it runs.
   */
  observe(world: World): void {
    this.#end = Math.min(this.#to, world.durationNs);
    const vcpus: string[] = [];
    for (const cell of world.kernel.cells.values()) {
      for (const vcpu of cell.vcpus) vcpus.push(vcpu.name);
    }
    vcpus.forEach((name, i) => this.#vcpuIds.set(name, i + 1));
    this.#vcpuWidth = Math.max(8, Math.ceil(Math.log2(vcpus.length + 64)));
    const out: string[] = [];
    out.push(`$version microvisor-rig VCD exporter $end`);
    out.push(
      `$comment scenario: ${clean(world.plan.name)}; board ${world.board.name}; ` +
        `window ${this.#from}ns..${this.#to === Infinity ? "end" : `${this.#to}ns`} $end`,
    );
    out.push(
      `$comment core*_vcpu ids: 0 idle, ${
        vcpus.map((n, i) => `${i + 1} ${clean(n)}`).join(", ")
      } (later vCPUs get the next ids, announced in a $comment) $end`,
    );
    out.push(
      `$comment cells.*_state codes: 0 unknown, ${
        Object.entries(CELL_STATE_CODES).map(([k, v]) => `${v} ${k}`).join(", ")
      } $end`,
    );
    out.push(`$timescale 1ns $end`);
    out.push(`$scope module ${ident(world.board.name)} $end`);
    out.push(`$scope module irq $end`);
    const devices = [...(world.plan.board?.devices ?? [])].sort((a, b) => a.irq - b.irq);
    for (const device of devices) {
      this.#lines.set(device.irq, this.#declare(out, "wire", 1, ident(device.name), 0));
    }
    out.push(`$upscope $end`, `$scope module cores $end`);
    for (const core of world.board.cores) {
      this.#coreVcpu.push(
        this.#declare(out, "reg", this.#vcpuWidth, `core${core.index}_vcpu`, 0),
      );
      this.#coreKernel.push(this.#declare(out, "wire", 1, `core${core.index}_kernel`, 0));
    }
    out.push(`$upscope $end`, `$scope module cells $end`);
    for (const cell of world.kernel.cells.values()) {
      this.#cellState.set(
        cell.name,
        this.#declare(out, "reg", 3, `${ident(cell.name)}_state`, CELL_STATE_CODES[cell.state]),
      );
    }
    out.push(`$upscope $end`, `$upscope $end`, `$enddefinitions $end`, "");
    this.#sink.write(out.join("\n"));
    world.engine.trace.subscribe((record) => this.#observe(record));
  }

  /**
   * Writes the remaining changes and the final time, then closes the sink.
   *
   * @param _result The run's results (unused: VCD has no place for verdicts).
   */
  finish(_result: ScenarioResult): void {
    this.#flush(Infinity);
    if (!this.#dumped) this.#dump();
    if (this.#end > this.#time && this.#end !== Infinity) this.#sink.write(`#${this.#end}\n`);
    if (this.#clamped > 0) {
      this.#sink.write(`$comment ${this.#clamped} late changes were moved forward $end\n`);
    }
    this.#sink.close();
  }

  #observe(r: TraceRecord): void {
    if (r.time > this.#newest) this.#newest = r.time;
    switch (r.kind) {
      case "irq.raise":
      case "virq.deliver":
      case "irq.unowned": {
        const signal = this.#lines.get(r.line as number);
        if (signal !== undefined) this.#change(r.time, signal, r.kind === "irq.raise" ? 1 : 0);
        break;
      }
      case "vcpu.switch": {
        const core = this.#coreVcpu[r.core as number];
        if (core !== undefined) this.#change(r.time, core, this.#vcpuId(String(r.vcpu), r.time));
        break;
      }
      case "core.idle": {
        const core = this.#coreVcpu[r.core as number];
        if (core !== undefined) this.#change(r.time, core, 0);
        break;
      }
      case "cpu.kernel": {
        const signal = this.#coreKernel[r.core as number];
        if (signal !== undefined) {
          this.#change(r.start as number, signal, 1);
          this.#change(r.time, signal, 0);
        }
        break;
      }
      case "cell.state": {
        const signal = this.#cellState.get(r.source);
        if (signal !== undefined) {
          this.#change(r.time, signal, CELL_STATE_CODES[String(r.state)] ?? 0);
        }
        break;
      }
      default:
        return;
    }
    if (this.#pending.length >= this.#flushAt) {
      this.#flush(this.#newest - REORDER_NS);
      this.#flushAt = Math.max(FLUSH_AT * 4, this.#pending.length * 2);
    }
  }

  #vcpuId(name: string, time: number): number {
    let id = this.#vcpuIds.get(name);
    if (id === undefined) {
      id = Math.min(this.#vcpuIds.size + 1, 2 ** this.#vcpuWidth - 1);
      this.#vcpuIds.set(name, id);
      if (this.#dumped && time <= this.#to) {
        this.#sink.write(`$comment core*_vcpu id ${id} is ${clean(name)} $end\n`);
      }
    }
    return id;
  }

  #declare(out: string[], kind: string, width: number, name: string, value: number): number {
    const index = this.#signals.length;
    const id = code(index);
    out.push(`$var ${kind} ${width} ${id} ${name} $end`);
    this.#signals.push({ id, width, value });
    return index;
  }

  #change(time: number, signal: number, value: number): void {
    this.#pending.push(time, this.#seq++, signal, value);
  }

  /** Writes buffered changes up to `until`, in (time, arrival) order. */
  #flush(until: number): void {
    const p = this.#pending;
    const order: number[] = [];
    for (let i = 0; i < p.length; i += 4) order.push(i);
    order.sort((a, b) => p[a] - p[b] || p[a + 1] - p[b + 1]);
    const keep: number[] = [];
    // Within one time step only a signal's last value counts (a path ending where the next
    // begins is no glitch).
    const step = new Map<number, number>();
    let stepTime = -1;
    const applyStep = () => {
      for (const [signal, value] of step) this.#apply(stepTime, signal, value);
      step.clear();
    };
    for (const i of order) {
      if (p[i] > until) {
        keep.push(p[i], p[i + 1], p[i + 2], p[i + 3]);
        continue;
      }
      let time = p[i];
      if (time < this.#flushed) {
        time = this.#flushed;
        this.#clamped++;
      }
      this.#flushed = time;
      if (time !== stepTime) {
        applyStep();
        stepTime = time;
      }
      step.delete(p[i + 2]);
      step.set(p[i + 2], p[i + 3]);
    }
    applyStep();
    this.#pending = keep;
  }

  #apply(time: number, index: number, value: number): void {
    const signal = this.#signals[index];
    if (time < this.#from) {
      signal.value = value;
      return;
    }
    if (time > this.#to) return;
    if (!this.#dumped) this.#dump();
    if (signal.value === value) return;
    signal.value = value;
    if (time > this.#time) {
      this.#sink.write(`#${time}\n`);
      this.#time = time;
    }
    this.#sink.write(`${format(signal, value)}\n`);
  }

  #dump(): void {
    this.#dumped = true;
    this.#time = this.#from;
    const values = this.#signals.map((s) => format(s, s.value));
    this.#sink.write(`#${this.#from}\n$dumpvars\n${values.join("\n")}\n$end\n`);
  }
}

function format(signal: Signal, value: number): string {
  return signal.width === 1 ? `${value}${signal.id}` : `b${value.toString(2)} ${signal.id}`;
}

/** The VCD identifier code of a signal index (printable ASCII 33..126). */
function code(index: number): string {
  let text = "";
  let n = index;
  do {
    text += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94);
  } while (n > 0);
  return text;
}

function ident(name: string): string {
  const text = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(text) ? text : `_${text}`;
}

function clean(text: string): string {
  return text.replace(/\$end/g, "$ end").replace(/\s+/g, " ");
}
