import assert from "node:assert/strict";
import fc from "fast-check";
import { type EventCallback, EventQueue, PRIORITY_CLASS_MAX } from "../../hw/event_queue.ts";

/** Pops every live event, calling each, and returns what the callbacks recorded. */
function drain(queue: EventQueue): string[] {
  const seen: string[] = [];
  for (;;) {
    const callback = queue.pop();
    if (callback === undefined) return seen;
    seen.push(`${queue.lastTime}:${(callback as (now: number) => string)(queue.lastTime)}`);
  }
}

function named(name: string): EventCallback {
  return (() => name) as unknown as EventCallback;
}

Deno.test("EventQueue.pop() returns events in time order", () => {
  const queue = new EventQueue();
  queue.push(30, named("c"), 0);
  queue.push(10, named("a"), 0);
  queue.push(20, named("b"), 0);
  assert.deepEqual(drain(queue), ["10:a", "20:b", "30:c"]);
});

Deno.test("EventQueue.pop() breaks time ties by priority class, then insertion order", () => {
  const queue = new EventQueue();
  queue.push(10, named("normal 1"), 100);
  queue.push(10, named("script"), 200);
  queue.push(10, named("normal 2"), 100);
  queue.push(10, named("hardware"), 10);
  queue.push(5, named("earlier script"), PRIORITY_CLASS_MAX);
  queue.push(10, named("normal 3"), 100);
  assert.deepEqual(drain(queue), [
    "5:earlier script",
    "10:hardware",
    "10:normal 1",
    "10:normal 2",
    "10:normal 3",
    "10:script",
  ]);
});

Deno.test("EventQueue.cancel() returns true once and the event never runs", () => {
  const queue = new EventQueue();
  queue.push(10, named("a"), 0);
  const b = queue.push(20, named("b"), 0);
  queue.push(30, named("c"), 0);
  assert.equal(queue.size, 3);
  assert.equal(queue.cancel(b), true);
  assert.equal(queue.size, 2);
  assert.equal(queue.cancel(b), false);
  assert.equal(queue.size, 2);
  assert.deepEqual(drain(queue), ["10:a", "30:c"]);
  assert.equal(queue.size, 0);
});

Deno.test("EventQueue.cancel() returns false after the event ran", () => {
  const queue = new EventQueue();
  const a = queue.push(10, named("a"), 0);
  assert.deepEqual(drain(queue), ["10:a"]);
  assert.equal(queue.cancel(a), false);
});

Deno.test("EventQueue.cancel() of a stale handle leaves the slot's new event alone", () => {
  const queue = new EventQueue(4);
  const fired = queue.push(10, named("fired"), 0);
  assert.deepEqual(drain(queue), ["10:fired"]);
  const cancelled = queue.push(20, named("cancelled"), 0);
  assert.equal(queue.cancel(cancelled), true);
  // Both new events reuse freed slots; the old handles must not reach them.
  const reused1 = queue.push(30, named("reused 1"), 0);
  const reused2 = queue.push(40, named("reused 2"), 0);
  assert.notEqual(reused1, fired);
  assert.notEqual(reused2, cancelled);
  assert.equal(queue.cancel(fired), false);
  assert.equal(queue.cancel(cancelled), false);
  assert.equal(queue.size, 2);
  assert.deepEqual(drain(queue), ["30:reused 1", "40:reused 2"]);
});

Deno.test("EventQueue.cancel() ignores handles it never issued", () => {
  const queue = new EventQueue();
  queue.push(10, named("a"), 0);
  assert.equal(queue.cancel(12345), false);
  assert.equal(queue.cancel(-1), false);
  assert.equal(queue.cancel(0.5), false);
  assert.equal(queue.size, 1);
});

Deno.test("EventQueue.peekTime() skips cancelled events and does not remove live ones", () => {
  const queue = new EventQueue();
  assert.equal(queue.peekTime(), undefined);
  const a = queue.push(10, named("a"), 0);
  queue.push(20, named("b"), 0);
  assert.equal(queue.peekTime(), 10);
  assert.equal(queue.peekTime(), 10);
  queue.cancel(a);
  assert.equal(queue.peekTime(), 20);
  assert.equal(queue.size, 1);
  assert.deepEqual(drain(queue), ["20:b"]);
  assert.equal(queue.peekTime(), undefined);
});

Deno.test("EventQueue.popDue() removes only events due by the given time", () => {
  const queue = new EventQueue();
  queue.push(10, named("a"), 0);
  queue.push(20, named("b"), 0);
  assert.equal(queue.popDue(9), undefined);
  assert.equal(queue.size, 2);
  assert.notEqual(queue.popDue(10), undefined);
  assert.equal(queue.lastTime, 10);
  assert.equal(queue.popDue(19), undefined);
  assert.equal(queue.size, 1);
});

