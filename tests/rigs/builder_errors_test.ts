import assert from "node:assert/strict";
import { deno } from "../_deno.ts";
import {
  boards,
  compute,
  fotaService,
  irqServer,
  manager,
  ms,
  native,
  parseScenarioFlags,
  pinEntry,
  profiles,
  richOs,
  rtos,
  type Scenario,
  scenario,
  ScenarioError,
  task,
  updatable,
} from "../../mod.ts";

function busy() {
  return native({
    priority: 10,
    *program() {
      for (;;) yield* compute(53_200);
    },
  });
}

/** Two native cells on the handset: every bad input below is a change to this. */
function base(): Scenario {
  return scenario("bad input").board(boards.handset()).cell("app", busy()).cell("other", busy());
}

/** Asserts that building the scenario throws a ScenarioError whose message matches each pattern. */
function rejects(build: () => unknown, ...patterns: RegExp[]): string {
  let message = "";
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${error}`);
    message = error.message;
    return true;
  });
  for (const pattern of patterns) assert.match(message, pattern);
  return message;
}

/** Runs `deno run FILE ARGS` from the repository root with no permission flags. */
function denoRun(file: string, ...args: string[]) {
  return deno(["run", file, ...args]);
}

/** Asserts a fixture exits 2 with the message on stderr and no stack trace. */
async function exitsTwo(file: string, pattern: RegExp, ...args: string[]): Promise<void> {
  const { code, stdout, stderr } = await denoRun(file, ...args);
  assert.equal(code, 2, `${file}: ${stdout}${stderr}`);
  assert.match(stderr, pattern);
  assert.doesNotMatch(stderr, /^\s+at /m, "bad input prints no stack trace");
  assert.doesNotMatch(stdout, /PASSED|FAILED/, "nothing ran");
}

Deno.test("Scenario rejects an unknown cell in expect() with the valid cells and a suggestion", async () => {
  rejects(
    () => base().expect((r) => r.cpuShare("ap").toBe(0)).execute({ for: "1ms" }),
    /^Unknown cell "ap" in expect\(\): cells are "app", "other" \(did you mean "app"\?\)$/,
  );
  await exitsTwo(
    "tests/rigs/fixtures/unknown_cell.ts",
    /error: Unknown cell "andriod" in expect\(\): cells are "android" \(did you mean "android"\?\)/,
  );
});

Deno.test("Scenario rejects an unknown cell in channel() and endpoint() with the valid cells", () => {
  rejects(
    () => base().channel("app", "othr", { slots: 1, maxBytes: 8 }).execute({ for: "1ms" }),
    /^Unknown cell "othr": cells are "app", "other" \(did you mean "other"\?\)$/,
  );
  rejects(
    () => base().endpoint("ap", "other").execute({ for: "1ms" }),
    /^Unknown cell "ap": cells are "app", "other" \(did you mean "app"\?\)$/,
  );
});

Deno.test("Scenario rejects an unknown cell in a script verb with the valid cells", () => {
  for (const verb of ["crash", "hang", "resume", "restart"] as const) {
    rejects(
      () => base().script((t) => t.at("1ms")[verb]("othr")).execute({ for: "1ms" }),
      /^Unknown cell "othr": cells are "app", "other" \(did you mean "other"\?\)$/,
    );
  }
});

Deno.test("Scenario rejects a duplicate cell name", () => {
  rejects(
    () => base().cell("app", busy()).execute({ for: "1ms" }),
    /^Duplicate cell "app": cell names must be unique$/,
  );
});

Deno.test("Scenario rejects an invalid cell name and says what a name may hold", () => {
  for (const name of ["9 lives", "", "a b", "-x"]) {
    rejects(
      () => base().cell(name, busy()).execute({ for: "1ms" }),
      new RegExp(
        `^Invalid cell name ${
          JSON.stringify(JSON.stringify(name)).slice(1, -1)
        }: use letters, digits, "_", "-", "." and start with a letter$`,
      ),
    );
  }
});

Deno.test("Scenario rejects a recipe that is not a guest recipe and names the factories", () => {
  rejects(
    () => base().cell("c", {} as never).execute({ for: "1ms" }),
    /^Invalid recipe for cell "c": use rtos\(\), richOs\(\), pinEntry\(\), manager\(\) or native\(\)$/,
  );
});

Deno.test("Scenario rejects an unknown device in the irq verb and in .irq() with the board's devices", () => {
  const devices = /"keypad", "display", "radio", "uart", "net", "flash", "watchdog"/;
  rejects(
    () => base().script((t) => t.irq("uartt")).execute({ for: "1ms" }),
    /^Unknown device "uartt": the board has /,
    devices,
    /\(did you mean "uart"\?\)$/,
  );
  rejects(
    () => base().script((t) => t.irqStorm("gpu")).execute({ for: "1ms" }),
    /^Unknown device "gpu": the board has /,
  );
  rejects(
    () => base().irq("app", "radi0").execute({ for: "1ms" }),
    /^Unknown device "radi0" in \.irq\("app", "radi0"\): board "handset" has /,
    devices,
    /\(did you mean "radio"\?\)$/,
  );
});

Deno.test("Scenario rejects r.ipc() on a channel the plan does not have, listing the channels", () => {
  rejects(
    () => base().expect((r) => r.ipc("app", "other").sent.toBe(0)).execute({ for: "1ms" }),
    /^Unknown channel "app->other": channels are none$/,
  );
  rejects(
    () =>
      base().channel("app", "other", { slots: 1, maxBytes: 8 })
        .expect((r) => r.ipc("other", "app").sent.toBe(0)).execute({ for: "1ms" }),
    /^Unknown channel "other->app": channels are "app->other"$/,
  );
});

Deno.test("Scenario rejects a duration string with an unknown unit and lists the units", async () => {
  rejects(
    () => base().script((t) => t.at("10 parsecs").crash("app")).execute({ for: "1ms" }),
    /^Cannot parse duration "10 parsecs": .*valid units are ns, us, ms, s, min, h$/,
  );
  rejects(() => base().execute({ for: "5 fortnights" }), /"5 fortnights"/);
  await exitsTwo(
    "tests/rigs/fixtures/bad_duration.ts",
    /error: Cannot parse duration "10 parsecs": .*valid units are ns, us, ms, s, min, h/,
  );
});

Deno.test("Scenario rejects a negative or NaN duration and says how to make one", () => {
  const valid = /is not a non-negative whole number of nanoseconds; use ns\(\), us\(\), ms\(\)/;
  rejects(
    () => base().script((t) => t.at(-5).crash("app")).execute({ for: "1ms" }),
    /^Invalid script time: -5 /,
    valid,
  );
  rejects(
    () => base().script((t) => t.after(NaN).crash("app")).execute({ for: "1ms" }),
    /^Invalid script delay: NaN /,
    valid,
  );
  rejects(() => base().execute({ for: -1 }), /^Invalid run length: -1 /, valid);
  rejects(() => base().execute({ for: 0 }), /^Invalid run length 0: must be above 0$/);
  rejects(
    () => base().script((t) => t.at("1ms").keypad("1", { gap: 1.5 })).execute({ for: "1ms" }),
    /^Invalid keypad gap: 1\.5 /,
  );
});

Deno.test("Scenario rejects a bad seed from .seed() and from run options", () => {
  for (const seed of [-1, 1.5, NaN, 2 ** 53]) {
    rejects(
      () => base().seed(seed).execute({ for: "1ms" }),
      new RegExp(`^Invalid seed ${seed}: use a non-negative integer below 2\\^53$`),
    );
  }
  rejects(() => base().execute({ for: "1ms", seed: -3 }), /^Invalid seed -3: /);
});

Deno.test("Scenario with no board says how to add one", () => {
  rejects(
    () => scenario("boardless").cell("a", busy()).execute({ for: "1ms" }),
    /^Scenario "boardless" has no board: add \.board\(boards\.handset\(\)\) or another board$/,
  );
});

Deno.test("Scenario with no run length says how to give one", () => {
  rejects(
    () => base().execute({}),
    /^Scenario "bad input" has no run length: pass run\(\{ for: s\(5\) \}\) or --for 5s$/,
  );
});

Deno.test("Scenario rejects an unknown cost table and lists the tables", () => {
  rejects(
    () => base().kernel({ costs: "fast" as never }).execute({ for: "1ms" }),
    /^Unknown cost table "fast": valid tables are "handset", "automotive", "zero"$/,
  );
});

Deno.test("Scenario rejects an unknown kernel profile and lists the profiles", () => {
  rejects(
    () => base().execute({ for: "1ms", kernel: "linux" }),
    /^Unknown kernel "linux": valid kernels are "okl4", "sel4-mcs", "pikeos", "nova", "xen", "kvm"$/,
  );
});

Deno.test("Scenario rejects an unknown step in r.step() and lists the steps", () => {
  rejects(
    () =>
      base().script((t) => t.step("burst", (t) => t.at("1ms").crash("app")))
        .expect((r) => r.step("burts").cpuShare("app").toBe(0)).execute({ for: "2ms" }),
    /^Unknown step "burts": steps are "burst" \(did you mean "burst"\?\)$/,
  );
  rejects(
    () => base().expect((r) => r.step("x").cpuShare("app").toBe(0)).execute({ for: "1ms" }),
    /^Unknown step "x": steps are none$/,
  );
});

Deno.test("Scenario rejects a duplicate step name", () => {
  rejects(
    () =>
      base().script((t) =>
        t.step("a", (t) => t.crash("app")).step("a", (t) => t.at("1ms").crash("other"))
      ).execute({ for: "2ms" }),
    /^Duplicate step "a": step names must be unique$/,
  );
});

Deno.test("Scenario rejects channel slots and maxBytes out of range with the valid range", () => {
  rejects(
    () => base().channel("app", "other", { slots: 0, maxBytes: 8 }).execute({ for: "1ms" }),
    /^Cannot create channel "app->other": slots 0 is not an integer in 1\.\.4096$/,
  );
  rejects(
    () => base().channel("app", "other", { slots: 1, maxBytes: 4_096 }).execute({ for: "1ms" }),
    /^Cannot create channel "app->other": maxBytes 4096 is not an integer in 1\.\.2048$/,
  );
  rejects(
    () =>
      base().channel("app", "other", { slots: 1, maxBytes: 8 })
        .channel("app", "other", { slots: 2, maxBytes: 8 }).execute({ for: "1ms" }),
    /^Duplicate channel "app->other"$/,
  );
});

Deno.test("compromise() rejects an unknown attack name and lists the attacks", () => {
  rejects(
    () =>
      base().cell("android", richOs({ priority: 5 }))
        .script((t) => t.compromise("android", { attacks: ["readForeignMemry" as never] }))
        .execute({ for: "1ms" }),
    /^Unknown attack "readForeignMemry": attacks are "readForeignMemory", "writeKernelMemory", /,
    /"hogCpu" \(did you mean "readForeignMemory"\?\)$/,
  );
});

Deno.test("fota() on a cell that is not a FOTA service says how to load one", () => {
  rejects(
    () =>
      base().cell("mgr", manager({ priority: 150 })).script((t) => t.fota("app"))
        .execute({ for: "1ms" }),
    /^fota needs a FOTA service cell: cell "app" is a native; load it with fotaService\(\{ priority \}\)$/,
  );
  rejects(
    () =>
      base().cell("mgr", manager({ priority: 150 })).cell("modem", fotaService({ priority: 120 }))
        .script((t) => t.fota("modem", { variant: "broken" as never })).execute({ for: "1ms" }),
    /^Unknown FOTA variant "broken": variants are "good", "crash-on-boot", "no-health"$/,
  );
});

Deno.test("FOTA, remote wipe and power cycles without a device manager say how to add one", () => {
  const add = /: add \.cell\("mgr", manager\(\{ priority: 150 \}\)\)$/;
  rejects(
    () => base().cell("modem", fotaService({ priority: 120 })).execute({ for: "1ms" }),
    /^FOTA service cell "modem" needs a device manager/,
    add,
  );
  rejects(
    () => base().script((t) => t.remoteWipe("app")).execute({ for: "1ms" }),
    /^remoteWipe needs a device manager cell/,
    add,
  );
  rejects(
    () => base().script((t) => t.fota("app")).execute({ for: "1ms" }),
    /^fota needs a device manager cell/,
    add,
  );
  rejects(
    () => base().script((t) => t.powerCycle()).execute({ for: "1ms" }),
    /^powerCycle needs a device manager cell/,
    add,
  );
});

Deno.test("Rich-OS verbs on another kind of cell name the cell's kind", () => {
  rejects(
    () => base().script((t) => t.compromise("app")).execute({ for: "1ms" }),
    /^compromise needs a rich OS cell: cell "app" is a native$/,
  );
  rejects(
    () =>
      base().channel("app", "other", { slots: 1, maxBytes: 8 })
        .script((t) => t.ipcBurst("app", "other", { messages: 1, bytes: 1 }))
        .execute({ for: "1ms" }),
    /^ipcBurst needs a rich OS sender: cell "app" is a native$/,
  );
  rejects(
    () =>
      base().cell("android", richOs({ priority: 5 }))
        .script((t) => t.ipcBurst("android", "app", { messages: 1, bytes: 1 }))
        .execute({ for: "1ms" }),
    /^ipcBurst needs a channel from "android" to "app": add \.channel\("android", "app", /,
  );
  rejects(
    () =>
      base().cell("android", richOs({ priority: 5 })).script((t) => t.request("android", "app"))
        .execute({ for: "1ms" }),
    /^request needs an endpoint: add \.endpoint\("android", "app"\)$/,
  );
});

Deno.test("Verb and repeater options out of range name the value and the valid range", () => {
  const cases: [(s: Scenario) => Scenario, RegExp][] = [
    [
      (s) => s.script((t) => t.radio("pause" as never)),
      /^Invalid radio action "pause": valid actions are "start", "stop"$/,
    ],
    [(s) => s.script((t) => t.keypad("")), /^Invalid keypad keys "": give keys such as "4711#"$/],
    [
      (s) => s.script((t) => t.irqStorm("uart", { count: 0 })),
      /^Invalid irqStorm count: 0 is not a positive integer$/,
    ],
    [
      (s) => s.script((t) => t.every(0, (t) => t.crash("app"))),
      /^Invalid every\(\) period 0: must be above 0$/,
    ],
    [
      (s) => s.script((t) => t.poisson("0ms", (t) => t.crash("app"))),
      /^Invalid poisson\(\) mean 0ms: must be above 0$/,
    ],
    [
      (s) => s.script((t) => t.uniform("5ms", "1ms", (t) => t.crash("app"))),
      /^Invalid uniform\(\) gaps 5ms\.\.1ms: need 0 < max and min <= max$/,
    ],
    [
      (s) => s.script((t) => t.burst(0, "1ms", (t) => t.crash("app"))),
      /^Invalid burst\(\) count 0: must be a positive integer$/,
    ],
    [(s) => s.script((t) => t.every("1ms", () => {})), /^Empty every 1ms: add at least one verb$/],
    [
      (s) => s.expect((r) => r.window("2ms", "1ms").cpuShare("app").toBe(0)),
      /^Invalid window 2ms\.\.1ms: the end must be after the start$/,
    ],
    [
      (s) => s.expect((r) => r.secret("").readableBy("app")),
      /^Invalid secret "": give the secret's text, e\.g\. "4711"$/,
    ],
    [
      (s) => s.expect(() => 5 as never),
      /^Invalid expectation in "bad input": expect\(\) must return assertions such as /,
    ],
  ];
  for (const [mistake, pattern] of cases) {
    rejects(() => mistake(base()).execute({ for: "1ms" }), pattern);
  }
});

Deno.test("Scenario rejects a recipe the kernel cannot load (vCPU priority out of range)", () => {
  rejects(
    () => base().cell("p", native({ priority: 300, *program() {} })).execute({ for: "1ms" }),
    /^Cannot create cell "p": vCPU 0 priority 300 is not an integer in 0\.\.255$/,
  );
});

Deno.test("A guest option out of range throws at module load and the runner exits 2", async () => {
  assert.throws(
    () => richOs({ priority: 50, processes: -1 }),
    new RangeError("Cannot create richOs: processes -1 must be a whole number >= 0"),
  );
  await exitsTwo(
    "tests/rigs/fixtures/bad_guest_option.ts",
    /^error: Cannot create richOs: processes -1 must be a whole number >= 0$/m,
  );
});

Deno.test("A board override out of range throws at module load and the runner exits 2", async () => {
  assert.throws(
    () => boards.handset({ cores: 0 }),
    { name: "BoardError", message: /cores 0 is not a positive whole number/ },
  );
  await exitsTwo(
    "tests/rigs/fixtures/bad_board.ts",
    /^error: Invalid overrides of board "handset": cores 0 is not a positive whole number$/m,
  );
});

Deno.test("A kernel footprint over the handset's 256 KiB SRAM is bad input with the breakdown", async () => {
  const scenarioWithChannels = base().cell("third", busy())
    .channel("app", "other", { slots: 4_096, maxBytes: 2_048 })
    .channel("app", "third", { slots: 4_096, maxBytes: 2_048 });
  rejects(
    () => scenarioWithChannels.execute({ for: "1ms" }),
    /^Kernel footprint of 16903744 bytes does not fit in 262144 bytes of on-chip SRAM \(over by 16641600\)/,
    /channel 4096 x 2048 B: 8388640 B/,
  );
  // The same cells with small channels fit.
  const fits = base().cell("third", busy())
    .channel("app", "other", { slots: 8, maxBytes: 64 })
    .channel("app", "third", { slots: 8, maxBytes: 64 })
    .execute({ for: "1ms" });
  assert.equal(fits.passed, true);
  await exitsTwo(
    "tests/rigs/fixtures/footprint.ts",
    /error: Kernel footprint of 16903744 bytes does not fit in 262144 bytes of on-chip SRAM/,
  );
});

Deno.test("An unknown CLI flag is bad input that lists the valid flags (exit 2)", async () => {
  assert.throws(
    () => parseScenarioFlags(["--sed", "7"], {}),
    /^ScenarioError: Unknown option "--sed": valid options are --seed, --for, --json, /,
  );
  assert.throws(
    () => parseScenarioFlags(["--seed=-1"], {}),
    /Invalid --seed "-1": use a non-negative integer/,
  );
  assert.throws(
    () => parseScenarioFlags(["--for", "2 parsecs"], {}),
    /Invalid --for: Cannot parse duration "2 parsecs"/,
  );
  assert.throws(
    () => parseScenarioFlags(["--max-events", "many"], {}),
    /Invalid --max-events "many"/,
  );
  await exitsTwo(
    "tests/rigs/fixtures/passing.ts",
    /error: Unknown option "--sed": valid options are --seed, --for, .*--help/,
    "--sed",
    "7",
  );
  await exitsTwo(
    "tests/rigs/fixtures/passing.ts",
    /error: Invalid --for: .*"10 parsecs"/,
    "--for",
    "10 parsecs",
  );
});

Deno.test("keypad() rejects a key the keypad does not have before anything runs (exit 2)", async () => {
  rejects(
    () => base().script((t) => t.at("10ms").keypad("47x1#")).execute({ for: "1s" }),
    /^Invalid keypad keys "47x1#": cannot press key "x": valid keys are 0 1 2 3 4 5 6 7 8 9 \* # up down left right select call end back$/,
  );
  // Checked when scripted, not when the key would be pressed: past the end of the run too.
  rejects(
    () => base().script((t) => t.at("10s").keypad("1?")).execute({ for: "1ms" }),
    /^Invalid keypad keys "1\?": cannot press key "\?": valid keys are /,
  );
  await exitsTwo(
    "tests/rigs/fixtures/bad_keypad_key.ts",
    /^error: Invalid keypad keys "47x1#": cannot press key "x": valid keys are 0 1 2 3 4 5 6 7 8 9 \* # up down left right select call end back$/m,
  );
});

Deno.test("keypad() with an array checks every key name when scripted", () => {
  rejects(
    () => base().script((t) => t.at("10s").keypad(["1", "selekt"])).execute({ for: "1ms" }),
    /^Invalid keypad keys \["1","selekt"\]: cannot press key "selekt": valid keys are 0 1 2 3 4 5 6 7 8 9 \* # up down left right select call end back$/,
  );
  assert.equal(
    rejects(() => base().script((t) => t.keypad([])).execute({ for: "1ms" })),
    'Invalid keypad keys []: give key names such as ["1", "2", "select"]',
  );
  assert.equal(
    rejects(() => base().script((t) => t.keypad(["1", 5 as never])).execute({ for: "1ms" })),
    'Invalid keypad keys ["1",5]: give key names such as ["1", "2", "select"]',
  );
});

Deno.test("Verb arguments the device or backend would refuse mid-run are bad input when scripted", () => {
  const withAndroid = () =>
    base().cell("android", richOs({ priority: 5 }))
      .channel("android", "app", { slots: 4, maxBytes: 64 });
  rejects(
    () =>
      withAndroid().script((t) => t.ipcBurst("android", "app", { messages: 10, bytes: 65 }))
        .execute({ for: "1ms" }),
    /^Invalid ipcBurst bytes: 65 is larger than the channel "android->app" takes \(maxBytes 64\); use at most 64$/,
  );
  const withService = () =>
    base().cell("mgr", manager({ priority: 150 })).cell("modem", fotaService({ priority: 120 }));
  rejects(
    () =>
      withService().script((t) => t.at("10s").fota("modem", { version: "2.0.0-beta.123456" }))
        .execute({ for: "1ms" }),
    /^Invalid fota\("modem"\): cannot build image: version "2\.0\.0-beta\.123456" is 17 bytes, valid 1\.\.16$/,
  );
  rejects(
    () =>
      base().cell("mgr", manager({ priority: 150 })).cell("a".repeat(33), busy())
        .script((t) => t.remoteWipe("a".repeat(33))).execute({ for: "1ms" }),
    new RegExp(
      `^Invalid remoteWipe\\("${"a".repeat(33)}"\\): cannot encode command: target "${
        "a".repeat(33)
      }" is 33 bytes, valid 1\\.\\.32$`,
    ),
  );
  rejects(
    () =>
      base().script((t) => t.every("1ms", (t) => t.crash("app"), { count: 0 }))
        .execute({ for: "1ms" }),
    /^Invalid every 1ms count 0: must be a positive integer$/,
  );
  rejects(
    () =>
      base().script((t) => t.every("1ms", (t) => t.crash("app"), { from: "3ms", until: "1ms" }))
        .execute({ for: "10ms" }),
    /^Invalid every 1ms window: until 1ms is not after from 3ms$/,
  );
});

