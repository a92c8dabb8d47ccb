/**
 * Where exporters write text: a buffered synchronous file writer (trace subscribers run
 * synchronously inside the simulation, so writes must not await) or an in-memory collector.
 *
 * @module
 */

/** A destination for exported text. */
export interface TextSink {
  /** Appends text. */
  write(text: string): void;
  /** Flushes and releases the destination. */
  close(): void;
}

const FLUSH_CHARS = 1 << 16;

/**
 * A sink that writes to a file through a 64 KiB buffer, so memory stays bounded however long
 * the run. Needs write permission for the path.
 *
 * @param path The file (created or truncated).
 * @returns The sink.
 *
 * @example Usage
 * ```ts ignore
 * import { fileSink } from "./text_sink.ts";
 * const sink = fileSink("out.txt");
 * sink.write("hello\n");
 * sink.close();
 * ```
 */
export function fileSink(path: string): TextSink {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    const bytes = encoder.encode(parts.join(""));
    parts = [];
    size = 0;
    for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
  };
  let closed = false;
  return {
    write(text: string) {
      parts.push(text);
      size += text.length;
      if (size >= FLUSH_CHARS) flush();
    },
    close() {
      if (closed) return;
      closed = true;
      flush();
      file.close();
    },
  };
}

/**
 * A sink that keeps everything in memory (for tests and for reports built in one piece).
 *
 * @returns The sink and a function returning what was written.
 *
 * @example Usage
 * ```ts
 * import { memorySink } from "./text_sink.ts";
 * import assert from "node:assert/strict";
 * const { sink, text } = memorySink();
 * sink.write("a");
 * sink.write("b");
 * sink.close();
 * assert.equal(text(), "ab");
 * ```
 */
export function memorySink(): { sink: TextSink; text: () => string } {
  const parts: string[] = [];
  return {
    sink: { write: (text) => void parts.push(text), close: () => {} },
    text: () => parts.join(""),
  };
}
