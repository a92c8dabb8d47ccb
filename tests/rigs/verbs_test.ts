import assert from "node:assert/strict";
import {
  boards,
  compute,
  fotaService,
  irqServer,
  manager,
  ms,
  native,
  pinEntry,
  richOs,
  rtos,
  type Scenario,
  scenario,
  type ScenarioResult,
  sleep,
  task,
  us,
} from "../../mod.ts";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import { keyForScancode } from "../../hw/devices/keypad.ts";
import { irqAck, read, wait } from "../../guests/program.ts";

/** Runs a scenario and keeps every trace record (exporters-style; the run is unchanged). */
function traced(
  built: Scenario,
  options: { for: string; seed?: number },
): { result: ScenarioResult; records: TraceRecord[] } {
  const records: TraceRecord[] = [];
  const result = built.execute({
    ...options,
    observe: (world) => {
      world.engine.trace.subscribe((record) => records.push(record));
    },
  });
  return { result, records };
}

/** Times of the records of a kind (and, optionally, a source or a label prefix). */
function times(records: TraceRecord[], kind: string, match: Partial<TraceRecord> = {}): number[] {
  return records.filter((r) =>
    r.kind === kind &&
    Object.entries(match).every(([key, value]) =>
      typeof value === "string" && key === "label"
        ? String(r.label).startsWith(value)
        : r[key as keyof TraceRecord] === value
    )
  ).map((r) => r.time);
}

/** The assertions' actual values by name, so a test can compare them all at once. */
function actuals(result: ScenarioResult): Record<string, string> {
  return Object.fromEntries(result.assertions.map((a) => [a.name, a.actual]));
}

/** Asserts every assertion held, printing all of them when one did not. */
function holds(result: ScenarioResult): void {
  assert.equal(result.passed, true, JSON.stringify(actuals(result), null, 2));
}

function busy(priority = 10) {
  return native({
    priority,
    *program() {
      for (;;) yield* compute(53_200);
    },
  });
}

function handset(name: string): Scenario {
  return scenario(name).board(boards.handset());
}

Deno.test("irq() raises the device's line at the cursor and its owner's handler runs", () => {
  const { result, records } = traced(
    handset("irq").cell("u", irqServer("uart", { priority: 100 })).cell("b", busy())
      .script((t) => t.at("1ms").irq("uart").at("2.5ms").irq("uart"))
      .expect((r) => [r.irqLatency("uart").count.toBe(2), r.irqLatency("uart").max.toBe(3_647)]),
    { for: "5ms" },
  );
  holds(result);
  assert.deepEqual(times(records, "irq.raise", { name: "uart" }), [1_000_000, 2_500_000]);
  assert.deepEqual(times(records, "virq.deliver", { name: "uart" }), [1_003_647, 2_503_647]);
});

Deno.test("keypad() presses one key per gap from the cursor and each reaches the keypad's owner", () => {
  const { result, records } = traced(
    handset("keypad").cell("pin", irqServer("keypad", { priority: 100 })).cell("b", busy())
      .script((t) => t.at("10ms").keypad("47#", { gap: "7ms" }).at("40ms").keypad("1"))
      .expect((r) => r.irqLatency("keypad").count.toBe(4)),
    { for: "200ms" },
  );
  holds(result);
  const keys = records.filter((r) => r.kind === "keypad.key");
  assert.deepEqual(keys.map((r) => r.code), [..."47#1"].map((key) => key.charCodeAt(0)));
  const pressed = keys.map((r) => r.time);
  // Each key is seen the same time after its press; presses are the gap apart.
  const scan = pressed[0] - 10_000_000;
  assert.ok(scan >= 0 && scan < 100_000);
  assert.deepEqual(pressed, [10_000_000, 17_000_000, 24_000_000, 40_000_000].map((t) => t + scan));
});

