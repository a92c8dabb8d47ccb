// Runs any guest program as a FOTA-updatable service (private to guests/): the update
// protocol of the device manager (state handover, health check, go-live) wrapped around the
// program's own operations, so an RTOS or a native program can be updated over the air.
//
// The first instance (cell X) runs the program at once; on vIRQ "handover" it sends its state
// on `send:X->X.b`. A standby instance (cell X.b) waits for that state message, signals health
// (flags 1) on `signal:MANAGER:health`, waits for "golive", acknowledges it (flags 2) and only
// then starts the program. The protocol's vIRQs are taken out of what the program sees.

import type { DeliveredVirq, OperationResult } from "../kernel/abi.ts";
import type { GuestContext, ProgramFactory } from "../kernel/objects/cell.ts";
import { type Guest, receive, send, signal, wait } from "./program.ts";

const STATE_MAGIC = new TextEncoder().encode("MVST");
const PROTOCOL = new Set(["handover", "golive"]);

/** The peer instance's cell name: X for X.b, X.b for X. */
export function peerOf(cell: string): string {
  return cell.endsWith(".b") ? cell.slice(0, -2) : `${cell}.b`;
}

/**
 * Runs `factory`'s program under the update protocol.
 *
 * @param ctx The guest context.
 * @param factory The service's own program.
 * @param healthy Whether a standby signals health (false: the "no-health" variant).
 * @returns Never, unless the program returns.
 */
export function* runUpdatable(
  ctx: GuestContext,
  factory: ProgramFactory,
  healthy: boolean,
): Guest {
  const peer = peerOf(ctx.cell);
  const health = Object.entries(ctx.caps).find(([name]) => /^signal:[^:]+:health$/.test(name))?.[1];
  const stateIn = ctx.caps[`receive:${peer}->${ctx.cell}`];
  if (stateIn !== undefined) {
    // A standby: take the state over, report health, go live when told.
    let restored = false;
    while (!restored) {
      for (const virq of yield* wait()) {
        if (virq.name !== `channel:${peer}->${ctx.cell}`) continue;
        const message = yield* receive(stateIn);
        if (message.ok && message.value !== undefined && isState(message.value.bytes)) {
          restored = true;
        }
      }
    }
    ctx.trace("service.state", () => ({ from: peer }));
    if (healthy && health !== undefined) yield* signal(health, 1);
    let live = false;
    while (!live) for (const virq of yield* wait()) live ||= virq.name === "golive";
    ctx.trace("service.live", () => ({}));
    if (healthy && health !== undefined) yield* signal(health, 2);
  }
  const stateOut = ctx.caps[`send:${ctx.cell}->${peer}`];
  const program = factory(ctx);
  let input: OperationResult = { ok: true, value: undefined };
  for (;;) {
    const step = program.next(input);
    if (step.done) return;
    input = yield step.value;
    const virqs = virqsOf(input);
    if (virqs === undefined || !virqs.some((v) => PROTOCOL.has(v.name))) continue;
    for (const virq of virqs) {
      if (virq.name === "handover" && stateOut !== undefined) {
        const state = new Uint8Array(8);
        state.set(STATE_MAGIC);
        yield* send(stateOut, state);
        ctx.trace("service.handover", () => ({ to: peer }));
      }
    }
    input = withVirqs(input, virqs.filter((v) => !PROTOCOL.has(v.name)));
  }
}

function isState(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && STATE_MAGIC.every((b, i) => bytes[i] === b);
}

/** The vIRQs a result carries: a wait/poll list or an interrupted compute's. */
function virqsOf(result: OperationResult): readonly DeliveredVirq[] | undefined {
  if (!result.ok) return undefined;
  const value = result.value as unknown;
  if (Array.isArray(value)) return value as DeliveredVirq[];
  if (value !== null && typeof value === "object" && "virqs" in value) {
    return (value as { virqs: readonly DeliveredVirq[] }).virqs;
  }
  return undefined;
}

function withVirqs(result: OperationResult, virqs: readonly DeliveredVirq[]): OperationResult {
  const value = (result as { value: unknown }).value;
  return Array.isArray(value)
    ? { ok: true, value: virqs }
    : { ok: true, value: { ...(value as object), virqs } };
}
