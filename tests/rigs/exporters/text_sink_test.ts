import assert from "node:assert/strict";
import { fileSink, memorySink } from "../../../rigs/exporters/text_sink.ts";

Deno.test("fileSink() writes everything, across its buffer, when closed", () => {
  const path = Deno.makeTempFileSync();
  const sink = fileSink(path);
  const line = "x".repeat(999) + "\n";
  for (let i = 0; i < 200; i++) sink.write(line);
  sink.close();
  sink.close();
  assert.equal(Deno.readTextFileSync(path), line.repeat(200));
  Deno.removeSync(path);
});

Deno.test("memorySink() keeps what was written", () => {
  const { sink, text } = memorySink();
  sink.write("ab");
  sink.write("c");
  assert.equal(text(), "abc");
});
