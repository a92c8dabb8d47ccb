// Random small systems for the kernel's property tests: cells, vCPUs, priorities, budgets,
// affinities, channels, an endpoint, a shared section, IRQ lines and cell-control caps, with
// guest programs built from random operation sequences (bad capabilities and random addresses
// included). `simulate()` runs one and reports every guest-visible outcome.
import fc from "fast-check";
import type { TraceRecord } from "../../hw/trace_bus.ts";
import type { CellAction, Operation, OperationResult } from "../../kernel/abi.ts";
import { AUTOMOTIVE_COSTS, HANDSET_COSTS } from "../../kernel/cost_model.ts";
import type { Cell } from "../../kernel/objects/cell.ts";
import { makeRig, type Rig } from "./_setup.ts";

/** A capability operand: a raw (maybe forged) index, or a role resolved from the cell's names. */
export type CapRef = number | { role: Role; pick: number };
type Role = "send" | "receive" | "ep" | "section" | "cell" | "irq" | "signal" | "derived";
const ROLES: Role[] = ["send", "receive", "ep", "section", "cell", "irq", "signal", "derived"];

/** One random operation, before payloads are made and capability roles resolved. */
export type RandomOp =
  | { op: "compute"; cycles: number }
  | { op: "read"; address: number; length: number }
  | { op: "write"; address: number; length: number }
  | { op: "send"; cap: CapRef; length: number }
  | { op: "receive"; cap: CapRef }
  | { op: "call"; cap: CapRef; length: number }
  | { op: "reply"; length: number }
  | { op: "wait" | "poll" | "yield" | "now" }
  | { op: "signal"; cap: CapRef; flags: number }
  | { op: "irqAck"; cap: CapRef }
  | { op: "sleep"; durationNs: number }
  | { op: "timer"; periodNs: number }
  | { op: "interrupts"; enabled: boolean }
  | { op: "waive"; priority: number }
  | { op: "derive"; cap: CapRef; rights: string[] }
  | { op: "revoke"; cap: CapRef }
  | { op: "map"; cap: CapRef; address: number }
  | { op: "cellControl"; cap: CapRef; action: CellAction }
  | { op: "cellSwitch"; cap: CapRef; toCap: CapRef }
  /** Macro: receive from every channel the cell may receive from until each is empty. */
  | { op: "drain" }
  /** Macro: receive a call on the endpoint, then reply to it. */
  | { op: "serve"; length: number };

export interface VcpuConfig {
  priority: number;
  affinity: number;
  budget: { budgetNs: number; extraNs: number } | null;
  program: RandomOp[];
  repeat: number;
}

export interface CellConfig {
  ramPages: number;
  vcpus: VcpuConfig[];
  endpoint: "call" | "receive" | "both" | "none";
  section: string[];
}

export interface SystemConfig {
  board: "handset" | "automotive";
  cells: CellConfig[];
  channels: { from: number; to: number; slots: number; maxBytes: number }[];
  irqOwners: (number | null)[];
  controls: { holder: number; target: number; rights: string[] }[];
  signals: { from: number; to: number }[];
  raises: { line: number; at: number }[];
}

/** Virtual time each run covers. */
export const RUN_NS = 2_000_000;
/** IRQ lines used, by device name (present on both boards). */
export const LINES = ["uart", "keypad"] as const;
/** Where a cell may map the section with `map`. */
export const MAP_ADDRESS = 0x1000_0000;
/** Section window base (SECTION_WINDOW_BASE). */
export const SECTION_BASE = 0x6000_0000;

const rawCap = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 9 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 63, 64, 1_000, 0.5) },
);
/** A capability operand, mostly of the role the operation wants. */
const capFor = (...wanted: Role[]): fc.Arbitrary<CapRef> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ role: fc.constantFrom(...wanted), pick: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ role: fc.constantFrom(...ROLES), pick: fc.nat(3) }) },
    { weight: 2, arbitrary: rawCap },
  );
