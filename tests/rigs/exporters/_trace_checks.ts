/** Checks on parsed Chrome Trace Event JSON shared by the exporter tests. */

import assert from "node:assert/strict";

export interface TraceEvent {
  ph: string;
  pid: number;
  tid?: number;
  ts: number;
  dur?: number;
  id?: number;
  name: string;
  cat?: string;
  s?: string;
  bp?: string;
  args?: Record<string, unknown>;
}

const ns = (us: number) => Math.round(us * 1000);

/** Asserts that on every (pid, tid) the complete slices nest and never partially overlap. */
export function assertNested(events: readonly TraceEvent[]): number {
  const threads = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== "X") continue;
    assert.ok(e.dur! > 0, `slice ${e.name} has a positive duration`);
    const key = `${e.pid}/${e.tid}`;
    (threads.get(key) ?? threads.set(key, []).get(key)!).push(e);
  }
  for (const [key, slices] of threads) {
    slices.sort((a, b) => ns(a.ts) - ns(b.ts) || ns(b.dur!) - ns(a.dur!));
    const stack: number[] = [];
    for (const s of slices) {
      const start = ns(s.ts), end = start + ns(s.dur!);
      while (stack.length > 0 && stack[stack.length - 1] <= start) stack.pop();
      if (stack.length > 0) {
        assert.ok(
          end <= stack[stack.length - 1],
          `thread ${key}: slice ${s.name} [${start}, ${end}) partially overlaps its parent ending ${
            stack[stack.length - 1]
          }`,
        );
      }
      stack.push(end);
    }
  }
  return threads.size;
}

/** Asserts that flows pair up ("s" and "f" with one id each) and bind to slices. */
export function assertFlows(events: readonly TraceEvent[]): number {
  const starts = new Map<number, TraceEvent>(), finishes = new Map<number, TraceEvent>();
  for (const e of events) {
    if (e.ph === "s") {
      assert.ok(!starts.has(e.id!), `flow ${e.id} starts once`);
      starts.set(e.id!, e);
    } else if (e.ph === "f") {
      assert.ok(!finishes.has(e.id!), `flow ${e.id} finishes once`);
      assert.equal(e.bp, "e");
      finishes.set(e.id!, e);
    }
  }
  assert.deepEqual([...starts.keys()].sort(), [...finishes.keys()].sort());
  const enclosed = (f: TraceEvent) =>
    events.some((e) =>
      e.ph === "X" && e.pid === f.pid && e.tid === f.tid && ns(e.ts) <= ns(f.ts) &&
      ns(f.ts) < ns(e.ts) + ns(e.dur!)
    );
  for (const [id, s] of starts) {
    const f = finishes.get(id)!;
    assert.ok(ns(f.ts) >= ns(s.ts), `flow ${id} goes forward in time`);
    assert.ok(enclosed(s) && enclosed(f), `flow ${id} binds to slices at both ends`);
  }
  return starts.size;
}
