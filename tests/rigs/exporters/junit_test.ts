import assert from "node:assert/strict";
import { junitXml } from "../../../rigs/exporters/junit.ts";
import { fixture } from "./_fixture.ts";

Deno.test("junitXml() writes one testsuite per run and one testcase per assertion", () => {
  const result = fixture().execute({ for: "3ms" });
  const xml = junitXml([result, { ...result, seed: 2, assertions: [] }]);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  assert.equal(xml.match(/<testsuite /g)?.length, 2);
  assert.equal(xml.match(/<testcase /g)?.length, 3, "2 assertions + 1 'run' case");
  assert.match(xml, /<testsuites name="microvisor-rig" tests="3" failures="1"/);
  assert.match(xml, /<failure message="expected &lt; 1us, seen [\d.]+us at [\d.]+(us|ms)"/);
  assert.match(xml, /replay: deno run &lt;scenario file&gt; --seed 1/);
  assert.match(xml, /<property name="fingerprint" value="[0-9a-f]{16}"\/>/);
  assert.match(xml, /<testcase classname="exporter fixture" name="run" time="0.000"\/>/);
});