Deno.test("keypad() with an array presses named keys, and the keypad's owner reads each one", () => {
  // The owner pops every scancode from the keypad's FIFO (DATA at 0x08) on each interrupt.
  const seen: (string | undefined)[] = [];
  const reader = native({
    priority: 100,
    irqs: ["keypad"],
    devices: ["keypad"],
    *program(ctx) {
      const keypad = ctx.windows["keypad"].base;
      for (;;) {
        yield* wait();
        for (;;) {
          const status = yield* read(keypad, 4);
          if (!status.ok || (status.value[0] & 1) === 0) break;
          const data = yield* read(keypad + 0x08, 4);
          if (data.ok) seen.push(keyForScancode(data.value[0]));
        }
        yield* irqAck(ctx.caps["irq:keypad"]);
      }
    },
  });
  const { result, records } = traced(
    handset("keypad names").cell("pin", reader).cell("b", busy())
      .script((t) => t.at("10ms").keypad(["1", "2", "select", "up"], { gap: "5ms" }))
      .expect((r) => r.irqLatency("keypad").count.toBe(4)),
    { for: "100ms" },
  );
  holds(result);
  assert.deepEqual(seen, ["1", "2", "select", "up"]);
  const keys = records.filter((r) => r.kind === "keypad.key");
  assert.deepEqual(keys.map((r) => r.code), [0x31, 0x32, 0x84, 0x80]);
  const scan = keys[0].time - 10_000_000;
  assert.deepEqual(
    keys.map((r) => r.time),
    [10_000_000, 15_000_000, 20_000_000, 25_000_000].map((t) => t + scan),
  );
  assert.ok(
    records.some((r) => r.kind === "script.event" && r.label === 'keypad ["1","2","select","up"]'),
    "the event is labelled with the key names",
  );
});

Deno.test("radio() stops and restarts the frame interrupts", () => {
  const { result, records } = traced(
    handset("radio")
      .cell(
        "bb",
        rtos({
          priority: 200,
          tasks: [
            task("frame", { irq: "radio", wcet: us(100), deadline: ms(4.615), priority: 10 }),
          ],
        }),
      )
      .script((t) => t.at("50ms").radio("stop").at("100ms").radio("start"))
      .expect((r) => [
        r.window("0ms", "50ms").completions("bb", "frame").toBe(11),
        r.window("50ms", "100ms").completions("bb", "frame").toBe(0),
        r.window("100ms", "150ms").completions("bb", "frame").toBe(11),
        r.completions("bb", "frame").toBe(22),
      ]),
    { for: "150ms" },
  );
  holds(result);
  const frames = times(records, "radio.frame");
  // Frame k is at k x 4.615 ms; frames 11..21 fall while the radio is stopped.
  assert.deepEqual(frames.slice(9, 13), [41_535_000, 46_150_000, 101_530_000, 106_145_000]);
});

Deno.test("irqStorm() raises the line count times gap apart; raises on a pending line coalesce", () => {
  const { result, records } = traced(
    handset("storm").cell("u", irqServer("uart", { priority: 100 })).cell("b", busy())
      .script((t) =>
        t.at("1ms").irqStorm("uart", { count: 10, gap: "10us" })
          .at("2ms").irqStorm("uart", { count: 5, gap: "1us" })
      )
      .expect((r) => [
        r.window("1ms", "2ms").irqLatency("uart").count.toBe(10),
        r.window("2ms", "3ms").irqLatency("uart").count.toBe(3),
      ]),
    { for: "3ms" },
  );
  holds(result);
  const raised = times(records, "irq.raise", { name: "uart" });
  assert.deepEqual(
    raised.slice(0, 10),
    Array.from({ length: 10 }, (_, i) => 1_000_000 + i * 10_000),
  );
  assert.equal(raised.length, 13);
});

Deno.test("ipcBurst() floods the channel: it fills, and every further send is refused", () => {
  const { result } = traced(
    handset("burst")
      .cell("android", richOs({ priority: 50, processes: 1 }))
      .cell(
        "sink",
        native({
          priority: 60,
          *program() {
            for (;;) yield* sleep(ms(100));
          },
        }),
      )
      .channel("android", "sink", { slots: 8, maxBytes: 64 })
      .script((t) => t.at("1ms").ipcBurst("android", "sink", { messages: 20, bytes: 64 }))
      .expect((r) => [
        r.ipc("android", "sink").sent.toBe(8),
        r.ipc("android", "sink").maxDepth.toBe(8),
        r.ipc("android", "sink").received.toBe(0),
        r.refusedHypercalls("android").toBe(12),
        r.window("0ms", "1ms").ipc("android", "sink").sent.toBe(0),
      ]),
    { for: "10ms" },
  );
  holds(result);
});

Deno.test("compromise() runs the named attacks in the rich OS; the kernel blocks each", () => {
  const { result, records } = traced(
    handset("compromise").cell("android", richOs({ priority: 50, processes: 1 })).cell("b", busy())
      .script((t) =>
        t.at("1ms").compromise("android", { attacks: ["readForeignMemory", "forgedCapability"] })
      )
      .expect((r) => [
        r.attacks().run.toBe(2),
        r.attacks().blocked.toBe(2),
        r.attacks().unblocked.toBe(0),
        r.attacks().leakedBytes.toBe(0),
        r.window("0ms", "1ms").attacks().run.toBe(0),
        r.faults("android").toBeAtLeast(1),
      ]),
    { for: "50ms" },
  );
  holds(result);
  assert.deepEqual(records.filter((r) => r.kind === "attack").map((r) => r.name), [
    "readForeignMemory",
    "forgedCapability",
  ]);
  assert.deepEqual(times(records, "cell.compromise"), [1_000_000]);
});

