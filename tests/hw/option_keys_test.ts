import assert from "node:assert/strict";
import { checkOptionKeys, didYouMean, quoteList } from "../../hw/option_keys.ts";

const KEYS = { priority: true, vcpus: true, timesliceNs: true } as const;

Deno.test("checkOptionKeys() accepts valid keys, an omitted object and symbol keys", () => {
  checkOptionKeys({ priority: 1, vcpus: 2 }, KEYS, { action: "Cannot create x" });
  checkOptionKeys({}, KEYS, { action: "Cannot create x" });
  checkOptionKeys(undefined, KEYS, { action: "Cannot create x" });
  checkOptionKeys(null, KEYS, { action: "Cannot create x" });
  checkOptionKeys({ priority: 1, [Symbol("tag")]: 1 }, KEYS, { action: "Cannot create x" });
});

Deno.test("checkOptionKeys() names the unknown key, the closest valid one and all of them", () => {
  assert.throws(
    () => checkOptionKeys({ priority: 1, vcpu: 2 }, KEYS, { action: "Cannot create richOs" }),
    new TypeError(
      'Cannot create richOs: unknown option "vcpu" (did you mean "vcpus"?); valid options are "priority", "vcpus", "timesliceNs"',
    ),
  );
  // No suggestion when nothing is close; a prefix names a nested object's keys.
  assert.throws(
    () => checkOptionKeys({ colour: "red" }, KEYS, { action: "Cannot create x", prefix: "ui." }),
    new TypeError(
      'Cannot create x: unknown option "ui.colour"; valid options are "ui.priority", "ui.vcpus", "ui.timesliceNs"',
    ),
  );
  // A key inherited by every object is not an option either.
  assert.throws(
    () => checkOptionKeys({ toString: 1 }, KEYS, { action: "Cannot create x" }),
    /unknown option "toString"/,
  );
});

Deno.test("didYouMean() suggests the closest name within a third of its length, ignoring case", () => {
  assert.equal(didYouMean("andriod", ["android", "pin"]), ' (did you mean "android"?)');
  assert.equal(didYouMean("VCPU", ["vcpus"]), ' (did you mean "vcpus"?)');
  assert.equal(didYouMean("colour", ["priority", "vcpus"]), "");
  assert.equal(didYouMean("x", []), "");
});

Deno.test("quoteList() quotes and joins names, or says none", () => {
  assert.equal(quoteList(["a", "b"]), '"a", "b"');
  assert.equal(quoteList(new Set(["a"])), '"a"');
  assert.equal(quoteList([]), "none");
});
