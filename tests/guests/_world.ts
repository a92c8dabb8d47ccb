// Shared world for guest tests: a handset board, a kernel, cells loaded from recipes with the
// recipe naming conventions, trace capture, memory inspection, and small stand-in cells (a
// periodic RTOS-like task, a rich-OS-like PIN client) so these tests do not depend on the
// RTOS and rich-OS guests other engineers build.
import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import type { Board } from "../../hw/board.ts";
import type { Engine } from "../../hw/engine.ts";
import { PAGE_SIZE } from "../../hw/physical_memory.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { Microvisor } from "../../kernel/microvisor.ts";
import type { Cell } from "../../kernel/objects/cell.ts";
import {
  call,
  compute,
  cyclesFor,
  type Guest,
  now,
  receive,
  sleep,
  timer,
  wait,
} from "../../guests/program.ts";
import type { GuestRecipe } from "../../guests/recipe.ts";
import { connect, load, makeRig } from "./_setup.ts";

export interface World {
  engine: Engine;
  board: Board;
  kernel: Microvisor;
  records: TraceRecord[];
  of(kind: string, source?: string): TraceRecord[];
  load(name: string, recipe: GuestRecipe): Cell;
  endpoint(server: string, clients: string[]): void;
  channel(from: string, to: string, options?: { slots?: number; maxBytes?: number }): void;
  run(untilNs: number): void;
}

export function makeWorld(options: { seed?: number } = {}): World {
  // The board, kernel and trace capture, and the recipe loader, are the guest tests' shared ones.
  const rig = makeRig({ seed: options.seed });
  const { engine, kernel } = rig;
  return {
    ...rig,
    load: (name, recipe) => load(rig, name, recipe),
    endpoint(server, clients) {
      const endpoint = kernel.createEndpoint(server);
      kernel.grant(kernel.cell(server), "endpoint", endpoint, {
        rights: ["receive"],
        name: `serve:${server}`,
      });
      clients.forEach((client, i) =>
        kernel.grant(kernel.cell(client), "endpoint", endpoint, {
          rights: ["call"],
          name: `call:${server}`,
          badge: i + 1,
        })
      );
    },
    channel(from, to, options = {}) {
      connect(
        rig,
        kernel.cell(from),
        kernel.cell(to),
        options.slots ?? 16,
        options.maxBytes ?? 256,
      );
    },
    run(untilNs) {
      engine.run({ until: untilNs, maxEvents: 5_000_000 });
    },
  };
}

/** Physical frames (RAM and sections) mapped into a cell. */
export function framesOf(cell: Cell): number[] {
  return cell.space.entries()
    .filter(([, m]) => m.kind === "ram" || m.kind === "section")
    .map(([, m]) => m.frame);
}

/** Whether a byte sequence occurs in any of the frames (also across page boundaries). */
export function framesContain(world: World, frames: number[], needle: Uint8Array): boolean {
  for (const frame of frames) {
    const bytes = world.board.memory.read(frame, PAGE_SIZE);
    outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
      for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
      return true;
    }
  }
  // Sequences split across two frames: check each frame's tail with every frame's head.
  for (const a of frames) {
    const tail = world.board.memory.read(a + PAGE_SIZE - needle.length + 1, needle.length - 1);
    for (const b of frames) {
      const head = world.board.memory.read(b, needle.length - 1);
      const joined = new Uint8Array([...tail, ...head]);
      for (let i = 0; i + needle.length <= joined.length; i++) {
        if (needle.every((v, j) => joined[i + j] === v)) return true;
      }
    }
  }
  return false;
}

