/**
 * The FOTA-managed service (private; `manager.ts` exports its recipe): a boot loader that reads
 * the image header and body through the cell's read-only `image` window (its flash slot),
 * checks the body digest, and boots the program variant the header names.
 *
 * Variants:
 * - `good`: serves client channel messages (counting them in RAM word 0), hands its state over
 *   on vIRQ `handover` (a state message on its `send:SELF->PEER` channel), restores state from a
 *   state message and then signals health (flags 1) on its `signal:MANAGER:health` capability,
 *   and acknowledges vIRQ `golive` with health flags 2.
 * - `no-health`: like `good` but never signals health.
 * - `crash-on-boot`: writes to an unmapped address right after booting (a fault; with the
 *   recipe's fault policy "stop" the kernel stops the cell).
 *
 * Trace records: `service.boot` {name, version, variant}, `service.boot_refused` {reason},
 * `service.event` {events}, `service.handover` {events}, `service.state` {events},
 * `service.live` {}, `service.crash` {}.
 */

import { sha256 } from "npm:@noble/hashes@2.4.0/sha2.js";
import type { GuestContext, ProgramFactory } from "../kernel/objects/cell.ts";
import { runUpdatable } from "./_updatable.ts";
import { bytesEqual, IMAGE_HEADER_BYTES, parseImageHeader } from "./_manager_image.ts";
import { compute, type Guest, read, receive, send, signal, wait, write } from "./program.ts";

/** What a variant learns about the image it was booted from. */
export interface BootedImage {
  /** Service name. */
  readonly name: string;
  /** Version. */
  readonly version: string;
  /** Variant. */
  readonly variant: string;
}

/** A program variant an image can name. */
export type ServiceVariant = (ctx: GuestContext, image: BootedImage) => Guest;

const STATE_MAGIC = new TextEncoder().encode("MVST");

/** Options of the service program. */
export interface ServiceOptions {
  /** Cycles to handle one client message; default 5,000. */
  readonly eventCycles?: number;
  /** Cycles per body byte to hash the image at boot; default 20. */
  readonly hashCyclesPerByte?: number;
  /** Extra or replacement variants by name. */
  readonly variants?: Readonly<Record<string, ServiceVariant>>;
  /**
   * The service's own program (e.g. an RTOS): the `good` and `no-health` variants run it under
   * the update protocol instead of the built-in message-counting service.
   */
  readonly program?: ProgramFactory;
}

/** The boot loader: verify the image in the `image` window, then run its variant. */
export function* bootService(ctx: GuestContext, options: ServiceOptions): Guest {
  const variants: Record<string, ServiceVariant> = {
    good: (c, image) =>
      options.program === undefined
        ? serve(c, image, options, true)
        : runUpdatable(c, options.program, true),
    "no-health": (c, image) =>
      options.program === undefined
        ? serve(c, image, options, false)
        : runUpdatable(c, options.program, false),
    "crash-on-boot": crashOnBoot,
    ...options.variants,
  };
  const refuse = (reason: string) => ctx.trace("service.boot_refused", () => ({ reason }));
  const window = ctx.windows["image"];
  if (window === undefined) return refuse("no-image-window");
  const head = yield* read(window.base, IMAGE_HEADER_BYTES);
  if (!head.ok) return refuse("header-unreadable");
  const header = parseImageHeader(head.value);
  if (typeof header === "string") return refuse(header);
  if (IMAGE_HEADER_BYTES + header.bodyBytes > window.size) return refuse("bad-size");
  const body = yield* read(window.base + IMAGE_HEADER_BYTES, header.bodyBytes);
  if (!body.ok) return refuse("body-unreadable");
  yield* compute(header.bodyBytes * (options.hashCyclesPerByte ?? 20));
  if (!bytesEqual(sha256(body.value), header.bodySha256)) return refuse("digest");
  const variant = variants[header.variant];
  if (variant === undefined) return refuse("unknown-variant");
  const image = { name: header.name, version: header.version, variant: header.variant };
  ctx.trace("service.boot", () => ({ ...image }));
  yield* variant(ctx, image);
}

function* crashOnBoot(ctx: GuestContext): Guest {
  ctx.trace("service.crash", () => ({}));
  yield* write(0xdead_0000, new Uint8Array(4));
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

function* serve(
  ctx: GuestContext,
  image: BootedImage,
  options: ServiceOptions,
  healthy: boolean,
): Guest {
  const find = (pattern: RegExp) =>
    Object.entries(ctx.caps).find(([name]) => pattern.test(name))?.[1];
  const health = find(/^signal:[^:]+:health$/);
  const handover = find(new RegExp(`^send:${escape(ctx.cell)}->`));
  let events = 0;
  for (;;) {
    const virqs = yield* wait();
    for (const virq of virqs) {
      if (virq.name === "handover" && handover !== undefined) {
        const message = new Uint8Array(8);
        message.set(STATE_MAGIC);
        message.set(u32(events), 4);
        yield* send(handover, message);
        ctx.trace("service.handover", () => ({ events }));
      } else if (virq.name === "golive") {
        ctx.trace("service.live", () => ({ version: image.version }));
        if (healthy && health !== undefined) yield* signal(health, 2);
      } else if (virq.name.startsWith("channel:")) {
        const cap = ctx.caps[`receive:${virq.name.slice("channel:".length)}`];
        if (cap === undefined) continue;
        for (;;) {
          const message = yield* receive(cap);
          if (!message.ok || message.value === undefined) break;
          const bytes = message.value.bytes;
          if (bytes.length === 8 && bytesEqual(bytes.subarray(0, 4), STATE_MAGIC)) {
            events = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
            yield* write(0, u32(events));
            ctx.trace("service.state", () => ({ events }));
            if (healthy && health !== undefined) yield* signal(health, 1);
            continue;
          }
          events++;
          yield* write(0, u32(events));
          yield* compute(options.eventCycles ?? 5_000);
          ctx.trace("service.event", () => ({ events, version: image.version }));
        }
      }
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
