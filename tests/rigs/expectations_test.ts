import assert from "node:assert/strict";
import {
  boards,
  call,
  compute,
  irqServer,
  manager,
  ms,
  native,
  pinEntry,
  read,
  receive,
  reply,
  richOs,
  rtos,
  scenario,
  ScenarioError,
  type ScenarioResult,
  send,
  sleep,
  task,
  updatable,
  us,
} from "../../mod.ts";

/** One assertion's outcome, by position. */
interface Seen {
  name: string;
  actual: string;
  at?: number;
  scope?: string;
}

/** Asserts each assertion's name, formatted actual value (and, when given, time and scope). */
function seen(result: ScenarioResult, expected: readonly Seen[]): void {
  assert.equal(result.assertions.length, expected.length);
  result.assertions.forEach((a, i) => {
    const want = expected[i];
    assert.equal(a.name, want.name);
    assert.equal(a.actual, want.actual, a.name);
    if (want.at !== undefined) assert.equal(a.at, want.at, `${a.name} at`);
    if (want.scope !== undefined) assert.equal(a.scope, want.scope, `${a.name} scope`);
  });
  assert.equal(result.passed, true, JSON.stringify(result.assertions, null, 2));
}

/** With the zero cost table at 1 GHz, scheduling follows response-time analysis exactly. */
const IDEAL_BOARD = boards.handset({ clockHz: 1_000_000_000 });
const NO_RTOS_COSTS = { contextSwitchCycles: 0, tickCycles: 0, irqEntryCycles: 0 };

function background() {
  return native({
    priority: 10,
    *program() {
      for (;;) yield* compute(100_000);
    },
  });
}

/**
 * An RTOS with hi (1 ms every 5 ms) and lo (6 ms every 10 ms, deadline 6 ms) and a background
 * cell. lo's response is 1 + 6 + 1 = 8 ms (hi preempts it twice), so every lo job misses at
 * its deadline, 6 ms after its release; the RTOS uses 80 % of the core and the background 20 %.
 */
function timing() {
  return scenario("timing").board(IDEAL_BOARD).kernel({ costs: "zero" })
    .cell(
      "rt",
      rtos({
        priority: 200,
        tickNs: 0,
        costs: NO_RTOS_COSTS,
        tasks: [
          task("hi", { period: ms(5), wcet: ms(1), priority: 10 }),
          task("lo", { period: ms(10), wcet: ms(6), deadline: ms(6), priority: 5 }),
        ],
      }),
    )
    .cell("bg", background())
    .script((t) => t.step("late", (t) => t.at("50ms").custom("mark", () => {})));
}

Deno.test("deadlineMisses() counts misses per cell or task, at the first miss", () => {
  const result = timing()
    .expect((r) => [
      r.deadlineMisses("rt").toBe(10),
      r.deadlineMisses("rt", "lo").toBe(10),
      r.deadlineMisses("rt", "hi").toBe(0),
      r.deadlineMisses("bg").toBe(0),
    ])
    .execute({ for: "100ms" });
  seen(result, [
    { name: 'deadlineMisses("rt") = 10', actual: "10", at: 6_000_000 },
    { name: 'deadlineMisses("rt", "lo") = 10', actual: "10", at: 6_000_000 },
    { name: 'deadlineMisses("rt", "hi") = 0', actual: "0", at: -1 },
    { name: 'deadlineMisses("bg") = 0', actual: "0", at: -1 },
  ]);
});