/** A hex SHA-256 over a cell's frames, in guest-address order. */
export function memoryFingerprint(world: World, cell: Cell): string {
  const parts = cell.space.entries()
    .filter(([, m]) => m.kind === "ram" || m.kind === "section")
    .sort(([a], [b]) => a - b)
    .map(([, m]) => world.board.memory.read(m.frame, PAGE_SIZE));
  const all = new Uint8Array(parts.length * PAGE_SIZE);
  parts.forEach((p, i) => all.set(p, i * PAGE_SIZE));
  return [...sha256(all)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An RTOS-like periodic cell: one task released every `periodNs` (from `periodNs`), running
 * `wcetNs`, deadline = period. Traces `task.finish` {release, finish, responseNs, missed}.
 * Channel vIRQs wake it too; it drains every `receive:*` channel it holds and goes on.
 */
export function periodicCell(
  options: { priority: number; periodNs: number; wcetNs: number },
): GuestRecipe {
  return {
    kind: "periodic",
    ramBytes: 16 * 1024,
    vcpus: [{
      priority: options.priority,
      *program(ctx) {
        const receivers = Object.entries(ctx.caps)
          .filter(([name]) => name.startsWith("receive:"))
          .map(([, index]) => index);
        yield* timer(options.periodNs);
        let next = options.periodNs;
        const cycles = cyclesFor(options.wcetNs, ctx.clockHz);
        for (;;) {
          const virqs = yield* wait();
          for (const cap of receivers) {
            for (;;) {
              const message = yield* receive(cap);
              if (!message.ok || message.value === undefined) break;
            }
          }
          const ticks = virqs.find((v) => v.name === "timer")?.count ?? 0;
          for (let i = 0; i < ticks; i++) {
            const release = next;
            next += options.periodNs;
            yield* compute(cycles);
            const finish = yield* now();
            ctx.trace("task.finish", () => ({
              release,
              finish,
              responseNs: finish - release,
              missed: finish - release > options.periodNs,
            }));
          }
        }
      },
    }],
  };
}

/**
 * A rich-OS-like client that asks the PIN cell for a PIN at the given times and traces each
 * reply as `client.reply` {bytes: hex}.
 */
export function pinClient(options: { priority: number; requestsAtNs: number[] }): GuestRecipe {
  return {
    kind: "pin-client",
    ramBytes: 16 * 1024,
    vcpus: [{
      priority: options.priority,
      *program(ctx): Guest {
        const cap = ctx.caps["call:pin"];
        for (const at of options.requestsAtNs) {
          const t = yield* now();
          if (at > t) yield* sleep(at - t);
          const result = yield* call(cap, new TextEncoder().encode("PIN?"));
          const hex = result.ok
            ? [...result.value.bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
            : `error:${result.error.kind}`;
          ctx.trace("client.reply", () => ({ bytes: hex }));
        }
      },
    }],
  };
}

/** Types a key sequence on the keypad, one key every `gapNs`, starting at `atNs`. */
export function typeKeys(world: World, keys: string, atNs: number, gapNs = 200_000): void {
  const keypad = world.board.device<{ press(key: string): void }>("keypad");
  [...keys].forEach((key, i) => world.engine.schedule(atNs + i * gapNs, () => keypad.press(key)));
}

/** The flash controller as the world sees it. */
export interface FlashDevice {
  program(offset: number, bytes: Uint8Array): number;
  readFlash(offset: number, length: number): Uint8Array;
  powerLoss(): void;
  readonly busy: boolean;
}

/**
 * Factory provisioning: programs flash contents before any cell starts (the engine runs
 * through the program times). Returns the time provisioning ended.
 */
export function provisionFlash(
  world: World,
  writes: { offset: number; bytes: Uint8Array }[],
): number {
  const flash = world.board.device<FlashDevice>("flash");
  for (const { offset, bytes } of writes) {
    const end = flash.program(offset, bytes);
    world.run(end);
  }
  return world.engine.now;
}

/** Guest address where the test maps flash windows (the kernel has no API for it yet). */
export const IMAGE_WINDOW_BASE = 0x7000_0000;

/**
 * Maps a flash range read-only into a cell as window `name` (execute-in-place flash, as a boot
 * loader sees its slot). Workaround: the kernel has no grant for a physical flash range, so the
 * test writes the stage-2 mapping itself before the cell starts.
 */
export function mapFlashWindow(
  world: World,
  cellName: string,
  name: string,
  range: { offset: number; bytes: number },
): void {
  const cell = world.kernel.cell(cellName);
  const region = world.board.memory.regions.find((r) => r.kind === "flash")!;
  for (let at = 0; at < range.bytes; at += PAGE_SIZE) {
    cell.space.map(IMAGE_WINDOW_BASE + at, {
      frame: region.base + range.offset + at,
      read: true,
      write: false,
      execute: true,
      kind: "device",
      object: `flash:${name}`,
    });
  }
  cell.windows.set(name, { base: IMAGE_WINDOW_BASE, size: range.bytes });
}

/** Full lifecycle rights for a manager. */
export const CONTROL_RIGHTS = ["start", "stop", "zeroize", "restart", "destroy", "switch"];

/** A cell that stores the first message of each `receive:*` channel at RAM 0x200, then idles. */
export function storeCell(options: { priority: number; pattern?: string }): GuestRecipe {
  return {
    kind: "store",
    ramBytes: 16 * 1024,
    vcpus: [{
      priority: options.priority,
      *program(ctx) {
        if (options.pattern !== undefined) {
          yield { op: "write", address: 0x400, bytes: new TextEncoder().encode(options.pattern) };
        }
        const receivers = Object.entries(ctx.caps).filter(([n]) => n.startsWith("receive:"));
        for (;;) {
          yield* wait();
          for (const [, cap] of receivers) {
            const message = yield* receive(cap);
            if (message.ok && message.value !== undefined) {
              yield { op: "write", address: 0x200, bytes: message.value.bytes };
            }
          }
        }
      },
    }],
  };
}

/** A cell that sends each message once, at the given times, on its `send:SELF->to` channel. */
export function senderCell(
  options: { priority: number; to: string; messages: { atNs: number; bytes: Uint8Array }[] },
): GuestRecipe {
  return {
    kind: "sender",
    ramBytes: 16 * 1024,
    vcpus: [{
      priority: options.priority,
      *program(ctx) {
        const cap = ctx.caps[`send:${ctx.cell}->${options.to}`];
        for (const message of options.messages) {
          const t = yield* now();
          if (message.atNs > t) yield* sleep(message.atNs - t);
          const result = yield { op: "send", cap, bytes: message.bytes };
          ctx.trace("sender.sent", () => ({ ok: result.ok }));
        }
      },
    }],
  };
}
