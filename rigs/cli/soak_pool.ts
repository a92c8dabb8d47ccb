/**
 * Runs a scenario over many seeds on a pool of worker processes. Each worker imports the
 * scenario file once and runs one seed at a time; a worker that crashes (an uncaught error)
 * or hangs (no result within the per-seed wall limit) is reported as that seed's failure,
 * killed and replaced, and the soak goes on. Stopping (an abort signal, e.g. Ctrl-C) kills
 * the workers and returns every result gathered so far.
 *
 * @module
 */

import { PREFIX } from "./_soak_worker.ts";
import { countSeeds, planSeeds, type SeedPlan } from "./seed_plan.ts";
import {
  addToTotals,
  emptyTotals,
  type SeedResult,
  type SoakReport,
  type SoakTotals,
} from "./soak_report.ts";
import { displayPath } from "./load_scenario.ts";

/** What to soak and how. */
export interface SoakOptions {
  /** The scenario file (path as given). */
  readonly file: string;
  /** The scenario's name, when the file defines several. */
  readonly scenario?: string;
  /** The seeds. */
  readonly seeds: SeedPlan;
  /** Stop starting seeds after this much wall time, ms (`--for-wall`). */
  readonly forWallMs?: number;
  /** Worker processes; default `navigator.hardwareConcurrency`. */
  readonly workers?: number;
  /** A seed with no result after this long is a hang, ms; default 60 000. */
  readonly seedTimeoutMs?: number;
  /** Simulated run length override, e.g. `"50ms"` (`--for`). */
  readonly for?: string;
  /** Engine event limit override. */
  readonly maxEvents?: number;
  /** Keep every seed's entry (for `--json`/`--junit`); otherwise only failures are kept. */
  readonly keepResults?: boolean;
  /** Stops the soak: running seeds are abandoned, gathered results returned. */
  readonly signal?: AbortSignal;
  /** Called after each seed. */
  readonly onSeed?: (result: SeedResult, totals: SoakTotals) => void;
  /** Called once the workers have loaded the scenario, with its name. */
  readonly onReady?: (scenario: string) => void;
}

/** A soak that cannot go on for every seed alike (bad scenario input); exit code 2. */
export class SoakFatalError extends Error {
  /**
   * Creates it.
   *
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "SoakFatalError";
  }
}

/** The outcome of {@linkcode soak}: the report (with every entry when `keepResults`). */
export interface SoakOutcome {
  /** The report. */
  readonly report: SoakReport;
  /** Seeds the plan holds (undefined for a wall-time soak). */
  readonly planned?: number;
}

interface Message {
  type: "ready" | "result" | "fatal";
  name?: string;
  message?: string;
  result?: SeedResult;
}

const WORKER_URL = new URL("./_soak_worker.ts", import.meta.url);
const STDERR_TAIL = 4096;

/** A seed sent to a worker: the head of its queue is running since `started`. */
interface InFlight {
  readonly seed: number;
  started: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Seeds sent ahead to each worker: the next one waits in its input while it runs the current
 * one, so it never idles for a round trip through this process (which, with every core busy
 * running workers, may wait for a core).
 */
const PIPELINE_DEPTH = 2;

/** One worker process and the seeds sent to it. */
class WorkerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #stderr = "";
  #killed = false;
  /** The seeds sent to it, in the order it runs them; the head is running. */
  readonly inFlight: InFlight[] = [];
  /** Whether it answered `ready`. */
  ready = false;
  /** Settles when the process has exited and its output is read. */
  readonly done: Promise<Deno.CommandStatus>;