Deno.test("EventQueue grows past its initial capacity and keeps the order", () => {
  const queue = new EventQueue(2);
  const count = 10_000;
  const handles: number[] = [];
  for (let i = 0; i < count; i++) {
    // A permutation of 0..count-1 so every time is distinct.
    handles.push(queue.push((i * 7_919) % count, named(String(i)), 0));
  }
  assert.equal(queue.size, count);
  for (let i = 0; i < count; i += 2) assert.equal(queue.cancel(handles[i]), true);
  assert.equal(queue.size, count / 2);
  let previous = -1;
  let popped = 0;
  for (;;) {
    const callback = queue.pop();
    if (callback === undefined) break;
    const index = Number((callback as (now: number) => string)(queue.lastTime));
    assert.equal(index % 2, 1, `cancelled event ${index} ran`);
    assert.ok(queue.lastTime > previous);
    previous = queue.lastTime;
    popped++;
  }
  assert.equal(popped, count / 2);
  assert.equal(queue.size, 0);
});

type Operation =
  | { kind: "push"; time: number; priorityClass: number }
  | { kind: "cancel"; pick: number }
  | { kind: "pop" }
  | { kind: "peek" };

interface ModelEvent {
  time: number;
  priorityClass: number;
  sequence: number;
}

Deno.test("EventQueue pops and peeks in (time, class, sequence) order like a sorted-array model", () => {
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("push" as const),
        time: fc.integer({ min: 0, max: 30 }),
        priorityClass: fc.integer({ min: 0, max: 3 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.constant({ kind: "pop" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "peek" as const }) },
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
      const queue = new EventQueue(4);
      const model: ModelEvent[] = [];
      const issued: { handle: number; event: ModelEvent }[] = [];
      let sequence = 0;
      const popped: ModelEvent[] = [];
      let cancelled = 0;
      const popBoth = (): void => {
        const callback = queue.pop();
        model.sort((a, b) =>
          a.time - b.time || a.priorityClass - b.priorityClass || a.sequence - b.sequence
        );
        const expected = model.shift();
        if (expected === undefined) {
          assert.equal(callback, undefined);
          return;
        }
        assert.notEqual(callback, undefined);
        const actual = (callback as unknown as () => ModelEvent)();
        assert.equal(actual, expected);
        assert.equal(queue.lastTime, expected.time);
        popped.push(actual);
      };
      for (const op of operations) {
        if (op.kind === "push") {
          const event = { time: op.time, priorityClass: op.priorityClass, sequence: sequence++ };
          const handle = queue.push(
            op.time,
            (() => event) as unknown as EventCallback,
            op.priorityClass,
          );
          issued.push({ handle, event });
          model.push(event);
        } else if (op.kind === "cancel") {
          if (issued.length === 0) continue;
          const { handle, event } = issued[op.pick % issued.length];
          const index = model.indexOf(event);
          assert.equal(queue.cancel(handle), index >= 0);
          if (index >= 0) {
            model.splice(index, 1);
            cancelled++;
          }
        } else if (op.kind === "peek") {
          const earliest = model.reduce((time, e) => Math.min(time, e.time), Infinity);
          assert.equal(queue.peekTime(), model.length > 0 ? earliest : undefined);
        } else {
          popBoth();
        }
        assert.equal(queue.size, model.length);
      }
      while (model.length > 0) popBoth();
      assert.equal(queue.pop(), undefined);
      assert.equal(queue.size, 0);
      for (const { handle } of issued) assert.equal(queue.cancel(handle), false);
      assert.equal(popped.length + cancelled, issued.length);
    }),
    { numRuns: 1_000 },
  );
});