Deno.test("request() makes the rich OS call the PIN cell; replies follow the typed PINs", () => {
  const { result, records } = traced(
    handset("request")
      .cell("pin", pinEntry({ priority: 220, pin: "4711" }))
      .cell("android", richOs({ priority: 50, processes: 1 }))
      .endpoint("android", "pin")
      .script((t) =>
        t.at("10ms").request("android", "pin").at("20ms").keypad("1234#", { gap: "10ms" })
          .at("100ms").request("android", "pin").at("110ms").keypad("4711#", { gap: "10ms" })
      )
      .expect((r) => [
        r.replies("android").toBe("00,01"),
        r.roundTrip().count.toBe(2),
        r.roundTrip().max.toBe(49_996_639),
        r.secret("4711").notReadableBy("android"),
      ]),
    { for: "200ms" },
  );
  holds(result);
  assert.deepEqual(times(records, "richos.reply"), [60_030_127, 150_030_127]);
});

Deno.test("remoteWipe() wipes once; a forged and a replayed command are rejected", () => {
  const { result, records } = traced(
    handset("wipe")
      .cell("android", richOs({ priority: 50, processes: 2 }))
      .cell("mgr", manager({ priority: 150 }))
      .script((t) =>
        t.at("10ms").remoteWipe("android", { forged: true })
          .at("20ms").remoteWipe("android")
          .at("200ms").remoteWipe("android", { replay: true })
      )
      .expect((r) => [
        r.commands().accepted.toBe(1),
        r.commands().rejected.toBe(2),
        r.window("0ms", "15ms").commands().rejected.toBe(1),
        r.window("150ms", "300ms").commands().rejected.toBe(1),
        r.wipe("android").residue.toBe(0),
        r.wipe("android").duration.toBe(35_540_708),
      ]),
    { for: "300ms" },
  );
  holds(result);
  const commands = records.filter((r) => r.kind === "manager.command");
  assert.deepEqual(commands.map((r) => `${r.accepted} ${r.reason}`), [
    "false bad-signature",
    "true ok",
    "false replay",
  ]);
  const states = records.filter((r) => r.kind === "cell.state" && r.source === "android");
  assert.deepEqual(states.map((r) => r.state), ["stopped", "wiped", "running"]);
  assert.equal(result.assertions[5].actual, "35.541ms");
});

function updatable(name: string): Scenario {
  return handset(name).cell("mgr", manager({ priority: 150 }))
    .cell("modem", fotaService({ priority: 120 }));
}

Deno.test("fota() streams a signed image; the manager switches to the new instance", () => {
  const { result } = traced(
    updatable("fota").script((t) => t.at("10ms").fota("modem", { version: "2.1" }))
      .expect((r) => [
        r.fota("modem").outcome.toBe("switched"),
        r.fota("modem").downtime.toBe(8_629),
        r.commands().accepted.toBe(6),
        r.commands().rejected.toBe(0),
      ]),
    { for: "100ms" },
  );
  holds(result);
  assert.equal(result.assertions[1].actual, "8.629us");
  assert.equal(result.assertions[0].at, 27_356_684);
});

Deno.test("fota() with a bad signature is rejected and has no service gap", () => {
  const { result } = traced(
    updatable("bad signature").script((t) => t.at("10ms").fota("modem", { badSignature: true }))
      .expect((r) => [
        r.fota("modem").outcome.toBe("rejected"),
        r.fota("modem").downtime.not.toBeBelow(ms(5)),
      ]),
    { for: "100ms" },
  );
  holds(result);
  assert.equal(result.assertions[1].actual, "NaN");
});

Deno.test("fota() of a crash-on-boot image rolls back; the old instance keeps running", () => {
  const { result } = traced(
    updatable("crash on boot").script((t) =>
      t.at("10ms").fota("modem", { variant: "crash-on-boot" })
    )
      .expect((r) => [
        r.fota("modem").outcome.toBe("rolled-back"),
        r.custom("modem running", (w) => w.cell("modem").state === "running" ? 1 : 0).toBe(1),
      ]),
    { for: "100ms" },
  );
  holds(result);
});