Deno.test("completions() and responseTime() read each task's jobs exactly", () => {
  const result = timing()
    .expect((r) => [
      r.completions("rt", "hi").toBe(20),
      r.completions("rt", "lo").toBe(10),
      r.responseTime("rt", "lo").max.toBe(ms(8)),
      r.responseTime("rt", "lo").min.toBe(ms(8)),
      r.responseTime("rt", "lo").p50.toBe(ms(8)),
      r.responseTime("rt", "lo").count.toBe(10),
      r.responseTime("rt", "hi").mean.toBe(ms(1)),
      r.responseTime("rt", "hi").p99.toBe(ms(1)),
    ])
    .execute({ for: "100ms" });
  seen(result, [
    { name: 'completions("rt", "hi") = 20', actual: "20" },
    { name: 'completions("rt", "lo") = 10', actual: "10" },
    // Of equal worst samples, the first is reported: lo's first job, done at 8 ms.
    { name: 'responseTime("rt", "lo").max = 8ms', actual: "8ms", at: 8_000_000 },
    { name: 'responseTime("rt", "lo").min = 8ms', actual: "8ms" },
    { name: 'responseTime("rt", "lo").p50 = 8ms', actual: "8ms" },
    { name: 'responseTime("rt", "lo").count = 10', actual: "10", at: -1 },
    { name: 'responseTime("rt", "hi").mean = 1ms', actual: "1ms" },
    { name: 'responseTime("rt", "hi").p99 = 1ms', actual: "1ms" },
  ]);
});

Deno.test("cpuShare() and kernelShare() are shares of the cores' time, as percentages", () => {
  const result = timing()
    .expect((r) => [
      r.cpuShare("rt").toBe(0.8),
      r.cpuShare("bg").toBe(0.2),
      r.kernelShare().toBe(0),
      r.window("0ms", "10ms").cpuShare("rt").toBe(0.8),
      r.window("8ms", "10ms").cpuShare("bg").toBe(1),
    ])
    .execute({ for: "100ms" });
  seen(result, [
    { name: 'cpuShare("rt") = 80%', actual: "80%" },
    { name: 'cpuShare("bg") = 20%', actual: "20%" },
    { name: "kernelShare() = 0%", actual: "0%" },
    { name: 'cpuShare("rt") = 80% [window 0ns..10ms]', actual: "80%", scope: "window 0ns..10ms" },
    { name: 'cpuShare("bg") = 100% [window 8ms..10ms]', actual: "100%" },
  ]);
});

Deno.test("kernelShare() with the handset costs counts the kernel's charged paths", () => {
  const result = scenario("kernel time").board(boards.handset())
    .cell(
      "rt",
      rtos({ priority: 200, tasks: [task("t", { period: ms(1), wcet: ms(0.1), priority: 1 })] }),
    )
    .cell("bg", background())
    .expect((r) => [r.kernelShare().toBeBetween(0.001, 0.05), r.kernelShare().toBeAbove(0)])
    .execute({ for: "50ms" });
  assert.equal(result.passed, true, JSON.stringify(result.assertions));
  assert.match(result.assertions[0].actual, /^\d\.\d{1,3}%$/);
  assert.equal(result.assertions[0].expected, "in [0.1%, 5%]");
});

Deno.test("window() and step() scope counts to their time ranges", () => {
  const result = timing()
    .expect((r) => [
      r.window("0ms", "50ms").completions("rt", "hi").toBe(10),
      r.window("50ms", "100ms").deadlineMisses("rt").toBe(5),
      r.step("late").deadlineMisses("rt").toBe(5),
      r.step("late").completions("rt", "lo").toBe(5),
      r.step("late").cpuShare("rt").toBe(0.8),
      r.window("6ms", "6.000001ms").deadlineMisses("rt").toBe(1),
      r.window("0ms", "6ms").deadlineMisses("rt").toBe(0),
    ])
    .execute({ for: "100ms" });
  seen(result, [
    { name: 'completions("rt", "hi") = 10 [window 0ns..50ms]', actual: "10" },
    { name: 'deadlineMisses("rt") = 5 [window 50ms..100ms]', actual: "5", at: 56_000_000 },
    {
      name: 'deadlineMisses("rt") = 5 [step late]',
      actual: "5",
      at: 56_000_000,
      scope: "step late",
    },
    { name: 'completions("rt", "lo") = 5 [step late]', actual: "5" },
    { name: 'cpuShare("rt") = 80% [step late]', actual: "80%" },
    { name: 'deadlineMisses("rt") = 1 [window 6ms..6ms]', actual: "1" },
    { name: 'deadlineMisses("rt") = 0 [window 0ns..6ms]', actual: "0" },
  ]);
});

/**
 * app sends three messages to sink (which sleeps 5 ms before draining them), makes one send on
 * a capability it does not hold, reads unmapped memory twice and calls srv four times; srv
 * computes 1 µs per call. With zero costs every latency is exact.
 */