Deno.test("A rich OS's IPC on a channel that does not exist names the cell, the channel and the valid ones", () => {
  const android = (channel: string) =>
    richOs({ priority: 50, processes: 1, ipc: { channel, every: ms(10), bytes: 16 } });
  rejects(
    () =>
      base().cell("android", android("android->bb"))
        .channel("android", "baseband", { slots: 4, maxBytes: 64 }).cell("baseband", busy())
        .execute({ for: "1ms" }),
    /^Unknown channel "android->bb" in the ipc option of rich OS "android": channels out of "android" are "android->baseband" \(did you mean "android->baseband"\?\)$/,
  );
  rejects(
    () => base().cell("android", android("android->app")).execute({ for: "1ms" }),
    /^Unknown channel "android->app" in the ipc option of rich OS "android": no channel goes out of "android"; add \.channel\("android", "app", \{ slots, maxBytes \}\)$/,
  );
});

Deno.test("An RTOS task on a channel that does not exist names the task, the channel and the valid ones", async () => {
  const ril = (channel: string) =>
    rtos({
      priority: 200,
      tasks: [task("ril", { channel, wcet: 30_000, deadline: ms(5), priority: 6 })],
    });
  rejects(
    () =>
      base().cell("baseband", ril("app->bb")).channel("app", "baseband", { slots: 4, maxBytes: 64 })
        .channel("other", "baseband", { slots: 4, maxBytes: 64 }).execute({ for: "1ms" }),
    /^Unknown channel "app->bb" in task "ril" of cell "baseband": channels into "baseband" are "app->baseband", "other->baseband" \(did you mean "app->baseband"\?\)$/,
  );
  // A channel that exists but ends at another cell never releases this task.
  rejects(
    () =>
      base().cell("baseband", ril("app->other")).channel("app", "other", { slots: 4, maxBytes: 64 })
        .channel("app", "baseband", { slots: 4, maxBytes: 64 }).execute({ for: "1ms" }),
    /^Unknown channel "app->other" in task "ril" of cell "baseband": channels into "baseband" are "app->baseband" \(did you mean "app->baseband"\?\)$/,
  );
  rejects(
    () => base().cell("baseband", ril("app->baseband")).execute({ for: "1ms" }),
    /^Unknown channel "app->baseband" in task "ril" of cell "baseband": no channel goes into "baseband"; add \.channel\("app", "baseband", \{ slots, maxBytes \}\)$/,
  );
  // The same after updatable(), which makes the RTOS a FOTA service.
  rejects(
    () =>
      base().cell("mgr", manager({ priority: 150 })).cell("baseband", updatable(ril("app->bb")))
        .channel("app", "baseband", { slots: 4, maxBytes: 64 }).execute({ for: "1ms" }),
    /^Unknown channel "app->bb" in task "ril" of cell "baseband": channels into "baseband" are "app->baseband" \(did you mean "app->baseband"\?\)$/,
  );
  await exitsTwo(
    "tests/rigs/fixtures/bad_task_channel.ts",
    /^error: Unknown channel "android->bb" in task "ril" of cell "baseband": channels into "baseband" are "android->baseband" \(did you mean "android->baseband"\?\)$/m,
  );
});

