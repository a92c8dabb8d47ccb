import assert from "node:assert/strict";
import { Engine } from "../../hw/engine.ts";
import {
  Fingerprint,
  mixNumber,
  mixString,
  type RecordLayout,
  recordLayout,
} from "../../hw/fingerprint.ts";
import { InterruptController } from "../../hw/interrupt_controller.ts";
import {
  COUNTED_KINDS,
  SAMPLED_KINDS,
  TraceBus,
  type TraceRecord,
  type TraceSink,
} from "../../hw/trace_bus.ts";
import { registeredScenarios } from "../../rigs/scenario.ts";
import type { World } from "../../rigs/world.ts";
import { boards, compute, ms, native, rtos, scenario, task } from "../../mod.ts";

/** Subscribes a plain subscriber that does nothing. */
const listen = (world: World) => void world.engine.trace.subscribe(() => {});

Deno.test("every record layout (kernel, IPC, interrupt controller, radio, RTOS, rich OS) and every hash an emitter computes is the hash of enumerating the record", async () => {
  const original = TraceBus.prototype.emit;
  const checked = new Map<string, number>();
  const hashed = new Set<string>();
  TraceBus.prototype.emit = function (
    this: TraceBus,
    record: TraceRecord,
    layout?: RecordLayout,
    hash?: number,
  ) {
    const shape = `${record.kind}(${Object.keys(record).join(",")})`;
    const plain = new Fingerprint();
    plain.add(record);
    if (layout !== undefined) {
      const fast = new Fingerprint();
      fast.add(record, layout);
      assert.equal(fast.hex(), plain.hex(), `layout of ${JSON.stringify(record)}`);
      checked.set(shape, (checked.get(shape) ?? 0) + 1);
    }
    if (hash !== undefined) {
      const given = new Fingerprint();
      given.addHash(hash);
      assert.equal(given.hex(), plain.hex(), `emitter's hash of ${JSON.stringify(record)}`);
      hashed.add(shape);
    }
    original.call(this, record, layout, hash);
  } as typeof original;
  try {
    // The reference handset (scenario a): every hot record shape of a real run.
    await import("../../scenarios/coexistence.ts");
    const entry = registeredScenarios().find((r) => r.file?.endsWith("scenarios/coexistence.ts"));
    assert.ok(entry !== undefined);
    // A plain subscriber makes the kernel build its hottest records (see TraceSink).
    const result = entry.scenario.execute({ for: "200ms", observe: listen });
    assert.ok(result.events > 1_000);
    // An overloaded RTOS (150% utilisation): its jobs miss their deadlines.
    const overloaded = scenario("overloaded").board(boards.handset()).cell(
      "rtos",
      rtos({ priority: 10, tasks: [task("hog", { period: ms(2), wcet: ms(3), priority: 1 })] }),
    ).execute({ for: "20ms", observe: listen });
    assert.ok((overloaded.metrics.deadlineMisses as Record<string, number>).rtos > 0);
    // A banked line (a GIC SGI) is raised on one core: its record names the core.
    const engine = new Engine();
    engine.fingerprint();
    engine.trace.subscribe(() => {});
    new InterruptController(engine, { kind: "gic", cores: 2, lines: 64 }).sendSoftwareInterrupt(
      1,
      3,
    );
  } finally {
    TraceBus.prototype.emit = original;
  }
  assert.deepEqual([...checked.keys()].sort(), [
    "cpu.kernel(core,path,start,durationNs,time,kind,source)",
    "cpu.kernel(core,path,start,durationNs,vcpu,chargedNs,time,kind,source)",
    "cpu.run(core,vcpu,start,durationNs,time,kind,source)",
    "ipc.receive(bytes,latencyNs,depth,id,vcpu,core,time,kind,source)",
    "ipc.send(bytes,depth,id,vcpu,core,time,kind,source)",
    "irq.ack(time,kind,source,line,core)",
    "irq.eoi(time,kind,source,line,core)",
    "irq.raise(time,kind,source,line,name)",
    "irq.raise(time,kind,source,line,name,core)",
    "radio.frame(time,kind,source,frame)",
    "task.finish(task,job,responseNs,deadlineNs,missed,time,kind,source)",
    "task.miss(task,job,release,deadline,time,kind,source)",
    "task.preempt(task,job,by,byJob,time,kind,source)",
    "task.release(task,job,arrival,release,deadline,time,kind,source)",
    "task.start(task,job,release,time,kind,source)",
    "ui.frame(frame,late,renderNs,time,kind,source)",
    "vcpu.preempt(vcpu,by,time,kind,source)",
    "vcpu.switch(core,vcpu,sameCell,time,kind,source)",
    "virq.deliver(vcpu,virq,name,line,assertedAt,latencyNs,time,kind,source)",
    "virq.pending(vcpu,virq,line,time,kind,source)",
  ]);
  // Every one of them but the RTOS's misses (rare) also hashes itself where it is emitted.
  const builtOnly = new Set(["task.miss"]);
  assert.deepEqual(
    [...hashed].sort(),
    [...checked.keys()].sort().filter((shape) => !builtOnly.has(shape.split("(")[0])),
  );
});

