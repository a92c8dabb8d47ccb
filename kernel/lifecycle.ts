/**
 * Cell lifecycle: start, stop, suspend, resume, zeroize and destroy a cell, halt a vCPU, and
 * switch a service over from one cell to another (FOTA).
 *
 * @module
 */

import { PAGE_SIZE } from "../hw/physical_memory.ts";
import { mixDigest, mixNumber, mixString, type RecordLayout } from "../hw/fingerprint.ts";
import { COUNTED_KINDS, SAMPLED_KINDS } from "../hw/trace_bus.ts";
import type { GuestError } from "./abi.ts";
import { returnDonation } from "./budget.ts";
import { leaveCore, makeReady } from "./dispatcher.ts";
import type { KernelState } from "./_kernel_state.ts";
import { Capability } from "./objects/capability.ts";
import type { Cell, GuestContext } from "./objects/cell.ts";
import type { Vcpu } from "./objects/vcpu.ts";

/**
 * Starts a loaded, stopped or wiped cell: takes and maps its RAM if needed, starts every
 * vCPU's program from the beginning.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @returns An error if the cell cannot start, else `undefined`.
 */
export function start(kernel: KernelState, cell: Cell): GuestError | undefined {
  if (cell.state === "running" || cell.state === "suspended") {
    return { kind: "IllegalState", message: `cell "${cell.name}" is already ${cell.state}` };
  }
  if (cell.state === "destroyed") {
    return { kind: "IllegalState", message: `cell "${cell.name}" was destroyed` };
  }
  if (cell.frames.length === 0) {
    const frames = kernel.frames.allocate(cell.ramBytes / PAGE_SIZE);
    if (frames === undefined) {
      return {
        kind: "IllegalState",
        message: `cell "${cell.name}" needs ${cell.ramBytes} bytes of RAM; ${
          kernel.frames.freeFrames * PAGE_SIZE
        } free`,
      };
    }
    cell.frames = frames;
    frames.forEach((frame, i) => {
      cell.space.map(i * PAGE_SIZE, {
        frame,
        read: true,
        write: true,
        execute: true,
        kind: "ram",
      });
    });
  }
  setState(kernel, cell, "running");
  cell.vcpus.forEach((vcpu, index) => {
    vcpu.program = cell.programs[index](context(kernel, cell, index));
    vcpu.pendingResult = { ok: true, value: undefined };
    vcpu.pendingOp = undefined;
    vcpu.computeRemaining = 0;
    vcpu.priority = vcpu.basePriority;
    vcpu.virqInterrupts = false;
    makeReady(kernel, vcpu);
  });
  return undefined;
}

/**
 * Stops a cell: halts its vCPUs, drops their timers and IPC state. Memory is kept.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 */
export function stop(kernel: KernelState, cell: Cell): void {
  for (const vcpu of cell.vcpus) halt(kernel, vcpu);
  for (const channel of kernel.channels.values()) if (channel.receiver === cell) channel.clear();
  if (cell.state !== "wiped" && cell.state !== "destroyed") setState(kernel, cell, "stopped");
}

/**
 * Suspends a running cell: its vCPUs stop being scheduled but keep their state.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 */
export function suspend(kernel: KernelState, cell: Cell): void {
  if (cell.state !== "running") return;
  for (const vcpu of cell.vcpus) {
    if (vcpu.state === "ready") kernel.policy.remove(vcpu);
    if (vcpu.state === "ready" || vcpu.state === "running") {
      leaveCore(kernel, vcpu);
      vcpu.state = "blocked";
      vcpu.blockedOn = "suspended";
    }
  }
  setState(kernel, cell, "suspended");
}

/**
 * Resumes a suspended cell.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 */
export function resume(kernel: KernelState, cell: Cell): void {
  if (cell.state !== "suspended") return;
  setState(kernel, cell, "running");
  for (const vcpu of cell.vcpus) if (vcpu.blockedOn === "suspended") makeReady(kernel, vcpu);
}

