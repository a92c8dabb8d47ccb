import assert from "node:assert/strict";
import { boards } from "../../hw/boards.ts";
import { HANDSET_COSTS, ZERO_COSTS } from "../../kernel/cost_model.ts";
import type { CostTable } from "../../kernel/cost_model.ts";
import { compute, now, wait } from "../../guests/program.ts";
import {
  richOs,
  richOsControl,
  type RichOsObservation,
  richOsObservation,
  type RichOsOptions,
} from "../../guests/rich_os.ts";
import { connect, handContext, load, makeRig, type Rig } from "./_setup.ts";

const MS = 1_000_000;
const GHZ = 1_000_000_000;

function runRichOs(
  options: Omit<RichOsOptions, "priority" | "observe">,
  untilNs: number,
  setup: {
    costs?: CostTable;
    clockHz?: number;
    cores?: number;
    slots?: number;
    before?: (rig: Rig) => void;
  } = {},
): { rig: Rig; observe: RichOsObservation } {
  const rig = makeRig({
    spec: boards.handset({ clockHz: setup.clockHz ?? GHZ, cores: setup.cores ?? 1 }),
    costs: setup.costs ?? ZERO_COSTS,
  });
  const observe = richOsObservation();
  const android = load(rig, "android", richOs({ priority: 50, ...options, observe }));
  if (setup.slots !== undefined) {
    // A receiver that never drains its queue.
    const baseband = rig.kernel.createCell({
      name: "baseband",
      ramBytes: 65536,
      vcpus: [{
        priority: 200,
        *program() {
          for (;;) yield* wait();
        },
      }],
    });
    connect(rig, android, baseband, setup.slots);
    rig.kernel.start(baseband);
  }
  setup.before?.(rig);
  rig.kernel.start(android);
  rig.engine.run({ until: untilNs });
  return { rig, observe };
}

Deno.test("richOs() gives CPU-bound processes equal shares within 1%", () => {
  const { observe } = runRichOs(
    { processes: 4, ui: { fps: 60, frameCycles: 2_000_000 } },
    4_000 * MS,
    {
      costs: HANDSET_COSTS,
      clockHz: 532_000_000,
    },
  );
  const shares = observe.processCycles;
  assert.equal(shares.length, 4);
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  for (const share of shares) assert.ok(Math.abs(share - mean) / mean < 0.01, `${shares}`);
  // What the frames did not take went to the processes, less under 1% of OS and kernel costs.
  assert.equal(observe.frames, 240);
  const total = 4 * 532_000_000;
  const used = shares.reduce((a, b) => a + b, 0) + 240 * 2_000_000;
  assert.ok(used <= total && used > 0.99 * total, `${used}`);
});

Deno.test("richOs() splits time exactly by timeslice with the zero cost model", () => {
  // 4 processes, 4 ms slices, 1 GHz: in 160 ms each ran exactly 10 slices.
  const { observe } = runRichOs({ processes: 4 }, 160 * MS);
  assert.deepEqual(observe.processCycles, [40, 40, 40, 40].map((n) => n * MS));
});

Deno.test("richOs() renders a UI frame at every 60 Hz vsync and counts late frames", () => {
  const onTime = runRichOs({ processes: 2, ui: { fps: 60, frameCycles: 5 * MS } }, 1_000 * MS);
  assert.equal(onTime.observe.frames, 60); // vsyncs at 0 .. 983.3 ms
  assert.equal(onTime.observe.framesLate, 0);
  const frames = onTime.rig.of("ui.frame");
  assert.deepEqual(frames.slice(0, 3).map((r) => [r.frame, r.late, r.renderNs]), [
    [0, false, 5 * MS],
    [1, false, 5 * MS],
    [2, false, 5 * MS],
  ]);
  assert.deepEqual(frames.slice(0, 3).map((r) => r.time), [5 * MS, 21_666_667, 38_333_333]);
  // 20 ms frames cannot keep up: each is late and skips one vsync.
  const slow = runRichOs({ processes: 2, ui: { fps: 60, frameCycles: 20 * MS } }, 1_000 * MS);
  assert.equal(slow.observe.frames, 30);
  assert.equal(slow.observe.framesLate, 30);
  assert.equal(slow.observe.vsyncsSkipped, 30);
});