function messaging() {
  return scenario("messaging").board(IDEAL_BOARD).kernel({ costs: "zero" })
    .cell(
      "app",
      native({
        priority: 100,
        *program(ctx) {
          for (let i = 0; i < 3; i++) yield* send(ctx.caps["send:app->sink"], new Uint8Array(16));
          yield* send(999, new Uint8Array(1));
          yield* read(0x7000_0000, 4);
          yield* read(0x7000_0000, 4);
          for (let i = 0; i < 4; i++) yield* call(ctx.caps["call:srv"], new Uint8Array(4));
        },
      }),
    )
    .cell(
      "sink",
      native({
        priority: 50,
        *program(ctx) {
          yield* sleep(ms(5));
          for (;;) {
            const message = yield* receive(ctx.caps["receive:app->sink"]);
            if (!message.ok || message.value === undefined) break;
          }
        },
      }),
    )
    .cell(
      "srv",
      native({
        priority: 150,
        *program(ctx) {
          for (;;) {
            yield* receive(ctx.caps["serve:srv"]);
            yield* compute(1_000);
            yield* reply(new Uint8Array(1));
          }
        },
      }),
    )
    .channel("app", "sink", { slots: 4, maxBytes: 16 })
    .endpoint("app", "srv");
}

Deno.test("ipc() counts sent, received and queue depth, and measures send-to-receive latency", () => {
  const result = messaging()
    .expect((r) => [
      r.ipc("app", "sink").sent.toBe(3),
      r.ipc("app", "sink").received.toBe(3),
      r.ipc("app", "sink").maxDepth.toBe(3),
      r.ipc("app", "sink").latency.max.toBe(ms(5)),
      r.ipc("app", "sink").latency.min.toBe(ms(5)),
      r.ipc("app", "sink").latency.count.toBe(3),
      r.window("0ms", "5ms").ipc("app", "sink").received.toBe(0),
      r.window("0ms", "5ms").ipc("app", "sink").sent.toBe(3),
    ])
    .execute({ for: "10ms" });
  seen(result, [
    { name: 'ipc("app->sink").sent = 3', actual: "3" },
    { name: 'ipc("app->sink").received = 3', actual: "3" },
    { name: 'ipc("app->sink").maxDepth = 3', actual: "3" },
    { name: 'ipc("app->sink").latency.max = 5ms', actual: "5ms", at: 5_000_000 },
    { name: 'ipc("app->sink").latency.min = 5ms', actual: "5ms" },
    { name: 'ipc("app->sink").latency.count = 3', actual: "3" },
    { name: 'ipc("app->sink").received = 0 [window 0ns..5ms]', actual: "0" },
    { name: 'ipc("app->sink").sent = 3 [window 0ns..5ms]', actual: "3" },
  ]);
});

Deno.test("roundTrip(), faults() and refusedHypercalls() count exactly", () => {
  const result = messaging()
    .expect((r) => [
      r.roundTrip().count.toBe(4),
      r.roundTrip().max.toBe(1_000),
      r.roundTrip().min.toBe(1_000),
      r.faults("app").toBe(2),
      r.faults("sink").toBe(0),
      r.refusedHypercalls("app").toBe(1),
      r.refusedHypercalls("srv").toBe(0),
    ])
    .execute({ for: "10ms" });
  seen(result, [
    { name: "roundTrip().count = 4", actual: "4" },
    { name: "roundTrip().max = 1us", actual: "1us" },
    { name: "roundTrip().min = 1us", actual: "1us" },
    { name: 'faults("app") = 2', actual: "2" },
    { name: 'faults("sink") = 0', actual: "0" },
    { name: 'refusedHypercalls("app") = 1', actual: "1" },
    { name: 'refusedHypercalls("srv") = 0', actual: "0" },
  ]);
  assert.deepEqual(result.metrics.refusedByKind, { InvalidCapability: 1 });
});

