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
 * the run. Needs write permission for the path. A write that fails during the run does not
 * stop it: the sink drops the rest and {@linkcode TextSink.close} throws the error.
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
  // A write that fails while the run goes on (the disk filled) must not end the run: the
  // rest of the text is dropped and close() reports the failure, after the run.
  let failure: unknown;
  const flush = () => {
    if (size === 0) return;
    const bytes = encoder.encode(parts.join(""));
    parts = [];
    size = 0;
    try {
      for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
    } catch (error) {
      failure = error;
    }
  };
  let closed = false;
  return {
    write(text: string) {
      if (failure !== undefined) return;
      parts.push(text);
      size += text.length;
      if (size >= FLUSH_CHARS) flush();
    },
    close() {
      if (closed) return;
      closed = true;
      if (failure === undefined) flush();
      file.close();
      if (failure !== undefined) throw failure;
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
