import assert from "node:assert/strict";
import fc from "fast-check";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { ReceivedMessage } from "../../kernel/abi.ts";
import type { Channel } from "../../kernel/objects/channel.ts";
import type { Section } from "../../kernel/objects/section.ts";
import {
  LINES,
  payloadKey,
  randomSystem,
  SECTION_BASE,
  simulate,
  type Simulation,
} from "./_random_system.ts";

const RUNS = { numRuns: 500 };

Deno.test("Microvisor runs the highest-priority ready vCPU on every core outside kernel paths", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      simulate(config, {
        afterStep({ rig, cells }) {
          for (let core = 0; core < rig.board.cores.length; core++) {
            const { current, busy } = rig.kernel.inspectCore(core);
            if (busy) continue;
            let best = -1;
            for (const cell of cells) {
              for (const vcpu of cell.vcpus) {
                if (vcpu.state === "ready" && vcpu.affinity === core) {
                  best = Math.max(best, vcpu.priority);
                }
              }
            }
            if (best < 0) continue;
            assert.ok(
              current !== undefined && current.priority >= best,
              `core ${core} at ${rig.engine.now} ns runs ${current?.name ?? "nothing"} ` +
                `(priority ${current?.priority}) while a vCPU of priority ${best} is ready`,
            );
          }
        },
      });
    }),
    RUNS,
  );
});

Deno.test("Microvisor keeps every vCPU's current priority within 0..base", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      simulate(config, {
        afterStep({ cells }) {
          for (const cell of cells) {
            for (const vcpu of cell.vcpus) {
              assert.ok(vcpu.priority >= 0 && vcpu.priority <= vcpu.basePriority, vcpu.name);
            }
          }
        },
      });
    }),
    RUNS,
  );
});

/** Whether every byte of [address, address + length) is in a region granting `right`. */
function covered(
  regions: readonly { base: number; size: number; rights: readonly string[] }[],
  address: number,
  length: number,
  right: string,
): boolean {
  for (let at = address; at < address + length; at++) {
    if (!regions.some((r) => at >= r.base && at < r.base + r.size && r.rights.includes(right))) {
      return false;
    }
  }
  return true;
}

Deno.test("Microvisor lets no read or write succeed without a mapping and the right", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      const sim = simulate(config);
      sim.config.cells.forEach((spec, index) => {
        const name = `c${index}`;
        const fixed = [
          { base: 0, size: spec.ramPages * 4096, rights: ["read", "write"] },
          { base: SECTION_BASE, size: 8192, rights: spec.section },
        ];
        const mapped = new Map<number, { base: number; size: number; rights: string[] }[]>();
        const everMapped: { base: number; size: number; rights: string[] }[] = [];
        const single = spec.vcpus.length === 1;
        for (const outcome of sim.outcomes) {
          if (outcome.cell !== name) continue;
          const { op, result } = outcome;
          const own = mapped.get(outcome.incarnation) ?? [];
          mapped.set(outcome.incarnation, own);
          if (op.op === "map" && result.ok) {
            const cap = sim.cells[index].caps.at(op.cap)!;
            const region = { base: op.address, size: 8192, rights: [...cap.rights] };
            own.push(region);
            everMapped.push(region);
          }
          if (op.op !== "read" && op.op !== "write") continue;
          const length = op.op === "read" ? op.length : op.bytes.length;
          const right = op.op;
          if (result.ok) {
            const model = single ? [...fixed, ...own] : [...fixed, ...everMapped];
            assert.ok(
              covered(model, op.address, length, right),
              `${outcome.vcpu} ${right} of ${length} at 0x${op.address.toString(16)} succeeded`,
            );
          } else {
            assert.equal(result.error.kind, "Fault");
            assert.ok(!covered(fixed, op.address, length, right));
            if (single) assert.ok(!covered([...fixed, ...own], op.address, length, right));
          }
        }
      });
    }),
    RUNS,
  );
});

Deno.test("Microvisor never lets a budgeted vCPU exceed its budget in any window of one period", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      const runs = new Map<string, [number, number][]>();
      const add = (vcpu: string, start: number, duration: number) => {
        if (duration <= 0) return;
        const list = runs.get(vcpu) ?? [];
        runs.set(vcpu, list);
        list.push([start, start + duration]);
      };
      const sim = simulate(config, {
        onRecord(record) {
          if (record.kind === "cpu.run") {
            add(record.vcpu as string, record.start as number, record.durationNs as number);
          } else if (record.kind === "cpu.kernel" && record.vcpu !== undefined) {
            add(record.vcpu as string, record.start as number, record.chargedNs as number);
          }
        },
      });
      for (const cell of sim.cells) {
        for (const vcpu of cell.vcpus) {
          const sc = vcpu.sc;
          if (sc === undefined || sc.unlimited) continue;
          const intervals = runs.get(vcpu.name) ?? [];
          for (const [windowStart] of intervals) {
            const windowEnd = windowStart + sc.periodNs;
            let used = 0;
            for (const [start, end] of intervals) {
              used += Math.max(0, Math.min(end, windowEnd) - Math.max(start, windowStart));
            }
            assert.ok(
              used <= sc.budgetNs,
              `${vcpu.name} ran ${used} ns in [${windowStart}, ${windowEnd}) with a budget of ` +
                `${sc.budgetNs} ns per ${sc.periodNs} ns`,
            );
          }
        }
      }
    }),
    RUNS,
  );
});

