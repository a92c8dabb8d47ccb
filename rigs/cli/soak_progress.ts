/**
 * Soak progress: a bar (cli-progress) when stdout is a terminal, plain lines otherwise (at
 * every 10% of the seeds or every 10 s, whichever comes first), so CI logs stay readable.
 * Both show seeds done/total, failures, simulated time and an ETA.
 *
 * @module
 */

import cliProgress from "cli-progress";
import { formatDuration } from "../../hw/time.ts";
import type { SoakTotals } from "./soak_report.ts";

/** Where and how progress is shown. */
export interface ProgressOptions {
  /** `bar`, `lines` or `none`; default `bar` on a terminal, else `lines`. */
  readonly mode?: "bar" | "lines" | "none";
  /** Seeds planned (undefined for a wall-time soak). */
  readonly planned?: number;
  /** Wall-time limit, ms (for a wall-time soak's ETA). */
  readonly forWallMs?: number;
  /** Prints a line (default `console.log`). */
  readonly print?: (line: string) => void;
  /** Plain-line interval, ms; default 10 000. */
  readonly intervalMs?: number;
}

/** Minimal shape of cli-progress's multi-bar we use. */
interface Bars {
  create(total: number, start: number, payload: Record<string, string>): {
    update(value: number, payload: Record<string, string>): void;
    setTotal(total: number): void;
  };
  log(text: string): void;
  stop(): void;
}

/**
 * Shows a soak's progress.
 *
 * @example Usage
 * ```ts
 * import { SoakProgress } from "./soak_progress.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const progress = new SoakProgress({ mode: "lines", planned: 10, print: (l) => lines.push(l) });
 * for (let i = 1; i <= 10; i++) {
 *   progress.update({ seeds: i, passed: i, failed: 0, errors: 0, simulatedNs: i * 1e6, events: 1 });
 * }
 * progress.stop();
 * assert.equal(lines.length, 10);
 * assert.match(lines[9], /^soak: 10\/10 seeds \(100%\), 0 failed/);
 * ```
 */
export class SoakProgress {
  readonly #mode: "bar" | "lines" | "none";
  readonly #planned?: number;
  readonly #forWallMs?: number;
  readonly #print: (line: string) => void;
  readonly #intervalMs: number;
  readonly #started = performance.now();
  #lastLineAt = performance.now();
  #lastTenth = 0;
  #bars?: Bars;
  #bar?: ReturnType<Bars["create"]>;

  /**
   * Creates it.
   *
   * @param options Mode, seeds planned, wall limit, printer.
   */
  constructor(options: ProgressOptions = {}) {
    this.#mode = options.mode ?? (Deno.stdout.isTerminal() ? "bar" : "lines");
    this.#planned = options.planned;
    this.#forWallMs = options.forWallMs;
    this.#print = options.print ?? ((line) => console.log(line));
    this.#intervalMs = options.intervalMs ?? 10_000;
    if (this.#mode === "bar") {
      this.#bars = new cliProgress.MultiBar({
        format: "{bar} {done} seeds | {failed} failed | simulated {simulated} | ETA {eta}",
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 30,
      }, cliProgress.Presets.shades_classic) as unknown as Bars;
      this.#bar = this.#bars.create(this.#total(), 0, this.#payload(undefined));
    }
  }

  /**
   * Shows the totals after a seed.
   *
   * @param totals Totals so far.
   */
  update(totals: SoakTotals): void {
    if (this.#mode === "none") return;
    if (this.#bar !== undefined) {
      this.#bar.update(this.#value(totals), this.#payload(totals));
      return;
    }
    const now = performance.now();
    const tenth = this.#planned === undefined
      ? 0
      : Math.floor((totals.seeds * 10) / Math.max(1, this.#planned));
    if (tenth > this.#lastTenth || now - this.#lastLineAt >= this.#intervalMs) {
      this.#lastTenth = Math.max(this.#lastTenth, tenth);
      this.#lastLineAt = now;
      this.#print(this.line(totals));
    }
  }

  /**
   * A plain progress line.
   *
   * @param totals Totals so far.
   * @returns E.g. `soak: 12/40 seeds (30%), 1 failed, 0 errors, simulated 600ms, ETA 4s`.
   */
  line(totals: SoakTotals): string {
    const p = this.#payload(totals);
    const percent = this.#planned === undefined
      ? ""
      : ` (${Math.floor((totals.seeds * 100) / Math.max(1, this.#planned))}%)`;
    return `soak: ${p.done} seeds${percent}, ${totals.failed} failed, ${totals.errors} errors, ` +
      `simulated ${p.simulated}, ETA ${p.eta}`;
  }

  /**
   * Prints a message above the bar (or as a plain line; also with mode `none`).
   *
   * @param text The message.
   */
  log(text: string): void {
    if (this.#bars !== undefined) this.#bars.log(text + "\n");
    else this.#print(text);
  }

  /** Ends the bar. */
  stop(): void {
    this.#bars?.stop();
    this.#bars = undefined;
    this.#bar = undefined;
  }

  #total(): number {
    return this.#planned ?? Math.max(1, Math.round((this.#forWallMs ?? 1000) / 1000));
  }

  #value(totals: SoakTotals): number {
    if (this.#planned !== undefined) return totals.seeds;
    return Math.min(this.#total(), Math.round((performance.now() - this.#started) / 1000));
  }

  #payload(totals: SoakTotals | undefined): Record<string, string> {
    const seeds = totals?.seeds ?? 0;
    const elapsed = performance.now() - this.#started;
    let eta = "?";
    if (this.#planned !== undefined && seeds > 0) {
      eta = formatSeconds((elapsed / seeds) * (this.#planned - seeds));
    } else if (this.#forWallMs !== undefined) {
      eta = formatSeconds(Math.max(0, this.#forWallMs - elapsed));
    }
    return {
      done: this.#planned === undefined ? `${seeds}` : `${seeds}/${this.#planned}`,
      failed: `${(totals?.failed ?? 0) + (totals?.errors ?? 0)}`,
      simulated: formatDuration(totals?.simulatedNs ?? 0),
      eta,
    };
  }
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
