import assert from "node:assert/strict";
import { PageWalk } from "../../hw/_pages.ts";

function spans(walk: PageWalk, offset: number, length: number): number[][] {
  const out: number[][] = [];
  walk.over(offset, length);
  while (walk.next()) out.push([walk.index, walk.start, walk.count, walk.done]);
  return out;
}

Deno.test("PageWalk.next() splits a range at page boundaries", () => {
  const walk = new PageWalk(16);
  assert.deepEqual(spans(walk, 10, 30), [[0, 10, 6, 0], [1, 0, 16, 6], [2, 0, 8, 22]]);
  assert.deepEqual(spans(walk, 32, 16), [[2, 0, 16, 0]]);
});

Deno.test("PageWalk.next() yields no span for an empty range", () => {
  assert.deepEqual(spans(new PageWalk(4096), 100, 0), []);
});

Deno.test("PageWalk.over() restarts a walk that was abandoned", () => {
  const walk = new PageWalk(8);
  walk.over(0, 64);
  walk.next();
  walk.next();
  assert.deepEqual(spans(walk, 4, 8), [[0, 4, 4, 0], [1, 0, 4, 4]]);
});