const cap = capFor(...ROLES);
const address = fc.oneof(
  fc.integer({ min: 0, max: 4 * 4096 }),
  fc.integer({ min: SECTION_BASE - 16, max: SECTION_BASE + 2 * 4096 }),
  fc.integer({ min: MAP_ADDRESS - 16, max: MAP_ADDRESS + 2 * 4096 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const rights = fc.subarray([
  "send",
  "receive",
  "call",
  "read",
  "write",
  "map",
  "ack",
  "signal",
  "start",
  "stop",
  "zeroize",
  "switch",
]);
const actions: CellAction[] = [
  "start",
  "stop",
  "restart",
  "zeroize",
  "destroy",
  "suspend",
  "resume",
];

/** One random operation. */
export const randomOp: fc.Arbitrary<RandomOp> = fc.oneof(
  fc.record({ op: fc.constant("compute" as const), cycles: fc.integer({ min: 0, max: 60_000 }) }),
  fc.record({ op: fc.constant("read" as const), address, length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    op: fc.constant("write" as const),
    address,
    length: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    op: fc.constant("send" as const),
    cap: capFor("send", "derived"),
    length: fc.integer({ min: 4, max: 40 }),
  }),
  fc.record({ op: fc.constant("receive" as const), cap: capFor("receive", "ep", "derived") }),
  fc.record({
    op: fc.constant("call" as const),
    cap: capFor("ep", "derived"),
    length: fc.integer({ min: 4, max: 40 }),
  }),
  fc.record({ op: fc.constant("reply" as const), length: fc.integer({ min: 0, max: 40 }) }),
  fc.record({
    op: fc.constantFrom("wait" as const, "poll" as const, "yield" as const, "now" as const),
  }),
  fc.record({
    op: fc.constant("signal" as const),
    cap: capFor("signal"),
    flags: fc.integer({ min: 0, max: 15 }),
  }),
  fc.record({ op: fc.constant("irqAck" as const), cap: capFor("irq") }),
  fc.record({
    op: fc.constant("sleep" as const),
    durationNs: fc.integer({ min: 0, max: 200_000 }),
  }),
  fc.record({
    op: fc.constant("timer" as const),
    periodNs: fc.constantFrom(0, 100_000, 250_000),
  }),
  fc.record({ op: fc.constant("interrupts" as const), enabled: fc.boolean() }),
  fc.record({ op: fc.constant("waive" as const), priority: fc.integer({ min: -1, max: 256 }) }),
  fc.record({ op: fc.constant("derive" as const), cap, rights }),
  fc.record({ op: fc.constant("revoke" as const), cap }),
  fc.record({
    op: fc.constant("map" as const),
    cap: capFor("section", "derived"),
    address: fc.constantFrom(
      MAP_ADDRESS,
      MAP_ADDRESS + 4096,
      SECTION_BASE,
      0,
      0x1234,
      2 ** 32 - 4096,
    ),
  }),
  fc.record({
    op: fc.constant("cellControl" as const),
    cap: capFor("cell"),
    action: fc.constantFrom(...actions),
  }),
  fc.record({ op: fc.constant("drain" as const) }),
  fc.record({ op: fc.constant("serve" as const), length: fc.integer({ min: 0, max: 24 }) }),
  fc.record({
    op: fc.constant("cellSwitch" as const),
    cap: capFor("cell"),
    toCap: capFor("cell"),
  }),
);

const vcpu: fc.Arbitrary<VcpuConfig> = fc.record({
  priority: fc.constantFrom(0, 10, 50, 50, 100, 200, 255),
  affinity: fc.integer({ min: 0, max: 3 }),
  budget: fc.option(
    fc.record({
      budgetNs: fc.integer({ min: 20_000, max: 200_000 }),
      extraNs: fc.integer({ min: 0, max: 300_000 }),
    }),
  ),
  program: fc.array(randomOp, { minLength: 1, maxLength: 14 }),
  repeat: fc.integer({ min: 1, max: 4 }),
});

const cellIndex = fc.integer({ min: 0, max: 2 });

/** A random small system. */
export const randomSystem: fc.Arbitrary<SystemConfig> = fc.record({
  board: fc.constantFrom("handset" as const, "automotive" as const),
  cells: fc.array(
    fc.record({
      ramPages: fc.integer({ min: 1, max: 3 }),
      vcpus: fc.array(vcpu, { minLength: 1, maxLength: 2 }),
      endpoint: fc.constantFrom(
        "call" as const,
        "receive" as const,
        "both" as const,
        "none" as const,
      ),
      section: fc.subarray(["read", "write", "map"]),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  channels: fc.array(
    fc.record({
      from: cellIndex,
      to: cellIndex,
      slots: fc.integer({ min: 1, max: 3 }),
      maxBytes: fc.integer({ min: 4, max: 32 }),
    }),
    { maxLength: 3 },
  ),
  irqOwners: fc.tuple(fc.option(cellIndex), fc.option(cellIndex)),
  controls: fc.array(fc.record({ holder: cellIndex, target: cellIndex, rights }), {
    maxLength: 2,
  }),
  signals: fc.array(fc.record({ from: cellIndex, to: cellIndex }), { maxLength: 2 }),
  raises: fc.array(
    fc.record({ line: fc.integer({ min: 0, max: 1 }), at: fc.integer({ min: 0, max: RUN_NS }) }),
    { maxLength: 6 },
  ),
});

/** One operation a guest made and what it got, in program order. */
export interface Outcome {
  readonly cell: string;
  readonly vcpu: string;
  /** Increments each time the cell's program starts again. */
  readonly incarnation: number;
  readonly op: Operation;
  readonly result: OperationResult;
  readonly time: number;
}

/** What a run produced. */
export interface Simulation {
  readonly rig: Rig;
  readonly config: SystemConfig;
  readonly cells: Cell[];
  readonly outcomes: Outcome[];
}

/** A payload whose first 4 bytes name the sending vCPU and its sequence number. */
function payload(vcpuId: number, sequence: number, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, 4));
  bytes[0] = vcpuId;
  bytes[1] = sequence & 0xff;
  bytes[2] = sequence >> 8;
  bytes[3] = 0xa5;
  return bytes;
}

/** The key of a payload made by {@linkcode payload}. */
export function payloadKey(bytes: Uint8Array): string {
  return `${bytes[0]}:${bytes[1] | (bytes[2] << 8)}`;
}

/** Resolves a capability operand against the cell's named caps and the indices it derived. */
function resolve(ref: CapRef, names: Readonly<Record<string, number>>, derived: number[]): number {
  if (typeof ref === "number") return ref;
  const prefix = ref.role === "ep" ? "ep" : `${ref.role}:`;
  const found = ref.role === "derived"
    ? derived
    : Object.entries(names).filter(([name]) => name.startsWith(prefix)).map(([, i]) => i);
  return found.length === 0 ? ref.pick : found[ref.pick % found.length];
}

function toOperation(
  random: RandomOp,
  make: (length: number) => Uint8Array,
  names: Readonly<Record<string, number>>,
  derived: number[],
): Operation {
  const op = { ...random } as Record<string, unknown>;
  if ("cap" in random) op.cap = resolve(random.cap, names, derived);
  if ("toCap" in random) op.toCap = resolve(random.toCap, names, derived);
  return withPayload(op as unknown as RandomOp, make);
}

function withPayload(op: RandomOp, make: (length: number) => Uint8Array): Operation {
  switch (op.op) {
    case "write":
      return { op: "write", address: op.address, bytes: make(op.length) };
    case "send":
      return { op: "send", cap: op.cap as number, bytes: make(op.length) };
    case "call":
      return { op: "call", cap: op.cap as number, bytes: make(op.length) };
    case "reply":
      return { op: "reply", bytes: new Uint8Array(op.length) };
    case "drain":
    case "serve":
      throw new TypeError(`macro "${op.op}" is expanded by the program`);
    default:
      return op as Operation;
  }
}

/**
 * Builds and runs a system, calling `afterStep` after every engine step and `onRecord` for
 * every trace record as it is emitted.
 */
export function simulate(
  config: SystemConfig,
  hooks: {
    afterStep?: (simulation: Simulation) => void;
    onRecord?: (record: TraceRecord, simulation: Simulation) => void;
  } = {},
): Simulation {
  const automotive = config.board === "automotive";
  const rig = makeRig({
    board: config.board,
    costs: automotive ? AUTOMOTIVE_COSTS : HANDSET_COSTS,
  });
  const cores = rig.board.cores.length;
  const outcomes: Outcome[] = [];
  const cells: Cell[] = [];
  const simulation: Simulation = { rig, config, cells, outcomes };
  const n = config.cells.length;
  let sequence = 0;
  config.cells.forEach((spec, index) => {
    const name = `c${index}`;
    let incarnation = 0;
    const cell = rig.kernel.createCell({
      name,
      ramBytes: spec.ramPages * 4096,
      vcpus: spec.vcpus.map((v, vi) => ({
        priority: v.priority,
        affinity: v.affinity % cores,
        budgetNs: v.budget?.budgetNs,
        periodNs: v.budget === null ? undefined : v.budget.budgetNs + v.budget.extraNs,
        *program(ctx) {
          const mine = incarnation++;
          const derived: number[] = [];
          const vcpuName = `${name}.${vi}`;
          const id = cell.vcpus[vi].id;
          const record = (op: Operation, result: OperationResult) =>
            outcomes.push({
              cell: name,
              vcpu: vcpuName,
              incarnation: mine,
              op,
              result,
              time: rig.engine.now,
            });
          for (let round = 0; round < v.repeat; round++) {
            for (const random of v.program) {
              if (random.op === "drain") {
                for (const [capName, index] of Object.entries(ctx.caps)) {
                  if (!capName.startsWith("receive:")) continue;
                  for (let i = 0; i < 4; i++) {
                    const op: Operation = { op: "receive", cap: index };
                    const result: OperationResult = yield op;
                    record(op, result);
                    if (!result.ok || result.value === undefined) break;
                  }
                }
                continue;
              }
              if (random.op === "serve") {
                const receive: Operation = { op: "receive", cap: ctx.caps["ep"] ?? 0 };
                const request: OperationResult = yield receive;
                record(receive, request);
                const reply: Operation = { op: "reply", bytes: new Uint8Array(random.length) };
                record(reply, yield reply);
                continue;
              }
              const make = (length: number) => payload(id, sequence++, length);
              const op = toOperation(random, make, ctx.caps, derived);
              const result: OperationResult = yield op;
              if (op.op === "derive" && result.ok) derived.push(result.value as number);
              record(op, result);
            }
          }
        },
      })),
    });
    cells.push(cell);
  });
  const endpoint = rig.kernel.createEndpoint("ep");
  const section = rig.kernel.createSection("shared", 2 * 4096);
  config.cells.forEach((spec, index) => {
    const cell = cells[index];
    if (spec.endpoint !== "none") {
      const rights = spec.endpoint === "both" ? ["call", "receive"] : [spec.endpoint];
      rig.kernel.grant(cell, "endpoint", endpoint, { rights, name: "ep", badge: index + 1 });
    }
    if (spec.section.length > 0) rig.kernel.grantSection(cell, section, spec.section);
  });
  config.channels.forEach((spec, index) => {
    const from = cells[spec.from % n], to = cells[spec.to % n];
    const name = `ch${index}`;
    rig.kernel.createChannel({ name, from, to, slots: spec.slots, maxBytes: spec.maxBytes });
  });
  config.irqOwners.forEach((owner, line) => {
    if (owner !== null) rig.kernel.grantIrq(cells[owner % n], LINES[line]);
  });
  const granted = new Set<string>();
  for (const control of config.controls) {
    const holder = cells[control.holder % n], target = cells[control.target % n];
    if (granted.has(`${holder.name}>${target.name}`)) continue;
    granted.add(`${holder.name}>${target.name}`);
    const valid = control.rights.filter((r) =>
      ["start", "stop", "restart", "zeroize", "destroy", "suspend", "resume", "switch"]
        .includes(r)
    );
    rig.kernel.grant(holder, "cell", target, { rights: valid, name: `cell:${target.name}` });
  }
  config.signals.forEach((signal, index) => {
    rig.kernel.grantSignal(cells[signal.from % n], cells[signal.to % n], `s${index}`);
  });
  for (const raise of config.raises) {
    const line = rig.board.irqLine(LINES[raise.line]);
    rig.engine.schedule(raise.at, () => rig.board.interrupts.raise(line));
  }
  if (hooks.onRecord !== undefined) {
    const onRecord = hooks.onRecord;
    rig.engine.trace.subscribe((record) => onRecord(record, simulation));
  }
  for (const cell of cells) rig.kernel.start(cell);
  hooks.afterStep?.(simulation);
  for (let steps = 0; steps < 200_000; steps++) {
    const next = rig.engine.peek();
    if (next === undefined || next > RUN_NS) break;
    rig.engine.step();
    hooks.afterStep?.(simulation);
  }
  return simulation;
}