Deno.test("irqLatency() measures line-raised to handler-running from the charged kernel paths", () => {
  const result = scenario("irq latency").board(boards.handset())
    .cell(
      "u",
      irqServer("uart", { priority: 100 }),
    )
    .cell("bg", background())
    .script((t) => t.at("1ms").irq("uart").at("3ms").irq("uart"))
    .expect((r) => [
      r.irqLatency("uart").count.toBe(2),
      // IRQ entry, a cross-cell switch and vIRQ injection at 532 MHz, each rounded up.
      r.irqLatency("uart").max.toBe(282 + 2_237 + 1_128),
      r.irqLatency("uart").p50.toBe(3_647),
      r.window("2ms", "4ms").irqLatency("uart").count.toBe(1),
      r.irqLatency("keypad").count.toBe(0),
      r.irqLatency("keypad").p99.toBe(NaN),
    ])
    .execute({ for: "5ms" });
  seen(result, [
    { name: 'irqLatency("uart").count = 2', actual: "2" },
    { name: 'irqLatency("uart").max = 3.647us', actual: "3.647us", at: 1_003_647 },
    { name: 'irqLatency("uart").p50 = 3.647us', actual: "3.647us" },
    { name: 'irqLatency("uart").count = 1 [window 2ms..4ms]', actual: "1" },
    { name: 'irqLatency("keypad").count = 0', actual: "0" },
    { name: 'irqLatency("keypad").p99 = NaN', actual: "NaN (no samples)", at: -1 },
  ]);
});

Deno.test("secret(), replies(), attacks(), commands(), wipe() and fota() format their values", () => {
  const result = scenario("device").board(boards.handset())
    .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
    .cell("android", richOs({ priority: 50, processes: 1 }))
    .cell("mgr", manager({ priority: 150 }))
    .endpoint("android", "pin")
    .script((t) =>
      t.at("10ms").request("android", "pin").at("20ms").keypad("4711#", { gap: "10ms" })
        .at("100ms").compromise("android", { attacks: ["readKeypad"] })
        .at("150ms").remoteWipe("android")
    )
    .expect((r) => [
      r.secret("4711").readableBy("pin"),
      r.secret("4711").notReadableBy("android"),
      r.replies("android").toBe("01"),
      r.replies("pin").toBe(""),
      r.attacks().run.toBe(1),
      r.attacks().leakedBytes.toBe(0),
      r.commands().accepted.toBe(1),
      r.wipe("android").residue.toBe(0),
      r.wipe("android").duration.toBe(35_540_708),
      r.wipe("pin").duration.not.toBeAtLeast(0),
      r.fota("pin").outcome.toBe("none"),
      r.fota("pin").downtime.not.toBeAtLeast(0),
    ])
    .execute({ for: "250ms" });
  seen(result, [
    { name: 'secret("4711") readable by "pin"', actual: "readable (cells: pin)", at: 51_000_000 },
    { name: 'secret("4711") not readable by "android"', actual: "not readable (89 scans)", at: -1 },
    { name: 'replies("android") = 01', actual: "01" },
    { name: 'replies("pin") = ', actual: "" },
    { name: "attacks().run = 1", actual: "1" },
    { name: "attacks().leakedBytes = 0 B", actual: "0 B" },
    { name: "commands().accepted = 1", actual: "1" },
    { name: 'wipe("android").residue = 0 B', actual: "0 B" },
    { name: 'wipe("android").duration = 35.541ms', actual: "35.541ms", at: 187_531_935 },
    { name: 'wipe("pin").duration not >= 0ns', actual: "NaN" },
    { name: 'fota("pin").outcome = none', actual: "none" },
    { name: 'fota("pin").downtime not >= 0ns', actual: "NaN" },
  ]);
});

Deno.test("secret() fails with what was seen when the expectation is wrong", () => {
  const result = scenario("secret").board(boards.handset())
    .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
    .cell("android", richOs({ priority: 50, processes: 1 }))
    .endpoint("android", "pin")
    .script((t) => t.at("10ms").request("android", "pin").at("20ms").keypad("4711#"))
    .expect((r) => [r.secret("4711").readableBy("android"), r.secret("4711").notReadableBy("pin")])
    .execute({ for: "700ms" });
  assert.equal(result.passed, false);
  const [android, pin] = result.assertions;
  assert.equal(android.passed, false);
  assert.equal(android.expected, 'readable by "android"');
  assert.match(android.actual, /^not readable \(\d+ scans\)$/);
  assert.equal(pin.passed, false);
  assert.equal(pin.expected, 'not readable by "pin"');
  assert.equal(pin.actual, "readable (cells: pin)");
  assert.ok(pin.at > 20_000_000);
});

