import assert from "node:assert/strict";
import { peerOf } from "../../guests/_updatable.ts";
import { rtos, task } from "../../guests/rtos.ts";
import { manager, updatable } from "../../guests/manager.ts";
import { boards } from "../../hw/boards.ts";
import { ms, s, us } from "../../hw/time.ts";
import { scenario } from "../../rigs/scenario.ts";

Deno.test("peerOf() pairs a service with its standby", () => {
  assert.equal(peerOf("baseband"), "baseband.b");
  assert.equal(peerOf("baseband.b"), "baseband");
});

Deno.test("updatable() refuses a recipe with several vCPUs", () => {
  const two = { ...rtos({ priority: 1, tasks: [] }) };
  const doubled = { ...two, vcpus: [two.vcpus[0], two.vcpus[0]] };
  assert.throws(() => updatable(doubled), /has 2 vCPUs; updatable\(\) takes one/);
});

Deno.test("updatable(rtos) switches to the new image with no frame lost; no-health rolls back", () => {
  const baseband = () =>
    updatable(rtos({
      priority: 200,
      tasks: [task("frame", { irq: "radio", wcet: us(900), deadline: ms(4.615), priority: 10 })],
    }));
  const good = scenario("baseband update")
    .board(boards.handset())
    .cell("baseband", baseband())
    .cell("mgr", manager({ priority: 150 }))
    .script((t) => t.at(ms(200)).fota("baseband", { version: "2.1" }))
    .expect((r) => [
      r.fota("baseband").outcome.toBe("switched"),
      r.deadlineMisses("baseband").toBe(0),
      // 217 frames in [0, 1 s]: every one released and finished, before and after the switch.
      r.completions("baseband", "frame").toBe(217),
      r.custom("new instance runs", (w) => (w.cell("baseband.b").state === "running" ? 1 : 0))
        .toBe(1),
      r.custom("old instance destroyed", (w) => (w.cell("baseband").state === "destroyed" ? 1 : 0))
        .toBe(1),
    ])
    .execute({ for: s(1) });
  assert.equal(good.passed, true, JSON.stringify(good.assertions, null, 1));
  const silent = scenario("baseband update without health")
    .board(boards.handset())
    .cell("baseband", baseband())
    .cell("mgr", manager({ priority: 150 }))
    .script((t) => t.at(ms(200)).fota("baseband", { variant: "no-health" }))
    .expect((r) => [
      r.fota("baseband").outcome.toBe("rolled-back"),
      r.completions("baseband", "frame").toBe(217),
      r.custom("old instance runs", (w) => (w.cell("baseband").state === "running" ? 1 : 0))
        .toBe(1),
    ])
    .execute({ for: s(1) });
  assert.equal(silent.passed, true, JSON.stringify(silent.assertions, null, 1));
});
