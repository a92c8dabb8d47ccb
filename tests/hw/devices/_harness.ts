import { Engine } from "../../../hw/engine.ts";
import { InterruptController } from "../../../hw/interrupt_controller.ts";

/** An engine, a controller, and the times each line was taken (acked and ended at once). */
export function harness(kind: "gic" | "vic" = "vic") {
  const engine = new Engine();
  const interrupts = new InterruptController(engine, { kind, cores: 1, lines: 256 });
  const taken: { line: number; time: number }[] = [];
  interrupts.connect(0, (core) => {
    const line = interrupts.acknowledge(core);
    taken.push({ line, time: engine.now });
    interrupts.endOfInterrupt(core, line);
  });
  for (let line = kind === "gic" ? 32 : 0; line < 256; line++) interrupts.enable(line);
  const times = (line: number) => taken.filter((t) => t.line === line).map((t) => t.time);
  return { engine, interrupts, taken, times };
}

/** A little-endian word as bytes. */
export function word(value: number): Uint8Array {
  return new Uint8Array([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24]);
}

/** Reads a little-endian word from a device. */
export function readWord(
  device: { read(offset: number, length: number): Uint8Array },
  offset: number,
): number {
  const b = device.read(offset, 4);
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}