const DECODE_ERRORS = new Set([
  "InvalidCapability",
  "RevokedCapability",
  "WrongCapabilityType",
  "MissingRight",
  "MessageTooLarge",
  "InvalidArgument",
  "QueueFull",
]);

Deno.test("Microvisor delivers an IPC message only to a receive-capability holder, in order, at most once", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      const sim = simulate(config);
      const n = config.cells.length;
      const refused = new Set<string>();
      for (const { op, result } of sim.outcomes) {
        if ((op.op === "send" || op.op === "call") && !result.ok) {
          if (op.op === "send" || DECODE_ERRORS.has(result.error.kind)) {
            refused.add(payloadKey(op.bytes));
          }
        }
      }
      const seen = new Set<string>();
      const last = new Map<string, number>();
      for (const outcome of sim.outcomes) {
        const { op, result } = outcome;
        if (op.op !== "receive" || !result.ok || result.value === undefined) continue;
        const message = result.value as ReceivedMessage;
        const key = payloadKey(message.bytes);
        assert.ok(!seen.has(key), `message ${key} received twice`);
        seen.add(key);
        assert.ok(!refused.has(key), `message ${key} was refused to its sender but delivered`);
        const cellIndex = Number(outcome.cell.slice(1));
        const cap = sim.cells[cellIndex].caps.at(op.cap);
        if (cap?.type === "channel") {
          const channel = cap.object as Channel;
          const index = Number(channel.name.slice(2));
          assert.equal(config.channels[index].to % n, cellIndex, `${key} on ${channel.name}`);
          const stream = `${outcome.vcpu}/${channel.name}/${message.bytes[0]}`;
          const sequence = message.bytes[1] | (message.bytes[2] << 8);
          assert.ok((last.get(stream) ?? -1) < sequence, `${key} out of order on ${stream}`);
          last.set(stream, sequence);
        } else {
          const holder = config.cells[cellIndex].endpoint;
          assert.ok(holder === "receive" || holder === "both", `${key} reached ${outcome.cell}`);
        }
      }
    }),
    RUNS,
  );
});

Deno.test("Microvisor leaves no readable byte, mapping or capability of a zeroized cell's frames", () => {
  // Few random systems zeroize a cell (about 2%): count the wipes checked over all of them.
  let checked = 0;
  fc.assert(
    fc.property(randomSystem, (config) => {
      const frames = new Map<string, number[]>();
      simulate(config, {
        afterStep({ cells }) {
          for (const cell of cells) frames.set(cell.name, [...cell.frames]);
        },
        onRecord(record: TraceRecord, { rig, cells }: Simulation) {
          if (record.kind !== "memory.zeroize") return;
          checked++;
          const wiped = frames.get(record.source) ?? [];
          const wipedSet = new Set(wiped);
          for (const frame of wiped) {
            assert.ok(rig.board.memory.read(frame, 4096).every((byte) => byte === 0));
            assert.equal(rig.kernel.frames.isAllocated(frame), false);
          }
          for (const cell of cells) {
            for (const [, mapping] of cell.space.entries()) {
              assert.ok(!wipedSet.has(mapping.frame), `${cell.name} still maps a wiped frame`);
            }
            for (const [, cap] of cell.caps.entries()) {
              if (cap.type !== "section") continue;
              for (const frame of (cap.object as Section).frames) assert.ok(!wipedSet.has(frame));
            }
          }
          const target = cells.find((cell) => cell.name === record.source)!;
          assert.equal(target.frames.length, 0);
          assert.ok(target.space.entries().every(([, m]) => m.kind !== "ram"));
        },
      });
    }),
    RUNS,
  );
  assert.ok(checked > 0, `no random system zeroized a cell in ${RUNS.numRuns} runs`);
});

Deno.test("Microvisor routes a hardware IRQ only to the cell that owns its line", () => {
  fc.assert(
    fc.property(randomSystem, (config) => {
      const n = config.cells.length;
      const owner = new Map<number, string | undefined>();
      const everOwned = new Map<number, Set<string>>();
      let lines: number[] = [];
      simulate(config, {
        onRecord(record, { rig }) {
          if (lines.length === 0) {
            lines = LINES.map((name) => rig.board.irqLine(name));
            config.irqOwners.forEach((index, i) => {
              const cell = index === null ? undefined : `c${index % n}`;
              owner.set(lines[i], cell);
              everOwned.set(lines[i], new Set(cell === undefined ? [] : [cell]));
            });
          }
          if (record.kind === "cell.switch") {
            for (const line of lines) {
              if (owner.get(line) === record.from) {
                owner.set(line, record.source);
                everOwned.get(line)!.add(record.source);
              }
            }
          } else if (record.kind === "cell.state" && record.state === "destroyed") {
            for (const line of lines) {
              if (owner.get(line) === record.source) owner.set(line, undefined);
            }
          } else if (record.kind === "virq.pending" && (record.line as number) >= 0) {
            assert.equal(record.source, owner.get(record.line as number));
          } else if (record.kind === "virq.deliver") {
            assert.ok(everOwned.get(record.line as number)?.has(record.source));
          }
        },
      });
    }),
    RUNS,
  );
});