Deno.test("A PikeOS frame naming a cell the scenario does not load is bad input (exit 2)", async () => {
  const frame = (cells: string[]) =>
    profiles.pikeos({ frame: [{ cells, ns: ms(1) }, { cells: ["other"], ns: ms(1) }] });
  rejects(
    () => base().kernel(frame(["ap"])).execute({ for: "1ms" }),
    /^Unknown cell "ap" in window 0 of the PikeOS frame: cells are "app", "other" \(did you mean "app"\?\)$/,
  );
  // The same through --kernel pikeos with the scenario's configured frame.
  rejects(
    () => base().kernel({ profiles: [frame(["apq"])] }).execute({ for: "1ms", kernel: "pikeos" }),
    /^Unknown cell "apq" in window 0 of the PikeOS frame: cells are "app", "other"/,
  );
  // An empty window (idle time) and the default frame are fine.
  assert.equal(base().kernel(frame([])).execute({ for: "3ms" }).passed, true);
  assert.equal(base().kernel(profiles.pikeos()).execute({ for: "3ms" }).passed, true);
  await exitsTwo(
    "tests/rigs/fixtures/bad_frame_cell.ts",
    /^error: Unknown cell "pinn" in window 0 of the PikeOS frame: cells are "pin", "app" \(did you mean "pin"\?\)$/m,
  );
});