  constructor(onMessage: (worker: WorkerProcess, message: Message) => void) {
    this.#child = new Deno.Command(Deno.execPath(), {
      // One thread per worker process: V8's concurrent compiler and GC threads would otherwise
      // make each worker use about 1.35 cores and keep two workers from scaling on two cores.
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--v8-flags=--single-threaded",
        "--allow-read",
        "--allow-env",
        WORKER_URL.href,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const stdout = this.#readLines(this.#child.stdout, (line) => {
      if (line.startsWith(PREFIX)) onMessage(this, JSON.parse(line.slice(PREFIX.length)));
    });
    const stderr = this.#readLines(this.#child.stderr, (line) => {
      this.#stderr = (this.#stderr + line + "\n").slice(-STDERR_TAIL);
    });
    this.done = Promise.all([stdout, stderr]).then(() => this.#child.status);
  }

  /** Sends a request (ignored once the process is gone). */
  send(message: unknown): void {
    this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n")).catch(() => {});
  }

  /** Kills the process for sure. */
  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    clearTimeout(this.inFlight[0]?.timer);
    this.#writer.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }

  /** Whether we killed it. */
  get killed(): boolean {
    return this.#killed;
  }

  /** The uncaught error it printed, if any, in one line. */
  crashMessage(status: Deno.CommandStatus): string {
    const lines = this.#stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
    const error = lines.find((l) => l.startsWith("error: "));
    const text = error?.slice("error: ".length) ?? lines.slice(-3).join(" ");
    const how = status.signal !== null ? `signal ${status.signal}` : `exit code ${status.code}`;
    return `${text || "the worker process died"} (worker ${how})`;
  }

  async #readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      buffer += decoder.decode(bytes, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        onLine(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    }
    if (buffer !== "") onLine(buffer);
  }
}

/**
 * Runs the soak.
 *
 * @param options File, seeds, workers, limits, hooks.
 * @returns The report of every seed that finished.
 * @throws {SoakFatalError} When the scenario cannot run at all (bad input, a worker that
 * cannot start).
 *
 * @example Usage
 * ```ts ignore
 * import { soak } from "./soak_pool.ts";
 * const { report } = await soak({
 *   file: "scenarios/demo.ts",
 *   seeds: { from: 1, count: 8 },
 *   workers: 2,
 *   keepResults: true,
 * });
 * console.log(report.totals);
 * ```
 */