Deno.test("richOs() counts IPC sends and QueueFull refusals when the receiver does not drain", () => {
  const { observe, rig } = runRichOs(
    { processes: 2, ipc: { channel: "android->baseband", every: 10 * MS, bytes: 64 } },
    995 * MS,
    { slots: 8 },
  );
  assert.equal(observe.ipcSent, 8);
  assert.equal(observe.ipcRefused, 92); // sends at 0, 10, …, 990 ms
  assert.equal(observe.ipcErrors, 0);
  assert.equal(rig.of("ipc.refused", "android").length, 92);
  assert.equal(rig.kernel.channel("android->baseband")?.depth, 8);
});

Deno.test("richOs() sends a scripted burst as fast as it can and records what was refused", () => {
  const control = richOsControl();
  const { observe, rig } = runRichOs({ processes: 2, control }, 200 * MS, {
    slots: 16,
    before(rig) {
      rig.engine.schedule(
        102 * MS,
        () => control.burst("android->baseband", { messages: 50, bytes: 32 }),
      );
    },
  });
  assert.equal(observe.burstAccepted, 16);
  assert.equal(observe.burstRefused, 34);
  const [burst] = rig.of("ipc.burst");
  assert.deepEqual([burst.messages, burst.accepted, burst.refused], [50, 16, 34]);
  // Picked up at the next scheduling point: the end of the running process's 4 ms slice.
  assert.equal(burst.time, 104 * MS);
});

Deno.test("richOs() runs an installed compromise runner on its vCPU in place of its processes", () => {
  const control = richOsControl();
  const ranAt: number[] = [];
  const { observe, rig } = runRichOs({ processes: 2, control }, 302 * MS, {
    before(rig) {
      rig.engine.schedule(200 * MS, () =>
        control.compromise(function* () {
          ranAt.push(yield* now());
          yield* compute(10 * MS); // hog the CPU
          ranAt.push(yield* now());
        }));
    },
  });
  assert.deepEqual(ranAt, [200 * MS, 210 * MS]);
  assert.equal(observe.compromises, 1);
  assert.deepEqual(rig.of("richos.compromise.end").map((r) => r.time), [210 * MS]);
  // The processes lost exactly the 10 ms the runner took (302 ms ends a slice).
  assert.equal(observe.processCycles[0] + observe.processCycles[1], 292 * MS);
});

Deno.test("richOs() spreads processes over its vCPUs", () => {
  const { observe, rig } = runRichOs({ processes: 4, vcpus: 2, affinity: [0, 1] }, 80 * MS, {
    cores: 2,
  });
  assert.equal(rig.kernel.cell("android").vcpus[1].affinity, 1);
  // vCPU 0 runs processes 0 and 2, vCPU 1 runs 1 and 3, each on its own core.
  assert.deepEqual(observe.processCycles, [40, 40, 40, 40].map((n) => n * MS));
});

Deno.test("richOs() rejects bad options with the valid range", () => {
  assert.throws(() => richOs({ priority: 1, vcpus: 0 }), /vcpus 0 must be a whole number >= 1/);
  assert.throws(() => richOs({ priority: 1, timesliceNs: 0 }), /timesliceNs 0/);
  assert.throws(() => richOsControl().burst("x", { messages: -1, bytes: 1 }), RangeError);
});

Deno.test("richOs() rejects an unknown option, also in ui and ipc, with a suggestion", () => {
  assert.throws(
    () => richOs({ priority: 50, vcpu: 2 } as never),
    new TypeError(
      'Cannot create richOs: unknown option "vcpu" (did you mean "vcpus"?); valid options are "priority", "affinity", "budgetNs", "periodNs", "vcpus", "processes", "ui", "timesliceNs", "ipc", "ramBytes", "image", "control", "observe"',
    ),
  );
  assert.throws(
    () => richOs({ priority: 50, ui: { fps: 60, frameCycle: 1_000 } } as never),
    new TypeError(
      'Cannot create richOs: unknown option "ui.frameCycle" (did you mean "ui.frameCycles"?); valid options are "ui.fps", "ui.frameCycles"',
    ),
  );
  assert.throws(
    () => richOs({ priority: 50, ipc: { channel: "a->b", every: 1, byte: 8 } } as never),
    new TypeError(
      'Cannot create richOs: unknown option "ipc.byte" (did you mean "ipc.bytes"?); valid options are "ipc.channel", "ipc.every", "ipc.bytes"',
    ),
  );
});