Deno.test("Scenario rejects a misspelled option of run(), execute(), channel(), section() and kernel()", async () => {
  const cases: [() => unknown, string][] = [
    [
      () => base().execute({ for: "1ms", sed: 3 } as never),
      'Cannot run scenario "bad input": unknown option "sed" (did you mean "seed"?); valid options are "for", "seed", "maxEvents", "observe", "kernel"',
    ],
    [
      () =>
        base().channel("app", "other", { slots: 1, maxByte: 8 } as never).execute({ for: "1ms" }),
      'Cannot add channel "app->other": unknown option "maxByte" (did you mean "maxBytes"?); valid options are "slots", "maxBytes"',
    ],
    [
      () => base().section("shm", { byte: 4096, cells: {} } as never).execute({ for: "1ms" }),
      'Cannot add section "shm": unknown option "byte" (did you mean "bytes"?); valid options are "bytes", "cells"',
    ],
    [
      () => base().kernel({ cost: "zero" } as never).execute({ for: "1ms" }),
      'Cannot choose the kernel: unknown option "cost" (did you mean "costs"?); valid options are "costs", "slice", "policy", "profiles"',
    ],
  ];
  for (const [mistake, message] of cases) assert.equal(rejects(mistake), message);
  // run() checks its options itself: the CLI rebuilds them from the flags it knows.
  assert.throws(() => base().run({ for: "1ms", sed: 3 } as never), {
    name: "ScenarioError",
    message: /^Cannot run scenario "bad input": unknown option "sed" \(did you mean "seed"\?\)/,
  });
  await exitsTwo(
    "tests/rigs/fixtures/unknown_run_option.ts",
    /^error: Cannot run scenario "fixture: misspelled run option": unknown option "sed" \(did you mean "seed"\?\); valid options are "for", "seed", "maxEvents", "observe", "kernel"$/m,
  );
});

