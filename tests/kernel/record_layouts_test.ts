import assert from "node:assert/strict";
import { Engine } from "../../hw/engine.ts";
import { Fingerprint, type RecordLayout } from "../../hw/fingerprint.ts";
import { InterruptController } from "../../hw/interrupt_controller.ts";
import { TraceBus, type TraceRecord } from "../../hw/trace_bus.ts";
import { boards, ms, richOs, rtos, scenario, task, us } from "../../mod.ts";

Deno.test("every record layout (kernel, interrupt controller, radio) hashes its record exactly as enumerating it does", () => {
  const original = TraceBus.prototype.emit;
  const checked = new Map<string, number>();
  TraceBus.prototype.emit = function (this: TraceBus, record: TraceRecord, layout?: RecordLayout) {
    if (layout !== undefined) {
      const fast = new Fingerprint();
      const plain = new Fingerprint();
      fast.add(record, layout);
      plain.add(record);
      assert.equal(fast.hex(), plain.hex(), `layout of ${JSON.stringify(record)}`);
      const shape = `${record.kind}(${Object.keys(record).join(",")})`;
      checked.set(shape, (checked.get(shape) ?? 0) + 1);
    }
    original.call(this, record, layout);
  } as typeof original;
  try {
    const result = scenario("layouts")
      .board(boards.handset())
      .cell(
        "baseband",
        rtos({
          priority: 200,
          tasks: [
            task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 }),
            task("audio", { period: ms(20), wcet: ms(2), priority: 8 }),
          ],
        }),
      )
      .cell("android", richOs({ priority: 50, processes: 4 }))
      .execute({ for: "200ms" });
    assert.equal(result.passed, true);
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
});