/**
 * Zeroizes a stopped cell: every RAM frame is zeroed, unmapped and returned to the free pool.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 * @returns How many frames were zeroed.
 */
export function zeroize(kernel: KernelState, cell: Cell): number {
  // A destroyed cell stays destroyed (zeroizing it again must not make it startable).
  if (cell.state === "destroyed") return 0;
  if (cell.state === "running" || cell.state === "suspended") stop(kernel, cell);
  const frames = cell.frames;
  for (const frame of frames) kernel.board.memory.zero(frame, PAGE_SIZE);
  for (const [address, mapping] of cell.space.entries()) {
    if (mapping.kind === "ram") cell.space.unmap(address);
  }
  kernel.frames.free(frames);
  cell.frames = [];
  setState(kernel, cell, "wiped");
  kernel.emit("memory.zeroize", cell.name, {
    frames: frames.length,
    bytes: frames.length * PAGE_SIZE,
  });
  return frames.length;
}

/**
 * Destroys a cell: stops and zeroizes it, revokes every capability it holds and every
 * capability naming it, and removes every mapping.
 *
 * @param kernel The kernel.
 * @param cell The cell.
 */
export function destroy(kernel: KernelState, cell: Cell): void {
  zeroize(kernel, cell);
  for (const cap of cell.caps.clear()) cap.revokeSelf();
  for (const other of kernel.cells.values()) {
    for (const [, cap] of other.caps.entries()) {
      if (
        cap.object === cell ||
        (cap.type === "virq" && (cap.object as { cell: Cell }).cell === cell)
      ) {
        cap.revokeSelf();
      }
    }
  }
  for (const [line, route] of kernel.routes) {
    if (route.cell === cell) {
      kernel.routes.delete(line);
      kernel.interrupts.disable(line);
    }
  }
  for (const channel of kernel.channels.values()) {
    if (channel.receiver === cell) channel.receiver = undefined;
  }
  cell.space.clear();
  cell.windows.clear();
  setState(kernel, cell, "destroyed");
}

/**
 * Atomically moves a service from one cell to another: channels that notified the old cell
 * notify the new one, and IRQ lines owned by the old cell are routed to the new one.
 *
 * @param kernel The kernel.
 * @param from The old instance.
 * @param to The new instance.
 * @returns The number of channels and lines moved.
 */
export function switchService(
  kernel: KernelState,
  from: Cell,
  to: Cell,
): { channels: number; lines: number } {
  let channels = 0, lines = 0;
  for (const channel of kernel.channels.values()) {
    if (channel.receiver === from) {
      channel.receiver = to;
      channel.receiverVirq = to.virq(`channel:${channel.name}`);
      // Only the new instance may receive from now on.
      for (const [, cap] of from.caps.entries()) {
        if (cap.object === channel && cap.rights.has("receive")) cap.revokeSelf();
      }
      const receiveName = `receive:${channel.name}`;
      const index = to.caps.indexOf(receiveName);
      const cap = index === undefined ? undefined : to.caps.at(index);
      if (cap === undefined || cap.revoked || cap.object !== channel) {
        to.caps.insert(new Capability("channel", channel, ["receive"]), receiveName);
      }
      channels++;
    }
  }
  for (const [line, route] of kernel.routes) {
    if (route.cell === from) {
      const name = from.virqName(route.virq);
      route.cell = to;
      route.vcpu = to.vcpus[0];
      route.virq = to.virq(name);
      kernel.interrupts.setTarget(line, route.vcpu.affinity);
      // The old instance loses the line: its capability (and copies) are revoked; the new
      // one uses the capability it holds as a standby, or gets a fresh one.
      route.capability.revokeSelf();
      const held = to.caps.indexOf(`irq:${name}`);
      const heldCap = held === undefined ? undefined : to.caps.at(held);
      if (heldCap !== undefined && !heldCap.revoked && heldCap.type === "irq") {
        route.capability = heldCap;
      } else {
        route.capability = new Capability("irq", { line }, ["ack"]);
        to.caps.insert(route.capability, `irq:${name}`);
      }
      lines++;
    }
  }
  kernel.emit("cell.switch", to.name, { from: from.name, channels, lines });
  return { channels, lines };
}