Deno.test("Guest factories reject a misspelled option, naming it, a suggestion and the valid ones", async () => {
  const periodic = task("t", { period: ms(10), wcet: ms(1), priority: 1 });
  const cases: [() => unknown, string][] = [
    [
      () => richOs({ priority: 50, vcpu: 1 } as never),
      'Cannot create richOs: unknown option "vcpu" (did you mean "vcpus"?); valid options are "priority", "affinity", "budgetNs", "periodNs", "vcpus", "processes", "ui", "timesliceNs", "ipc", "ramBytes", "image", "control", "observe"',
    ],
    [
      () => rtos({ priority: 200, tickMs: 1, tasks: [periodic] } as never),
      'Cannot create rtos: unknown option "tickMs" (did you mean "tickNs"?); valid options are "priority", "affinity", "budgetNs", "periodNs", "ramBytes", "tickNs", "costs", "tasks", "image", "observe"',
    ],
    [
      () => task("t", { period: ms(10), wcet: ms(1), priority: 1, dealine: ms(5) } as never),
      'Cannot create task "t": unknown option "dealine" (did you mean "deadline"?); valid options are "period", "irq", "channel", "wcet", "execution", "deadline", "priority", "offset", "jitter", "criticalSection", "minInterarrival"',
    ],
    [
      () => manager({ priority: 150, partition: {} } as never),
      'Cannot build manager: unknown option "partition" (did you mean "partitions"?); valid options are "priority", "publicKey", "partitions", "fota", "ramBytes", "verifyCycles", "hashCyclesPerByte"',
    ],
    [
      () => manager({ priority: 150, partitions: { app: { offset: 0, byte: 0 } } } as never),
      'Cannot build manager: unknown option "partitions.app.byte" (did you mean "partitions.app.bytes"?); valid options are "partitions.app.offset", "partitions.app.bytes"',
    ],
    [
      () => fotaService({ priority: 120, ramByte: 4096 } as never),
      'Cannot create fotaService: unknown option "ramByte" (did you mean "ramBytes"?); valid options are "priority", "ramBytes", "eventCycles", "hashCyclesPerByte", "variants", "program"',
    ],
    [
      () => updatable(rtos({ priority: 200, tasks: [periodic] }), { eventCycle: 1 } as never),
      'Cannot make a rtos updatable: unknown option "eventCycle" (did you mean "eventCycles"?); valid options are "eventCycles", "hashCyclesPerByte", "variants", "program"',
    ],
    [
      () => pinEntry({ priority: 220, maxFailure: 3 } as never),
      'Cannot build PIN entry: unknown option "maxFailure" (did you mean "maxFailures"?); valid options are "priority", "pin", "maxFailures", "salt", "ramBytes", "keyCycles", "verifyCycles"',
    ],
    [
      () => irqServer("uart", { priority: 100, afinity: 0 } as never),
      'Cannot create irqServer "uart": unknown option "afinity" (did you mean "affinity"?); valid options are "priority", "affinity"',
    ],
    [
      () => native({ priority: 1, *program() {}, irq: ["uart"] } as never),
      'Cannot create native: unknown option "irq" (did you mean "irqs"?); valid options are "priority", "program", "ramBytes", "affinity", "budgetNs", "periodNs", "irqs", "devices"',
    ],
  ];
  for (const [mistake, message] of cases) {
    assert.throws(mistake, new TypeError(message));
    // The same mistake inside a scenario step is bad input too.
    assert.equal(rejects(() => base().script(() => mistake()).execute({ for: "1ms" })), message);
  }
  await exitsTwo(
    "tests/rigs/fixtures/unknown_guest_option.ts",
    /^error: Cannot create richOs: unknown option "vcpu" \(did you mean "vcpus"\?\); valid options are "priority", "affinity",/m,
  );
});

