import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./failure.ts";
import { collect, parseFilters, parseIntFlag, parseKeyValue, wantsJson } from "./flags.ts";

test("collect() accumulates repeated flags in order", () => {
  assert.deepEqual(collect("B=2", collect("A=1")), ["A=1", "B=2"]);
});

test("parseIntFlag() takes whole numbers and names the flag otherwise", () => {
  assert.equal(parseIntFlag("--stop-timeout", "30"), 30);
  assert.throws(() => parseIntFlag("--stop-timeout", "3s"), {
    name: "UsageError",
    message: /--stop-timeout.*"3s"/,
  });
  assert.throws(() => parseIntFlag("-t", "-1"), UsageError);
});

test("parseKeyValue() splits at the first = and refuses an empty key", () => {
  assert.deepEqual(parseKeyValue("-l", "a=b=c"), ["a", "b=c"]);
  assert.deepEqual(parseKeyValue("-l", "tier", true), ["tier", ""]);
  assert.throws(() => parseKeyValue("--filter", "name"), /--filter: expected KEY=VALUE/);
  assert.throws(() => parseKeyValue("-l", "=x", true), /-l: expected KEY=VALUE/);
});

test("parseFilters() accepts known keys and names an unknown one", () => {
  assert.deepEqual(parseFilters("--filter", ["name=web", "label=a=b"], ["name", "label"]), [
    "name=web",
    "label=a=b",
  ]);
  assert.throws(() => parseFilters("--filter", ["colour=red"], ["name"]), /unknown filter "colour"/);
});

test("wantsJson() accepts json and table and refuses templates", () => {
  assert.equal(wantsJson("json", undefined), true);
  assert.equal(wantsJson(undefined, true), true);
  assert.equal(wantsJson("table", undefined), false);
  assert.throws(() => wantsJson("{{.ID}}", undefined), /--format/);
});