Deno.test("fota() with powerLossAt tears a flash program; the update is abandoned and a later one switches", () => {
  const { result, records } = traced(
    updatable("power loss")
      // The first image chunk is programmed from 15.951 to 16.151 ms.
      .script((t) =>
        t.step("torn", (t) => t.at("10ms").fota("modem", { powerLossAt: "6.05ms" }))
          .step("again", (t) => t.at("60ms").fota("modem"))
      )
      .expect((r) => [
        r.step("torn").fota("modem").outcome.toBe("none"),
        // The begin is accepted; the chunk being programmed is lost, and the manager, rebooted
        // with no session, refuses the other three chunks and the commit.
        r.step("torn").commands().accepted.toBe(1),
        r.step("torn").commands().rejected.toBe(4),
        r.fota("modem").outcome.toBe("switched"),
      ]),
    { for: "100ms" },
  );
  holds(result);
  const loss = records.find((r) => r.kind === "flash.power_loss")!;
  assert.equal(loss.time, 16_050_000);
  assert.equal(loss.operation, "program");
  assert.deepEqual(times(records, "board.power_cycle"), [16_050_000]);
});

Deno.test("powerCycle() cuts power: the manager reboots and runs its boot-time recovery again", () => {
  const { result, records } = traced(
    updatable("power cycle").script((t) => t.at("20ms").powerCycle())
      .expect((r) =>
        r.custom("modem running", (w) => w.cell("modem").state === "running" ? 1 : 0).toBe(1)
      ),
    { for: "40ms" },
  );
  holds(result);
  assert.deepEqual(times(records, "board.power_cycle"), [20_000_000]);
  assert.deepEqual(times(records, "flash.power_loss"), [20_000_000]);
  const manager = records.filter((r) => r.kind === "cell.state" && r.source === "mgr");
  assert.deepEqual(manager.map((r) => `${r.time} ${r.state}`).slice(-2), [
    "20000000 stopped",
    "20000000 running",
  ]);
  const boots = times(records, "fota.boot");
  assert.equal(boots.length, 2);
  assert.ok(boots[0] < 20_000_000 && boots[1] > 20_000_000);
});

Deno.test("hang() stops a cell's progress until resume(); crash() stops it; restart() starts it again", () => {
  let starts = 0;
  const counter = native({
    priority: 20,
    *program() {
      starts++;
      for (;;) yield* compute(5_320);
    },
  });
  const { result, records } = traced(
    handset("lifecycle").cell("a", counter).cell("b", busy())
      .script((t) =>
        t.at("10ms").hang("a").at("20ms").resume("a").at("30ms").crash("a").at("40ms").restart("a")
      )
      .expect((r) => [
        r.window("0ms", "10ms").cpuShare("a").toBeAbove(0.999),
        r.window("10ms", "20ms").cpuShare("a").toBe(0),
        r.window("10ms", "20ms").cpuShare("b").toBeAbove(0.999),
        r.window("20ms", "30ms").cpuShare("a").toBeAbove(0.999),
        r.window("30ms", "40ms").cpuShare("a").toBe(0),
        r.window("40ms", "50ms").cpuShare("a").toBeAbove(0.999),
      ]),
    { for: "50ms" },
  );
  holds(result);
  assert.equal(starts, 2, "restart() runs the program from its start");
  const states = records.filter((r) => r.kind === "cell.state" && r.source === "a");
  assert.deepEqual(states.map((r) => `${r.time / 1e6} ${r.state}`).slice(-5), [
    "10 suspended",
    "20 running",
    "30 stopped",
    "40 stopped",
    "40 running",
  ]);
});

Deno.test("custom() runs the function on the world at the cursor", () => {
  const seen: number[][] = [];
  const { result, records } = traced(
    handset("custom").cell("b", busy())
      .script((t) =>
        t.at("1ms").custom("mark", (world, at) => seen.push([world.engine.now, at]))
          .after("2.5ms").custom("mark", (world) => world.kernel.stop(world.cell("b")))
      )
      .expect((r) => r.window("4ms", "5ms").cpuShare("b").toBe(0)),
    { for: "5ms" },
  );
  holds(result);
  assert.deepEqual(seen, [[1_000_000, 1_000_000]]);
  assert.deepEqual(times(records, "script.event", { label: "mark" }), [1_000_000, 3_500_000]);
});