export function soak(options: SoakOptions): Promise<SoakOutcome> {
  const planned = countSeeds(options.seeds);
  const seeds = planSeeds(options.seeds);
  const workers = Math.max(1, options.workers ?? navigator.hardwareConcurrency ?? 1);
  const seedTimeoutMs = options.seedTimeoutMs ?? 60_000;
  const display = displayPath(options.file);
  const replayBase = `deno run ${display}`;
  const init = {
    type: "init",
    file: options.file,
    scenario: options.scenario,
    for: options.for,
    maxEvents: options.maxEvents,
    replayBase,
  };
  const started = performance.now();
  const kept: SeedResult[] = [];
  let totals = emptyTotals();
  let name = options.scenario ?? "";
  let exhausted = false;
  let fatal: string | undefined;
  const pool = new Set<WorkerProcess>();
  /** Seeds sent to a worker that died before it started them: handed out again first. */
  const retry: number[] = [];

  return new Promise<SoakOutcome>((resolve, reject) => {
    let settled = false;
    const hardStop = () => options.signal?.aborted === true || fatal !== undefined;
    const wallUp = () =>
      options.forWallMs !== undefined && performance.now() - started >= options.forWallMs;

    const finishIfIdle = () => {
      if (settled) return;
      if (!hardStop()) {
        if ((!exhausted || retry.length > 0) && !wallUp()) return;
        if ([...pool].some((w) => w.inFlight.length > 0)) return;
      }
      settled = true;
      for (const worker of pool) worker.kill();
      pool.clear();
      options.signal?.removeEventListener("abort", finishIfIdle);
      if (fatal !== undefined) {
        reject(new SoakFatalError(fatal));
        return;
      }
      kept.sort((a, b) => a.seed - b.seed);
      resolve({
        planned,
        report: {
          format: "microvisor-rig/soak@1",
          scenario: name,
          file: display,
          shards: options.seeds.shard === undefined
            ? []
            : [`${options.seeds.shard.index}/${options.seeds.shard.count}`],
          interrupted: options.signal?.aborted === true,
          wallMs: Math.round(performance.now() - started),
          totals,
          results: kept,
        },
      });
    };

    const record = (result: SeedResult) => {
      totals = addToTotals(totals, result);
      if (options.keepResults === true || !result.passed) kept.push(result);
      options.onSeed?.(result, totals);
    };

    const nextSeed = (): number | undefined => {
      if (retry.length > 0) return retry.shift();
      const next = seeds.next();
      if (next.done === true) {
        exhausted = true;
        return undefined;
      }
      return next.value;
    };

    /** Takes a dead worker's seeds back: the head's result is an error, the rest run again. */
    const takeBack = (worker: WorkerProcess): InFlight | undefined => {
      const head = worker.inFlight.shift();
      retry.unshift(...worker.inFlight.splice(0).map((entry) => entry.seed));
      return head;
    };

    /** Starts the timeout of the seed a worker is running. */
    const startHead = (worker: WorkerProcess) => {
      const head = worker.inFlight[0];
      if (head === undefined || head.timer !== undefined) return;
      head.started = performance.now();
      head.timer = setTimeout(() => {
        if (worker.inFlight[0] !== head) return;
        const wallMs = performance.now() - head.started;
        takeBack(worker);
        worker.kill();
        record(
          errorResult(head.seed, "timeout", `no result after ${wallMs.toFixed(0)} ms`, wallMs),
        );
        replace(worker);
      }, seedTimeoutMs);
    };

    const dispatch = (worker: WorkerProcess) => {
      while (worker.inFlight.length < PIPELINE_DEPTH && !settled && !hardStop() && !wallUp()) {
        const seed = nextSeed();
        if (seed === undefined) break;
        worker.inFlight.push({ seed, started: 0, timer: undefined });
        worker.send({ type: "run", seed });
      }
      startHead(worker);
      finishIfIdle();
    };

    const errorResult = (
      seed: number,
      kind: "crash" | "timeout",
      message: string,
      wallMs: number,
    ): SeedResult => ({
      scenario: name,
      seed,
      passed: false,
      simulatedNs: 0,
      events: 0,
      fingerprint: "",
      assertions: [],
      replay: `${replayBase} --seed ${seed}${
        options.for === undefined ? "" : ` --for ${options.for}`
      }`,
      wallMs: Math.round(wallMs * 1000) / 1000,
      error: { kind, message },
    });

    const onMessage = (worker: WorkerProcess, message: Message) => {
      if (worker.killed || settled) return;
      if (message.type === "fatal") {
        fatal ??= message.message ?? "the scenario cannot run";
        return finishIfIdle();
      }
      if (message.type === "ready") {
        worker.ready = true;
        if (name === "") {
          name = message.name ?? "";
          options.onReady?.(name);
        }
        return dispatch(worker);
      }
      const head = worker.inFlight[0];
      if (head === undefined || message.result === undefined) return;
      clearTimeout(head.timer);
      worker.inFlight.shift();
      record(message.result);
      dispatch(worker);
    };

    const start = () => {
      const worker = new WorkerProcess(onMessage);
      pool.add(worker);
      worker.done.then((status) => {
        pool.delete(worker);
        if (worker.killed) return finishIfIdle();
        worker.kill();
        const crash = worker.crashMessage(status);
        if (!worker.ready) {
          fatal ??= `A soak worker could not load the scenario: ${crash}`;
          return finishIfIdle();
        }
        const head = takeBack(worker);
        if (head !== undefined) {
          record(errorResult(head.seed, "crash", crash, performance.now() - head.started));
        }
        replace(worker);
      }).catch(reject);
      worker.send(init);
    };

    const replace = (old: WorkerProcess) => {
      pool.delete(old);
      if (settled || hardStop() || (exhausted && retry.length === 0) || wallUp()) {
        return finishIfIdle();
      }
      start();
    };

    options.signal?.addEventListener("abort", finishIfIdle, { once: true });
    const count = planned === undefined ? workers : Math.min(workers, planned);
    for (let i = 0; i < count; i++) start();
  });
}
