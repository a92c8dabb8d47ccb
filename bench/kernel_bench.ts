/**
 * Kernel throughput on the host: call/reply ping-pong between two cells, and a hardware line
 * raised over and over and delivered to its owner, both on the handset with its cost table.
 * Each figure is host operations per second (how fast the model runs, not virtual time).
 *
 * @module
 */

import { Board } from "../hw/board.ts";
import { boards } from "../hw/boards.ts";
import { Engine } from "../hw/engine.ts";
import { HANDSET_COSTS } from "../kernel/cost_model.ts";
import { Microvisor } from "../kernel/microvisor.ts";
import type { BenchModule, FigureSpec } from "./_bench_module.ts";
import { bestRates } from "./_timing.ts";

const ROUND_TRIPS = 100_000;
const DELIVERIES = 100_000;
const IRQ_PERIOD_NS = 20_000;

/** The group name for `--only`. */
export const name = "kernel";

/** The figures and their targets. */
export const figures: Readonly<Record<string, FigureSpec>> = {
  ipc_roundtrips_per_s: { unit: "round trips/s" },
  irq_deliveries_per_s: { unit: "deliveries/s" },
};

function handsetKernel(): { engine: Engine; board: Board; kernel: Microvisor } {
  const engine = new Engine({ seed: 1 });
  const board = new Board(engine, boards.handset());
  return { engine, board, kernel: new Microvisor(board, { costs: HANDSET_COSTS }) };
}

/** {@linkcode ROUND_TRIPS} call/reply round trips of 8 bytes; returns how many completed. */
function pingPong(): number {
  const { engine, kernel } = handsetKernel();
  const endpoint = kernel.createEndpoint("svc");
  let replies = 0;
  const request = new Uint8Array(8), answer = new Uint8Array(8);
  const server = kernel.createCell({
    name: "server",
    ramBytes: 4096,
    vcpus: [{
      priority: 100,
      *program(ctx) {
        for (;;) {
          yield { op: "receive", cap: ctx.caps["ep"] };
          yield { op: "reply", bytes: answer };
        }
      },
    }],
  });
  const client = kernel.createCell({
    name: "client",
    ramBytes: 4096,
    vcpus: [{
      priority: 50,
      *program(ctx) {
        while (replies < ROUND_TRIPS) {
          const result = yield { op: "call", cap: ctx.caps["ep"], bytes: request };
          if (result.ok) replies++;
        }
      },
    }],
  });
  kernel.grant(server, "endpoint", endpoint, { rights: ["receive"], name: "ep" });
  kernel.grant(client, "endpoint", endpoint, { rights: ["call"], name: "ep" });
  kernel.start(server);
  kernel.start(client);
  while (replies < ROUND_TRIPS && engine.step());
  if (replies !== ROUND_TRIPS) throw new Error(`Ping-pong made ${replies} round trips`);
  return replies;
}

/** The UART line raised every {@linkcode IRQ_PERIOD_NS}, taken, delivered and acknowledged. */
function irqStorm(): number {
  const { engine, board, kernel } = handsetKernel();
  let delivered = 0;
  const owner = kernel.createCell({
    name: "driver",
    ramBytes: 4096,
    vcpus: [{
      priority: 200,
      *program(ctx) {
        for (;;) {
          const virqs = yield { op: "wait" };
          if (virqs.ok) delivered++;
          yield { op: "irqAck", cap: ctx.caps["irq:uart"] };
        }
      },
    }],
  });
  kernel.grantIrq(owner, "uart");
  kernel.start(owner);
  const line = board.irqLine("uart");
  const raise = (): void => {
    board.interrupts.raise(line);
    if (delivered < DELIVERIES) engine.after(IRQ_PERIOD_NS, raise);
  };
  engine.after(IRQ_PERIOD_NS, raise);
  while (delivered < DELIVERIES && engine.step());
  if (delivered !== DELIVERIES) throw new Error(`IRQ storm delivered ${delivered} vIRQs`);
  return delivered;
}

/**
 * Measures both workloads, interleaved, best of five after two warm-ups.
 *
 * @returns `ipc_roundtrips_per_s` and `irq_deliveries_per_s`.
 */
export function measure(): Promise<Record<string, number>> {
  const rates = bestRates({ ipc: pingPong, irq: irqStorm }, { warmups: 2, repetitions: 5 });
  return Promise.resolve({ ipc_roundtrips_per_s: rates.ipc, irq_deliveries_per_s: rates.irq });
}

const _module: BenchModule = { name, figures, measure };