Deno.test("a guest's record layout must be for the record's kind", () => {
  const TICK = recordLayout<{ n: number; time: number; kind: string; source: string }>(
    "app.tick",
    (r, seed) => mixString(mixString(mixNumber(mixNumber(seed, r.n), r.time), r.kind), r.source),
  );
  const app = (kind: string) =>
    scenario("layouts").board(boards.handset()).cell(
      "app",
      native({
        priority: 10,
        *program(ctx) {
          yield* compute(1_000);
          ctx.trace(kind, () => ({ n: 1 }), TICK);
        },
      }),
    );
  const withLayout = app("app.tick").execute({ for: "1ms" });
  assert.equal(withLayout.passed, true);
  assert.throws(
    () => app("app.tock").execute({ for: "1ms" }),
    (error: Error) =>
      error.message.includes(
        'A "app.tock" record was given the layout of "app.tick" records: ' +
          'make its layout with recordLayout("app.tock", …)',
      ),
  );
});

Deno.test("a sink's counted records (switches, preemptions, pending vIRQs, interrupt edges, radio frames, job releases and starts, UI frames) name the kind, source and time a built record has", async () => {
  await import("../../scenarios/coexistence.ts");
  const entry = registeredScenarios().find((r) => r.file?.endsWith("scenarios/coexistence.ts"));
  assert.ok(entry !== undefined);
  const COUNTED = COUNTED_KINDS;
  // The same run twice: with only a sink listening, the kernel hands it these records as
  // values; with a plain subscriber too, it builds them and the sink observes them.
  const run = (plain: boolean) => {
    const seen: string[] = [];
    const sink: TraceSink = {
      observe: (record) => {
        if (COUNTED.has(record.kind)) seen.push(`${record.time} ${record.kind} ${record.source}`);
      },
      slice: () => {},
      count: (time, kind, source) => seen.push(`${time} ${kind} ${source}`),
      sample: () => {},
    };
    entry.scenario.execute({
      for: "100ms",
      observe: (world: World) => {
        world.engine.trace.subscribeSink(sink);
        if (plain) world.engine.trace.subscribe(() => {});
      },
    });
    return seen;
  };
  const asValues = run(false);
  const asRecords = run(true);
  assert.deepEqual(asValues, asRecords);
  const kinds = new Set(asValues.map((line) => line.split(" ")[1]));
  assert.deepEqual([...kinds].sort(), [
    "irq.ack",
    "irq.eoi",
    "irq.raise",
    "radio.frame",
    "task.preempt",
    "task.release",
    "task.start",
    "ui.frame",
    "vcpu.preempt",
    "vcpu.switch",
    "virq.pending",
  ]);
  assert.ok(asValues.some((line) => line.endsWith(" baseband")));
  assert.ok(asValues.some((line) => line.endsWith(" android")));
});

Deno.test("a sink's sampled records (job finishes) carry the time, kind, source, key and value a built record has", async () => {
  await import("../../scenarios/coexistence.ts");
  const entry = registeredScenarios().find((r) => r.file?.endsWith("scenarios/coexistence.ts"));
  assert.ok(entry !== undefined);
  // As for counted records: values with only a sink listening, built records with a plain
  // subscriber too; the sink reads a built record's key and value fields by SAMPLED_KINDS.
  const run = (plain: boolean) => {
    const seen: string[] = [];
    const sink: TraceSink = {
      observe: (record) => {
        const fields = SAMPLED_KINDS.get(record.kind);
        if (fields === undefined) return;
        const { time, kind, source } = record;
        seen.push(`${time} ${kind} ${source} ${record[fields.key]}=${record[fields.value]}`);
      },
      slice: () => {},
      count: () => {},
      sample: (time, kind, source, key, value) =>
        seen.push(`${time} ${kind} ${source} ${key}=${value}`),
    };
    const result = entry.scenario.execute({
      for: "100ms",
      observe: (world: World) => {
        world.engine.trace.subscribeSink(sink);
        if (plain) world.engine.trace.subscribe(() => {});
      },
    });
    return { seen, fingerprint: result.fingerprint };
  };
  const asValues = run(false);
  const asRecords = run(true);
  assert.deepEqual(asValues, asRecords);
  const tasks = new Set(asValues.seen.map((line) => line.split(" ")[3].split("=")[0]));
  assert.deepEqual([...tasks].sort(), ["audio", "control", "frame", "ril"]);
  assert.ok(asValues.seen.every((line) => line.includes(" task.finish baseband ")));
});
