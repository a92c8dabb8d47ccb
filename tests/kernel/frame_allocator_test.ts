import assert from "node:assert/strict";
import { FrameAllocator } from "../../kernel/frame_allocator.ts";

const BASE = 0x8000_0000;
const PAGE = 4096;

Deno.test("frame allocator: frames go lowest first, freed ones before new ones", () => {
  const frames = new FrameAllocator(BASE, 8 * PAGE);
  assert.equal(frames.totalFrames, 8);
  const a = frames.allocate(3)!;
  assert.deepEqual(a, [BASE, BASE + PAGE, BASE + 2 * PAGE]);
  const b = frames.allocate(2)!;
  assert.deepEqual(b, [BASE + 3 * PAGE, BASE + 4 * PAGE]);
  assert.equal(frames.freeFrames, 3);
  // Freed in any order, reused lowest first, then the pool goes on where it stopped.
  frames.free([BASE + 2 * PAGE, BASE]);
  assert.equal(frames.freeFrames, 5);
  assert.deepEqual(frames.allocate(3), [BASE, BASE + 2 * PAGE, BASE + 5 * PAGE]);
  assert.equal(frames.freeFrames, 2);
});

Deno.test("frame allocator: a request above what is free gets nothing and takes nothing", () => {
  const frames = new FrameAllocator(BASE, 4 * PAGE);
  frames.allocate(3);
  assert.equal(frames.allocate(2), undefined);
  assert.equal(frames.freeFrames, 1);
  assert.deepEqual(frames.allocate(1), [BASE + 3 * PAGE]);
  assert.equal(frames.freeFrames, 0);
});

Deno.test("frame allocator: only the pool's own allocated frames count as allocated", () => {
  const frames = new FrameAllocator(BASE, 4 * PAGE);
  frames.allocate(2);
  assert.equal(frames.isAllocated(BASE), true);
  assert.equal(frames.isAllocated(BASE + PAGE), true);
  assert.equal(frames.isAllocated(BASE + 2 * PAGE), false, "free frame of the pool");
  assert.equal(frames.isAllocated(BASE + 12), false, "not a frame's address");
  assert.equal(frames.isAllocated(BASE - PAGE), false, "below the pool");
  assert.equal(frames.isAllocated(BASE + 4 * PAGE), false, "above the pool");
  assert.equal(frames.isAllocated(Number.NaN), false);
});

Deno.test("frame allocator: freeing a frame twice, or one it never gave, changes nothing", () => {
  const frames = new FrameAllocator(BASE, 4 * PAGE);
  const taken = frames.allocate(2)!;
  frames.free(taken);
  frames.free(taken);
  frames.free([BASE + 3 * PAGE, BASE + 8 * PAGE, BASE + 1]);
  assert.equal(frames.freeFrames, 4);
  // Each freed frame is handed out once.
  assert.deepEqual(frames.allocate(4), [BASE, BASE + PAGE, BASE + 2 * PAGE, BASE + 3 * PAGE]);
  assert.equal(frames.allocate(1), undefined);
});