Deno.test("Kernel profiles reject a misspelled option, naming it, a suggestion and the valid ones", () => {
  const cases: [() => unknown, string][] = [
    [
      () => profiles.okl4({ slice: 1 } as never),
      'Cannot create profiles.okl4: unknown option "slice" (did you mean "sliceNs"?); valid options are "sliceNs"',
    ],
    [
      () => profiles.sel4Mcs({ timeoutFault: false } as never),
      'Cannot create profiles.sel4Mcs: unknown option "timeoutFault" (did you mean "timeoutFaults"?); valid options are "sliceNs", "timeoutFaults"',
    ],
    [
      () => profiles.pikeos({ windowMs: 1 } as never),
      'Cannot create profiles.pikeos: unknown option "windowMs" (did you mean "windowNs"?); valid options are "frame", "windowNs", "handOver"',
    ],
    [
      () =>
        profiles.pikeos({
          frame: [{ cells: ["app"], ns: ms(1) }, { cell: ["other"], ns: ms(1) } as never],
        }),
      'Cannot create profiles.pikeos: unknown option "frame.1.cell" (did you mean "frame.1.cells"?); valid options are "frame.1.cells", "frame.1.ns"',
    ],
    [
      () => profiles.nova({ sliceMs: 1 } as never),
      'Cannot create profiles.nova: unknown option "sliceMs" (did you mean "sliceNs"?); valid options are "sliceNs"',
    ],
    [
      () => profiles.xen({ weight: { app: 512 } } as never),
      'Cannot create profiles.xen: unknown option "weight" (did you mean "weights"?); valid options are "weights", "caps", "tickNs", "sliceNs", "dom0IrqCycles"',
    ],
    [
      () => profiles.kvm({ nices: { app: -5 } } as never),
      'Cannot create profiles.kvm: unknown option "nices" (did you mean "nice"?); valid options are "nice", "latencyNs", "minGranularityNs", "wakeupGranularityNs"',
    ],
  ];
  for (const [mistake, message] of cases) {
    assert.throws(mistake, new TypeError(message));
    // The same mistake inside a scenario step is bad input too.
    assert.equal(rejects(() => base().script(() => mistake()).execute({ for: "1ms" })), message);
  }
});