Deno.test("EventQueue drains in nondecreasing (time, class, sequence) order", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5 }), fc.boolean()),
        {
          maxLength: 300,
        },
      ),
      (entries) => {
        const queue = new EventQueue(1);
        let sequence = 0;
        for (const [time, priorityClass, cancelled] of entries) {
          const key = [time, priorityClass, sequence++];
          const handle = queue.push(time, (() => key) as unknown as EventCallback, priorityClass);
          if (cancelled) queue.cancel(handle);
        }
        let previous = [-1, -1, -1];
        for (;;) {
          const callback = queue.pop();
          if (callback === undefined) break;
          const key = (callback as unknown as () => number[])();
          const ordered = key[0] > previous[0] ||
            (key[0] === previous[0] && key[1] > previous[1]) ||
            (key[0] === previous[0] && key[1] === previous[1] && key[2] > previous[2]);
          assert.ok(ordered, `popped ${key} after ${previous}`);
          previous = key;
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("EventQueue.cancel() of something that is not a handle returns false", () => {
  const queue = new EventQueue();
  const handle = queue.push(10, () => "a", 0);
  for (const bad of [-1, -(2 ** 22), handle + 0.5, NaN, Infinity, 2 ** 53, handle + 2 ** 22]) {
    assert.equal(queue.cancel(bad), false, `cancel(${bad})`);
  }
  assert.equal(queue.size, 1);
  assert.equal(queue.cancel(handle), true);
});

Deno.test("EventQueue keeps its order when cancelled far-ahead entries are compacted away", () => {
  // Each round schedules a far event and cancels it (a long compute cut short), so dead heap
  // entries pile up and compaction runs many times among the live ones.
  const queue = new EventQueue(4);
  const seen: number[] = [];
  for (let index = 0; index < 40; index++) {
    queue.push(1_000 + ((index * 37) % 40), () => seen.push(index), index % 3);
  }
  for (let round = 0; round < 500; round++) {
    assert.ok(queue.cancel(queue.push(1_000_000 + round, () => seen.push(-1), 0)));
  }
  assert.equal(queue.size, 40);
  while (queue.size > 0) queue.pop()!(queue.lastTime);
  const expected = Array.from({ length: 40 }, (_, index) => index).sort((a, b) =>
    ((a * 37) % 40) - ((b * 37) % 40) || (a % 3) - (b % 3) || a - b
  );
  assert.deepEqual(seen, expected);
});

Deno.test("EventQueue lanes hold one event each and take their turn among heap events like a sorted-array model", () => {
  type LaneOperation =
    | { kind: "push"; time: number; priorityClass: number }
    | { kind: "set"; lane: number; time: number; priorityClass: number }
    | { kind: "clear"; lane: number }
    | { kind: "pop" }
    | { kind: "peek" };
  const time = fc.integer({ min: 0, max: 30 });
  const priorityClass = fc.integer({ min: 0, max: 3 });
  const lane = fc.integer({ min: 0, max: 2 });
  const operation: fc.Arbitrary<LaneOperation> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("push" as const), time, priorityClass }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("set" as const), lane, time, priorityClass }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const), lane }) },
    { weight: 3, arbitrary: fc.constant({ kind: "pop" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "peek" as const }) },
  );
  fc.assert(
    fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
      const queue = new EventQueue(2);
      const lanes = [queue.openLane(), queue.openLane(), queue.openLane()];
      assert.deepEqual(lanes, [0, 1, 2]);
      // What each lane holds in the model, and every pending event in (time, class, sequence).
      const inLane: (ModelEvent | undefined)[] = [undefined, undefined, undefined];
      const model: ModelEvent[] = [];
      let sequence = 0;
      const ordered = () =>
        model.sort((a, b) =>
          a.time - b.time || a.priorityClass - b.priorityClass || a.sequence - b.sequence
        );
      for (const op of operations) {
        if (op.kind === "push" || op.kind === "set") {
          const event = { time: op.time, priorityClass: op.priorityClass, sequence };
          const callback = (() => event) as unknown as EventCallback;
          if (op.kind === "push") queue.push(op.time, callback, op.priorityClass);
          else if (inLane[op.lane] !== undefined) {
            assert.throws(
              () => queue.setLane(op.lane, op.time, callback, op.priorityClass),
              {
                name: "RangeError",
                message: `Cannot schedule: lane ${op.lane} already holds a pending event ` +
                  `(due at ${inLane[op.lane]!.time} ns); clear the lane first`,
              },
            );
            continue;
          } else {
            queue.setLane(op.lane, op.time, callback, op.priorityClass);
            inLane[op.lane] = event;
          }
          sequence++;
          model.push(event);
        } else if (op.kind === "clear") {
          const held = inLane[op.lane];
          assert.equal(queue.clearLane(op.lane), held !== undefined);
          if (held !== undefined) model.splice(model.indexOf(held), 1);
          inLane[op.lane] = undefined;
        } else if (op.kind === "peek") {
          assert.equal(queue.peekTime(), ordered()[0]?.time);
        } else {
          const expected = ordered().shift();
          const callback = queue.pop();
          if (expected === undefined) assert.equal(callback, undefined);
          else {
            assert.equal((callback as unknown as () => ModelEvent)(), expected);
            assert.equal(queue.lastTime, expected.time);
            const emptied = inLane.indexOf(expected);
            if (emptied >= 0) inLane[emptied] = undefined;
          }
        }
        assert.equal(queue.size, model.length);
      }
    }),
    { numRuns: 1_000 },
  );
});

Deno.test("EventQueue.popDue() leaves a lane's event that is not yet due, and clearLane() of an empty lane returns false", () => {
  const queue = new EventQueue();
  const lane = queue.openLane();
  assert.equal(queue.clearLane(lane), false);
  queue.setLane(lane, 50, named("lane"), 0);
  queue.push(60, named("heap"), 0);
  assert.equal(queue.popDue(49), undefined);
  assert.equal(queue.size, 2);
  assert.equal(queue.peekTime(), 50);
  assert.deepEqual(drain(queue), ["50:lane", "60:heap"]);
  assert.equal(queue.clearLane(lane), false);
});

Deno.test("EventQueue.setLane() of a number that is no lane names the lanes there are, and clearLane() of it returns false", () => {
  const queue = new EventQueue();
  assert.throws(() => queue.setLane(0, 5, named("a"), 0), {
    name: "RangeError",
    message: "Cannot schedule in lane 0: no such lane (lanes opened: none)",
  });
  queue.openLane();
  queue.openLane();
  for (const lane of [2, -1, 0.5]) {
    assert.throws(() => queue.setLane(lane, 5, named("a"), 0), {
      name: "RangeError",
      message: `Cannot schedule in lane ${lane}: no such lane (lanes opened: 0..1)`,
    });
    assert.equal(queue.clearLane(lane), false);
  }
  assert.equal(queue.size, 0);
});
