/**
 * A soak worker: a `deno run` child process of `rig soak`. It imports the scenario file once
 * (its `run()` only registers the scenario here, since this file is the main module), then
 * runs one seed per request and answers with a compact result.
 *
 * Protocol: newline-delimited JSON. Requests on stdin: `{type:"init", file, scenario?, for?,
 * maxEvents?, replayBase}`, then `{type:"run", seed}` per seed. Answers on stdout, each line
 * prefixed with `PREFIX` so the scenario's own output never confuses the parent:
 * `{type:"ready", name}`, `{type:"result", result}` or `{type:"fatal", message}` (bad input,
 * the same for every seed). Any other error is left uncaught: the process dies, and the
 * parent reports the seed as a crash and starts a new worker.
 *
 * Child processes, not Web Workers: `Worker.terminate()` in Deno 2.9 cannot stop a worker
 * spinning in a synchronous loop (the thread keeps a core busy until the process exits),
 * while a hung child process is killed for sure.
 *
 * @module
 */

import type { RunOptions } from "../scenario.ts";
import { ScenarioError } from "../scenario_error.ts";
import { LoadError, loadScenarios, pickScenario } from "./load_scenario.ts";
import { compactResult } from "./soak_report.ts";

/** Marks the protocol's lines on stdout. */
export const PREFIX = "\u001erig:";

/** The first request. */
export interface InitRequest {
  /** Message type. */
  readonly type: "init";
  /** Scenario file (path or URL). */
  readonly file: string;
  /** Scenario name, when the file defines several. */
  readonly scenario?: string;
  /** Run-length override (`--for`). */
  readonly for?: string;
  /** Event limit override. */
  readonly maxEvents?: number;
  /** The replay command prefix, e.g. `deno run scenarios/demo.ts`. */
  readonly replayBase: string;
}

const encoder = new TextEncoder();

function answer(message: unknown): void {
  Deno.stdout.writeSync(encoder.encode(`${PREFIX}${JSON.stringify(message)}\n`));
}

async function main(): Promise<void> {
  // Ctrl-C in a terminal reaches the whole process group: the parent decides when we stop.
  Deno.addSignalListener("SIGINT", () => {});
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffer = "";
  let run: ((seed: number) => void) | undefined;
  for await (const chunk of lines) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() === "") continue;
      const request = JSON.parse(line);
      if (request.type === "init") run = await init(request as InitRequest);
      else if (request.type === "run") run!(request.seed);
      else if (request.type === "exit") Deno.exit(0);
    }
  }
  Deno.exit(0);
}

async function init(request: InitRequest): Promise<((seed: number) => void) | undefined> {
  let options: RunOptions;
  let scenario;
  try {
    const picked = pickScenario(await loadScenarios(request.file), request.file, request.scenario);
    scenario = picked.scenario;
    options = {
      ...picked.options,
      ...(request.for === undefined ? {} : { for: request.for }),
      ...(request.maxEvents === undefined ? {} : { maxEvents: request.maxEvents }),
    };
  } catch (error) {
    if (error instanceof LoadError) {
      answer({ type: "fatal", message: error.message });
      return undefined;
    }
    throw error;
  }
  answer({ type: "ready", name: scenario.name });
  return (seed) => {
    const started = performance.now();
    let result;
    try {
      result = scenario.executeWithReplay({ ...options, seed }, request.replayBase).result;
    } catch (error) {
      if (error instanceof ScenarioError) {
        answer({ type: "fatal", message: error.message });
        return;
      }
      throw error;
    }
    answer({ type: "result", result: compactResult(result, performance.now() - started) });
  };
}

if (import.meta.main) await main();