Deno.test("richOs() program follows the generator protocol: next, return, throw, iterator", () => {
  const recipe = richOs({ priority: 1, processes: 1 });
  const ok = { ok: true as const, value: undefined };
  const at = (ns: number) => ({ ok: true as const, value: ns });
  const program = recipe.vcpus[0].program(handContext("android", "rich-os"));
  assert.equal(program[Symbol.iterator](), program);
  assert.deepEqual(program.next(ok).value, { op: "interrupts", enabled: true });
  assert.deepEqual(program.next(ok).value, { op: "clock" });
  assert.deepEqual(program.next(at(0)).value, { op: "clock" });
  // No timed event and a process to run: the timer stays stopped, the slice runs.
  assert.deepEqual(program.next(at(0)), { done: false, value: { op: "compute", cycles: 4 * MS } });
  assert.deepEqual(program.next(ok).value, { op: "clock" });
  assert.deepEqual(program.return(undefined), { done: true, value: undefined });
  assert.deepEqual(program.next(ok), { done: true, value: undefined });
  const thrown = recipe.vcpus[0].program(handContext("android", "rich-os"));
  thrown.next(ok);
  assert.throws(() => thrown.throw(new Error("stop")), /stop/);
  assert.deepEqual(thrown.next(ok), { done: true, value: undefined });
  // Idle: the timer wakes the OS one timeslice ahead to pick hooks up.
  const idle = richOs({ priority: 1, processes: 0 }).vcpus[0].program(
    handContext("android", "rich-os"),
  );
  idle.next(ok);
  idle.next(ok);
  idle.next(at(0));
  assert.deepEqual(idle.next(at(0)).value, { op: "timer", periodNs: 2 ** 50, firstNs: 4 * MS });
  assert.deepEqual(idle.next(ok).value, { op: "wait" });
});

Deno.test("richOs() program runs hooks in place of its work, and a throwing runner ends it", () => {
  const control = richOsControl();
  const observe = richOsObservation();
  const traced: string[] = [];
  const recipe = richOs({ priority: 1, processes: 1, control, observe });
  const ok = { ok: true as const, value: undefined };
  const at = (ns: number) => ({ ok: true as const, value: ns });
  const program = recipe.vcpus[0].program(handContext("android", "rich-os", traced));
  program.next(ok);
  program.next(ok);
  control.request("pin");
  control.compromise(function* () {
    yield* compute(5);
    throw new Error("boom");
  });
  assert.deepEqual(program.next(at(0)).value, { op: "clock" });
  // The runner goes first, with interrupts off; its operations are the program's.
  assert.deepEqual(program.next(at(0)).value, { op: "interrupts", enabled: false });
  assert.equal(observe.compromises, 1);
  assert.deepEqual(program.next(ok).value, { op: "compute", cycles: 5 });
  assert.throws(() => program.next(ok), /boom/);
  assert.deepEqual(program.next(ok), { done: true, value: undefined });
  assert.deepEqual(traced, ["richos.compromise"]);
  // The request (no endpoint cap) was never reached.
  assert.deepEqual(observe.replies, []);
  // On a fresh boot the request is answered without an operation, then the OS reads the time.
  const again = recipe.vcpus[0].program(handContext("android", "rich-os", traced));
  again.next(ok);
  again.next(ok);
  assert.deepEqual(again.next(at(0)).value, { op: "clock" });
  assert.deepEqual(again.next(at(0)).value, { op: "clock" });
  assert.deepEqual(observe.replies, ["error:NoEndpoint"]);
  assert.deepEqual(traced, ["richos.compromise", "richos.reply"]);
});
