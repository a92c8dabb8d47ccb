import assert from "node:assert/strict";
import { Engine } from "../../hw/engine.ts";
import { Fingerprint, type RecordLayout } from "../../hw/fingerprint.ts";
import { InterruptController } from "../../hw/interrupt_controller.ts";
import { TraceBus, type TraceRecord } from "../../hw/trace_bus.ts";
import { registeredScenarios } from "../../rigs/scenario.ts";

Deno.test("every record layout (kernel, interrupt controller, radio) and every hash an emitter computes is the hash of enumerating the record", async () => {
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
    const result = entry.scenario.execute({ for: "200ms" });
    assert.ok(result.events > 1_000);
    // A banked line (a GIC SGI) is raised on one core: its record names the core.
    const engine = new Engine();
    engine.fingerprint();
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
    "irq.ack(time,kind,source,line,core)",
    "irq.eoi(time,kind,source,line,core)",
    "irq.raise(time,kind,source,line,name)",
    "irq.raise(time,kind,source,line,name,core)",
    "radio.frame(time,kind,source,frame)",
    "vcpu.preempt(vcpu,by,time,kind,source)",
    "vcpu.switch(core,vcpu,sameCell,time,kind,source)",
    "virq.deliver(vcpu,virq,name,line,assertedAt,latencyNs,time,kind,source)",
    "virq.pending(vcpu,virq,line,time,kind,source)",
  ]);
  // The kernel's records hash themselves where they are emitted.
  assert.deepEqual([...hashed].sort(), [
    "cpu.kernel(core,path,start,durationNs,time,kind,source)",
    "cpu.kernel(core,path,start,durationNs,vcpu,chargedNs,time,kind,source)",
    "cpu.run(core,vcpu,start,durationNs,time,kind,source)",
    "vcpu.preempt(vcpu,by,time,kind,source)",
    "vcpu.switch(core,vcpu,sameCell,time,kind,source)",
    "virq.deliver(vcpu,virq,name,line,assertedAt,latencyNs,time,kind,source)",
    "virq.pending(vcpu,virq,line,time,kind,source)",
  ]);
});
