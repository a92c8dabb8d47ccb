import assert from "node:assert/strict";
import { OptionChecks } from "../../../hw/devices/_option_checks.ts";

const check = new OptionChecks("uart", "uart0");

Deno.test("OptionChecks.fail() names the device, the option, its value and what is valid", () => {
  assert.throws(
    () => check.fail("size", 4, "is below 0x14"),
    { name: "RangeError", message: 'Cannot create uart "uart0": size 4 is below 0x14' },
  );
});

Deno.test("OptionChecks.positiveWhole() rejects 0 and fractions, naming the unit", () => {
  check.positiveWhole("txFifoBytes", 1);
  assert.throws(
    () => check.positiveWhole("txFifoBytes", 0),
    /txFifoBytes 0 is not a positive whole number$/,
  );
  assert.throws(
    () => check.positiveWhole("periodNs", 1.5, "ns"),
    /periodNs 1.5 is not a positive whole number of ns$/,
  );
});

Deno.test("OptionChecks.nonNegativeWhole() accepts 0 and rejects negatives", () => {
  check.nonNegativeWhole("delayNs", 0);
  assert.throws(
    () => check.nonNegativeWhole("delayNs", -1),
    /delayNs -1 is not a non-negative whole number$/,
  );
  assert.throws(() => check.nonNegativeWhole("delayNs", -1, "ns"), /whole number of ns$/);
});

Deno.test("OptionChecks.rate() accepts (0, 1e9] only", () => {
  check.rate("baud", 1e9);
  assert.throws(() => check.rate("baud", 0), /baud 0 is not in \(0, 1e9\]$/);
  assert.throws(() => check.rate("baud", 2e9), RangeError);
  assert.throws(() => check.rate("baud", NaN), RangeError);
});