Deno.test("Script verbs reject a misspelled option, naming it, a suggestion and the valid ones", async () => {
  const withCells = () =>
    base().cell("android", richOs({ priority: 5 })).cell("mgr", manager({ priority: 150 }))
      .cell("modem", fotaService({ priority: 120 }))
      .channel("android", "app", { slots: 4, maxBytes: 64 });
  const cases: [(s: Scenario) => Scenario, string][] = [
    [
      (s) => s.script((t) => t.keypad("47", { gapp: "1ms" } as never)),
      'Cannot script keypad: unknown option "gapp" (did you mean "gap"?); valid options are "gap"',
    ],
    [
      (s) => s.script((t) => t.keypad(["1", "select"], { gapp: "1ms" } as never)),
      'Cannot script keypad: unknown option "gapp" (did you mean "gap"?); valid options are "gap"',
    ],
    [
      (s) => s.script((t) => t.irqStorm("uart", { counts: 5 } as never)),
      'Cannot script irqStorm("uart"): unknown option "counts" (did you mean "count"?); valid options are "count", "gap"',
    ],
    [
      (s) => s.script((t) => t.ipcBurst("android", "app", { messages: 1, byte: 8 } as never)),
      'Cannot script ipcBurst("android", "app"): unknown option "byte" (did you mean "bytes"?); valid options are "messages", "bytes"',
    ],
    [
      (s) => s.script((t) => t.compromise("android", { attack: ["dma"] } as never)),
      'Cannot script compromise("android"): unknown option "attack" (did you mean "attacks"?); valid options are "attacks"',
    ],
    [
      (s) => s.script((t) => t.remoteWipe("app", { forge: true } as never)),
      'Cannot script remoteWipe("app"): unknown option "forge" (did you mean "forged"?); valid options are "forged", "replay"',
    ],
    [
      (s) => s.script((t) => t.fota("modem", { powerLoss: "1ms" } as never)),
      'Cannot script fota("modem"): unknown option "powerLoss" (did you mean "powerLossAt"?); valid options are "version", "variant", "badSignature", "powerLossAt"',
    ],
  ];
  for (const [mistake, message] of cases) {
    assert.equal(rejects(() => mistake(withCells()).execute({ for: "1ms" })), message);
  }
  await exitsTwo(
    "tests/rigs/fixtures/unknown_verb_option.ts",
    /^error: Cannot script keypad: unknown option "gapp" \(did you mean "gap"\?\); valid options are "gap"$/m,
  );
});

Deno.test("Repeaters reject a misspelled option, naming it, a suggestion and the valid ones", () => {
  const cases: [(s: Scenario) => Scenario, string][] = [
    [
      (s) => s.script((t) => t.every("1ms", (t) => t.crash("app"), { untill: "5ms" } as never)),
      'Cannot script every 1ms: unknown option "untill" (did you mean "until"?); valid options are "from", "until", "count"',
    ],
    [
      (s) => s.script((t) => t.poisson("2ms", (t) => t.crash("app"), { form: "1ms" } as never)),
      'Cannot script poisson mean 2ms: unknown option "form" (did you mean "from"?); valid options are "from", "until", "count"',
    ],
    [
      (s) =>
        s.script((t) => t.uniform("1ms", "3ms", (t) => t.crash("app"), { counts: 2 } as never)),
      'Cannot script uniform 1ms..3ms: unknown option "counts" (did you mean "count"?); valid options are "from", "until", "count"',
    ],
  ];
  for (const [mistake, message] of cases) {
    assert.equal(rejects(() => mistake(base()).execute({ for: "1ms" })), message);
  }
});