Deno.test("custom() reads the finished world, in its unit, labelled with its scope", () => {
  const result = timing()
    .expect((r) => [
      r.custom("simulated time", (world) => world.engine.now, "ns").toBe(ms(100)),
      r.custom("cells", (world) => world.kernel.cells.size).toBe(2),
      r.step("late").custom("late cells", (world) => world.kernel.cells.size).toBe(2),
      r.custom("half", () => 0.5, "ratio").toBeBelow(0.6),
      r.custom("bytes", () => 4_096, "bytes").toBeAtLeast(4_096),
    ])
    .execute({ for: "100ms" });
  seen(result, [
    { name: "simulated time = 100ms", actual: "100ms" },
    { name: "cells = 2", actual: "2" },
    { name: "late cells = 2 [step late]", actual: "2", scope: "step late" },
    { name: "half < 60%", actual: "50%" },
    { name: "bytes >= 4096 B", actual: "4096 B" },
  ]);
});

Deno.test("Every assertion is evaluated: a failing one does not hide the ones after it", () => {
  const result = timing()
    .expect((r) => [
      r.deadlineMisses("rt").toBe(0),
      r.completions("rt", "hi").toBe(20),
      r.cpuShare("bg").toBeAbove(0.5),
    ])
    .execute({ for: "100ms" });
  assert.equal(result.passed, false);
  assert.deepEqual(result.assertions.map((a) => [a.passed, a.actual]), [
    [false, "10"],
    [true, "20"],
    [false, "20%"],
  ]);
});

