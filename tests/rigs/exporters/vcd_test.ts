import assert from "node:assert/strict";
import { CELL_STATE_CODES, VcdExporter } from "../../../rigs/exporters/vcd.ts";
import { memorySink } from "../../../rigs/exporters/text_sink.ts";
import { parseTraceWindow, type TimeWindow } from "../../../rigs/exporters/trace_window.ts";
import { fixture } from "./_fixture.ts";

interface Var {
  kind: string;
  width: number;
  code: string;
  name: string;
  scope: string;
}

interface Dump {
  timescale: string;
  comments: string[];
  vars: Map<string, Var>;
  times: number[];
  changes: { time: number; code: string; value: string }[];
}

/** A strict reader of the VCD subset the exporter writes (IEEE 1364 §18). */
function parseVcd(text: string): Dump {
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  const dump: Dump = { timescale: "", comments: [], vars: new Map(), times: [], changes: [] };
  const scopes: string[] = [];
  let i = 0;
  const until = () => {
    const body: string[] = [];
    while (tokens[i] !== "$end") {
      assert.ok(i < tokens.length, "unterminated section");
      body.push(tokens[i++]);
    }
    i++;
    return body;
  };
  let definitions = true;
  let time = -1;
  while (i < tokens.length) {
    const token = tokens[i++];
    if (token === "$comment" || token === "$version" || token === "$date") {
      const body = until().join(" ");
      if (token === "$comment") dump.comments.push(body);
    } else if (definitions && token === "$timescale") dump.timescale = until().join("");
    else if (definitions && token === "$scope") {
      const [kind, name] = until();
      assert.equal(kind, "module");
      scopes.push(name);
    } else if (definitions && token === "$upscope") {
      until();
      scopes.pop();
    } else if (definitions && token === "$var") {
      const [kind, width, code, name, ...rest] = until();
      assert.ok(kind === "wire" || kind === "reg", `var kind ${kind}`);
      assert.equal(rest.length, 0, `var ${name} has no extra tokens`);
      assert.ok(!dump.vars.has(code), `code ${code} declared once`);
      dump.vars.set(code, { kind, width: Number(width), code, name, scope: scopes.join(".") });
    } else if (definitions && token === "$enddefinitions") {
      until();
      assert.equal(scopes.length, 0, "scopes closed");
      definitions = false;
    } else if (!definitions && token.startsWith("#")) {
      const next = Number(token.slice(1));
      assert.ok(Number.isSafeInteger(next) && next > time, `#${next} after #${time}`);
      time = next;
      dump.times.push(time);
    } else if (!definitions && (token === "$dumpvars" || token === "$end")) {
      continue;
    } else if (!definitions && /^b[01]+$/.test(token)) {
      const code = tokens[i++];
      const v = dump.vars.get(code);
      assert.ok(v !== undefined, `value for undeclared ${code}`);
      assert.ok(token.length - 1 <= v.width, `${v.name} value ${token} fits ${v.width} bits`);
      assert.ok(time >= 0);
      dump.changes.push({ time, code, value: token.slice(1) });
    } else if (!definitions && /^[01xz]/.test(token)) {
      const code = token.slice(1);
      const v = dump.vars.get(code);
      assert.ok(v !== undefined, `value for undeclared ${code}`);
      assert.equal(v.width, 1, `${v.name} is a 1-bit scalar`);
      assert.ok(time >= 0);
      dump.changes.push({ time, code, value: token[0] });
    } else {
      assert.fail(`unexpected token ${token} (definitions: ${definitions})`);
    }
  }
  assert.ok(!definitions, "$enddefinitions present");
  return dump;
}

function dumped(window?: TimeWindow) {
  const { sink, text } = memorySink();
  const vcd = new VcdExporter(sink, { window });
  const result = fixture().execute({ for: "10ms", observe: (world) => vcd.observe(world) });
  vcd.finish(result);
  return { text: text(), dump: parseVcd(text()), result };
}

const whole = dumped();

Deno.test("VcdExporter writes a VCD a strict reader parses, in 1ns with increasing times", () => {
  const { dump } = whole;
  assert.equal(dump.timescale, "1ns");
  assert.ok(dump.times.length > 100);
  assert.equal(dump.times[0], 0);
  assert.equal(dump.times[dump.times.length - 1], 10_000_000);
});

Deno.test("VcdExporter declares IRQ lines, per-core vCPU and kernel signals, cell states", () => {
  const names = [...whole.dump.vars.values()].map((v) =>
    `${v.scope}.${v.name}:${v.kind}${v.width}`
  );
  assert.ok(names.includes("automotive.irq.can:wire1"), names.join(" "));
  for (let core = 0; core < 4; core++) {
    assert.ok(names.includes(`automotive.cores.core${core}_vcpu:reg8`));
    assert.ok(names.includes(`automotive.cores.core${core}_kernel:wire1`));
  }
  assert.ok(names.includes("automotive.cells.ctl_state:reg3"));
  const ids = whole.dump.comments.find((c) => c.startsWith("core*_vcpu ids"))!;
  assert.match(ids, /0 idle, 1 ctl\.0, 2 app\.0, 3 busy\.0/);
  assert.match(whole.dump.comments.join("\n"), /2 running/);
});

Deno.test("VcdExporter values follow the run: cores switch vCPUs, cells start running", () => {
  const byName = new Map([...whole.dump.vars.values()].map((v) => [v.name, v.code]));
  const values = (name: string) =>
    whole.dump.changes.filter((c) => c.code === byName.get(name)).map((c) => parseInt(c.value, 2));
  assert.ok(new Set(values("core1_vcpu")).has(2), "app (id 2) runs on core 1");
  assert.ok(values("core0_kernel").includes(1));
  assert.equal(values("ctl_state")[0], CELL_STATE_CODES.running);
});

Deno.test("VcdExporter with a window dumps initial values at its start and stops at its end", () => {
  const { dump } = dumped(parseTraceWindow("2ms..3ms"));
  assert.equal(dump.times[0], 2_000_000);
  assert.equal(dump.times[dump.times.length - 1], 3_000_000);
  const atStart = dump.changes.filter((c) => c.time === 2_000_000);
  assert.ok(atStart.length >= dump.vars.size, "every signal has a value at the window's start");
});

Deno.test("VcdExporter does not change the run's fingerprint", () => {
  assert.equal(whole.result.fingerprint, fixture().execute({ for: "10ms" }).fingerprint);
});
