import assert from "node:assert/strict";
import { test } from "node:test";
import { nanoTime, parseTimeArg } from "./time-arg.ts";

const now = Date.parse("2026-11-22T01:30:00.000Z");

test("a duration means that long before now", () => {
  assert.equal(parseTimeArg("--since", "10m", now), "2026-11-22T01:20:00.000000000Z");
  assert.equal(parseTimeArg("--since", "1h30m", now), "2026-11-22T00:00:00.000000000Z");
});

test("timestamps keep their precision and are widened to nine digits", () => {
  assert.equal(parseTimeArg("--since", "2026-11-22T01:02:03Z", now), "2026-11-22T01:02:03.000000000Z");
  assert.equal(
    parseTimeArg("--since", "2026-11-22T01:02:03.123456789Z", now),
    "2026-11-22T01:02:03.123456789Z",
  );
  assert.equal(parseTimeArg("--until", "2026-11-22", now), "2026-11-22T00:00:00.000000000Z");
});

test("a plain number is Unix seconds", () => {
  assert.equal(parseTimeArg("--since", "0", now), "1970-01-01T00:00:00.000000000Z");
});

test("anything else is refused naming the flag", () => {
  assert.throws(() => parseTimeArg("--since", "yesterday", now), {
    name: "UsageError",
    message: /^--since: /,
  });
});

test("nanoTime() widens milliseconds and leaves foreign text alone", () => {
  assert.equal(nanoTime("2026-11-22T01:02:03.5Z"), "2026-11-22T01:02:03.500000000Z");
  assert.equal(nanoTime("soon"), "soon");
});