/** Asserts that building the scenario throws a ScenarioError with exactly this message. */
function rejects(build: () => unknown, message: string): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${error}`);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("responseTime(), ipc() latency and roundTrip() with no samples read NaN, so no bound holds", () => {
  // lo's first job finishes at 8 ms: none in the first millisecond. timing() has no endpoint.
  const result = timing()
    .expect((r) => [
      r.window("0ms", "1ms").responseTime("rt", "lo").max.toBeBelow(ms(10)),
      r.window("0ms", "1ms").responseTime("rt", "lo").p99.toBe(NaN),
      r.window("0ms", "1ms").responseTime("rt", "lo").count.toBe(0),
      r.roundTrip().p50.toBeAtMost("1ms"),
    ])
    .execute({ for: "20ms" });
  assert.deepEqual(
    result.assertions.map((a) => [a.name, a.passed, a.actual, a.at]),
    [
      ['responseTime("rt", "lo").max < 10ms [window 0ns..1ms]', false, "NaN (no samples)", -1],
      ['responseTime("rt", "lo").p99 = NaN [window 0ns..1ms]', true, "NaN (no samples)", -1],
      ['responseTime("rt", "lo").count = 0 [window 0ns..1ms]', true, "0", -1],
      ["roundTrip().p50 <= 1ms", false, "NaN (no samples)", -1],
    ],
  );
  assert.ok(Number.isNaN(result.assertions[0].actualValue));
  const sent = messaging()
    .expect((r) => r.window("0ms", "1ms").ipc("app", "sink").latency.max.toBeBelow(ms(1)))
    .execute({ for: "10ms" });
  assert.equal(sent.assertions[0].passed, false);
  assert.equal(sent.assertions[0].actual, "NaN (no samples)");
});

Deno.test("irqLatency() rejects a device the board does not have, naming its devices", () => {
  rejects(
    () =>
      scenario("typo").board(boards.handset()).cell("u", irqServer("uart", { priority: 100 }))
        .expect((r) => r.irqLatency("keypda").p99.toBeBelow(us(20)))
        .execute({ for: "1ms" }),
    'Unknown device "keypda" in expect(): devices of board "handset" are "keypad", "display", ' +
      '"radio", "uart", "net", "flash", "watchdog" (did you mean "keypad"?)',
  );
});

Deno.test("irqLatency() takes any device of the board: owned by a recipe, by .irq(), added, or none", () => {
  const uart2 = { name: "uart2", kind: "uart" as const, base: 0x43f9_8000, size: 0x4000, irq: 46 };
  const result = scenario("owners").board(boards.handset({ extraDevices: [uart2] }))
    .cell("u", irqServer("uart2", { priority: 100 }))
    .cell("bg", background())
    .irq("bg", "keypad")
    .script((t) => t.at("1ms").irq("uart2"))
    .expect((r) => [
      r.irqLatency("uart2").count.toBe(1),
      r.irqLatency("keypad").count.toBe(0),
      r.irqLatency("radio").count.toBe(0),
    ])
    .execute({ for: "2ms" });
  seen(result, [
    { name: 'irqLatency("uart2").count = 1', actual: "1" },
    { name: 'irqLatency("keypad").count = 0', actual: "0" },
    { name: 'irqLatency("radio").count = 0', actual: "0" },
  ]);
});

Deno.test("deadlineMisses(), completions() and responseTime() reject a task the cell does not declare", () => {
  const tasks = [
    task("frame", { irq: "radio", wcet: 90_000, deadline: 4_615_000, priority: 10 }),
    task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
  ];
  const build = (expect: Parameters<ReturnType<typeof scenario>["expect"]>[0]) => () =>
    scenario("typo").board(boards.handset())
      .cell("baseband", rtos({ priority: 200, tasks }))
      .cell(
        "modem",
        updatable(
          rtos({ priority: 190, tasks: [task("rx", { period: ms(5), wcet: ms(1), priority: 3 })] }),
        ),
      )
      .cell("mgr", manager({ priority: 150 }))
      .cell("bg", tracedJobs())
      .expect(expect).execute({ for: "50ms" });
  const frame = 'tasks are "frame", "audio" (did you mean "frame"?)';
  rejects(
    build((r) => r.deadlineMisses("baseband", "fram").toBe(0)),
    `Unknown task "fram" of cell "baseband" in expect(): ${frame}`,
  );
  rejects(
    build((r) => r.completions("baseband", "frme").toBe(0)),
    `Unknown task "frme" of cell "baseband" in expect(): ${frame}`,
  );
  rejects(
    build((r) => r.responseTime("baseband", "nosuchtask").max.toBeBelow(ms(1))),
    'Unknown task "nosuchtask" of cell "baseband" in expect(): tasks are "frame", "audio"',
  );
  // An updatable RTOS keeps its tasks.
  rejects(
    build((r) => r.completions("modem", "tx").toBe(0)),
    'Unknown task "tx" of cell "modem" in expect(): tasks are "rx" (did you mean "rx"?)',
  );
  // A manager runs no RTOS tasks.
  rejects(
    build((r) => r.completions("mgr", "typo").toBe(0)),
    'Unknown task "typo" of cell "mgr" in expect(): tasks are none (a manager cell runs no RTOS tasks)',
  );
  // A native cell runs the user's own program, which traces task records of its own: its task
  // names are not checked, and its records count.
  const result = build((r) => [
    r.deadlineMisses("bg").toBe(0),
    // 100 µs jobs in what the RTOSes leave of 50 ms.
    r.completions("bg", "job").toBe(311),
    r.deadlineMisses("baseband", "audio").toBe(0),
    // A GSM frame every 4.615 ms, audio every 20 ms, rx every 5 ms.
    r.completions("baseband", "frame").toBe(11),
    r.completions("baseband", "audio").toBe(3),
    r.completions("modem", "rx").toBe(10),
  ])();
  assert.equal(result.passed, true, JSON.stringify(result.assertions));
});

/** A native cell whose program traces a "task.finish" of its task "job" every 100 µs of work. */
function tracedJobs() {
  return native({
    priority: 10,
    *program(ctx) {
      for (let job = 0;; job++) {
        yield* compute(53_200);
        ctx.trace("task.finish", () => ({ task: "job", job, responseNs: 100_000, missed: false }));
      }
    },
  });
}