/** The times scripted events whose label starts with a prefix fired. */
function fired(build: (s: Scenario) => Scenario, prefix: string, seed = 1, length = "100ms") {
  const { records } = traced(build(handset("repeat").cell("b", busy())), { for: length, seed });
  return times(records, "script.event", { label: prefix });
}

Deno.test("every() repeats with a fixed period from the cursor, bounded by until and count", () => {
  const mark = (t: { custom(label: string, action: () => void): unknown }) =>
    t.custom("x", () => {});
  assert.deepEqual(
    fired((s) => s.script((t) => t.at("1ms").every("10ms", mark, { until: "45ms" })), "every"),
    [1, 11, 21, 31, 41].map((t) => t * 1_000_000),
  );
  assert.deepEqual(
    fired((s) => s.script((t) => t.every("10ms", mark, { from: "5ms", count: 3 })), "every"),
    [5, 15, 25].map((t) => t * 1_000_000),
  );
  // Without a bound it repeats to the end of the run (100 ms, inclusive).
  assert.equal(fired((s) => s.script((t) => t.every("10ms", mark)), "every").length, 11);
});

Deno.test("burst() fires count times gap apart from the cursor", () => {
  assert.deepEqual(
    fired((s) => s.script((t) => t.at("3ms").burst(4, "250us", (t) => t.irq("uart"))), "burst"),
    [3_000_000, 3_250_000, 3_500_000, 3_750_000],
  );
});

Deno.test("poisson() draws exponential gaps from the seed: same per seed, different across seeds", () => {
  const arrivals = (seed: number) =>
    fired(
      (s) =>
        s.script((t) =>
          t.at("2ms").poisson("1ms", (t) => t.custom("p", () => {}), { until: "50ms" })
        ),
      "poisson",
      seed,
    );
  const one = arrivals(1);
  assert.deepEqual(arrivals(1), one);
  assert.notDeepEqual(arrivals(2), one);
  // A mean gap of 1 ms over 48 ms: about 48 arrivals, all in the window, in order.
  assert.ok(one.length >= 30 && one.length <= 70, `${one.length} arrivals`);
  assert.ok(one[0] > 2_000_000 && one.at(-1)! < 50_000_000);
  assert.deepEqual([...one].sort((a, b) => a - b), one);
  const count = (seed: number) =>
    fired(
      (s) => s.script((t) => t.poisson("1ms", (t) => t.custom("p", () => {}), { count: 7 })),
      "poisson",
      seed,
    ).length;
  assert.equal(count(3), 7);
});

Deno.test("uniform() draws gaps in [min, max] from the seed: same per seed, different across seeds", () => {
  const arrivals = (seed: number) =>
    fired(
      (s) =>
        s.script((t) => t.at("2ms").uniform("1ms", "3ms", (t) => t.irq("uart"), { count: 20 })),
      "uniform",
      seed,
    );
  const one = arrivals(1);
  assert.equal(one.length, 20);
  assert.equal(one[0], 2_000_000);
  for (let i = 1; i < one.length; i++) {
    const gap = one[i] - one[i - 1];
    assert.ok(gap >= 1_000_000 && gap <= 3_000_000, `gap ${gap}`);
  }
  assert.deepEqual(arrivals(1), one);
  assert.notDeepEqual(arrivals(2), one);
});

Deno.test("step() scopes metrics from its first event until the next step starts", () => {
  const built = handset("steps").cell("u", irqServer("uart", { priority: 100 })).cell("b", busy())
    .script((t) =>
      t.at("1ms").irq("uart")
        .step("first", (t) => t.at("10ms").burst(3, "1ms", (t) => t.irq("uart")))
        .step("second", (t) => t.at("30ms").irq("uart").at("31ms").irq("uart"))
        .at("40ms").irq("uart")
    )
    .expect((r) => [
      r.irqLatency("uart").count.toBe(7),
      r.step("first").irqLatency("uart").count.toBe(3),
      // The last step lasts until the end of the run, so the unscoped 40 ms event is in it.
      r.step("second").irqLatency("uart").count.toBe(3),
      r.window("0ms", "10ms").irqLatency("uart").count.toBe(1),
      r.step("first").irqLatency("uart").count.not.toBe(7),
    ]);
  const { result, records } = traced(built, { for: "50ms" });
  holds(result);
  assert.deepEqual(result.assertions.map((a) => a.scope), [
    "run",
    "step first",
    "step second",
    "window 0ns..10ms",
    "step first",
  ]);
  const steps = records.filter((r) => r.kind === "script.event").map((r) => r.step);
  assert.deepEqual(steps, ["", "first", "first", "first", "second", "second", ""]);
});