/**
 * Halts a vCPU: off its core and queues, timers dropped; callers waiting on its reply get
 * `PeerStopped`, and any donation to or from it is returned.
 *
 * @param kernel The kernel.
 * @param vcpu The vCPU.
 */
export function halt(kernel: KernelState, vcpu: Vcpu): void {
  if (vcpu.state === "ready") kernel.policy.remove(vcpu);
  leaveCore(kernel, vcpu);
  if (vcpu.wakeHandle >= 0) kernel.engine.cancel(vcpu.wakeHandle);
  if (vcpu.timerHandle >= 0) kernel.engine.cancel(vcpu.timerHandle);
  vcpu.wakeHandle = vcpu.timerHandle = -1;
  vcpu.timerPeriodNs = -1;
  // Callers waiting on this vCPU's reply, or queued on endpoints, are released with an error.
  for (const endpoint of kernel.endpoints.values()) {
    const receiverIndex = endpoint.receivers.indexOf(vcpu);
    if (receiverIndex >= 0) endpoint.receivers.splice(receiverIndex, 1);
    const callerIndex = endpoint.callers.findIndex((call) => call.caller === vcpu);
    if (callerIndex >= 0) endpoint.callers.splice(callerIndex, 1);
  }
  if (vcpu.replyTo !== undefined && vcpu.replyTo.state === "blocked") {
    makeReady(kernel, vcpu.replyTo, {
      ok: false,
      error: { kind: "PeerStopped", message: `cell "${vcpu.cell.name}" stopped before replying` },
    });
  }
  for (const cell of kernel.cells.values()) {
    for (const other of cell.vcpus) {
      if (other.replyTo === vcpu) other.replyTo = undefined;
    }
  }
  vcpu.replyTo = undefined;
  returnDonation(kernel, vcpu);
  for (const cell of kernel.cells.values()) {
    for (const other of cell.vcpus) if (other.donor === vcpu) returnDonation(kernel, other);
  }
  vcpu.virqs.clear();
  vcpu.injectPending = false;
  vcpu.computeRemaining = 0;
  vcpu.pendingOp = undefined;
  vcpu.program = undefined;
  vcpu.state = "halted";
  vcpu.blockedOn = "none";
}

function setState(kernel: KernelState, cell: Cell, state: Cell["state"]): void {
  cell.state = state;
  kernel.emit("cell.state", cell.name, {
    state,
    image: cell.image.name,
    version: cell.image.version,
  });
}

function context(kernel: KernelState, cell: Cell, index: number): GuestContext {
  const engine = kernel.engine;
  return {
    cell: cell.name,
    vcpu: index,
    caps: cell.caps.liveNames(),
    virqs: cell.virqView,
    ram: { base: 0, size: cell.ramBytes },
    windows: Object.fromEntries(cell.windows),
    clockHz: kernel.cores[cell.vcpus[index].affinity].clockHz,
    image: cell.image,
    random: (name: string) => engine.random(`${cell.name}.${index}.${name}`),
    trace: (kind, fields, layout, fieldsHash, sampleKey, sampleValue) => {
      const bus = kernel.trace;
      if (!bus.active) return;
      if (fieldsHash === undefined) {
        return kernel.emit(kind, cell.name, fields(), layout as RecordLayout);
      }
      // The record's identity comes last, as KernelState.emit adds it: time, kind, source.
      const time = engine.now;
      const hash = mixDigest(mixString(mixNumber(fieldsHash, time), kind), cell.nameDigest);
      if (!bus.recordsWanted) {
        if (COUNTED_KINDS.has(kind)) return bus.emitCount(hash, time, kind, cell.name);
        if (sampleKey !== undefined && sampleValue !== undefined && SAMPLED_KINDS.has(kind)) {
          return bus.emitSample(hash, time, kind, cell.name, sampleKey, sampleValue);
        }
      }
      kernel.emit(kind, cell.name, fields(), layout as RecordLayout, hash);
    },
  };
}
