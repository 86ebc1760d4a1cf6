import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCpus, parseDuration, parseSize } from "./units.ts";

test("sizes as people write them", () => {
  assert.equal(parseSize("512m"), 512 * 1024 ** 2);
  assert.equal(parseSize("1g"), 1024 ** 3);
  assert.equal(parseSize("1.5k"), 1536);
  assert.equal(parseSize("64MiB"), 64 * 1024 ** 2);
  assert.equal(parseSize("lots"), undefined);
  assert.equal(parseSize(-1), undefined);
});

test("cpus: cores, fractions and millicores", () => {
  assert.equal(parseCpus("0.5"), 0.5);
  assert.equal(parseCpus("2"), 2);
  assert.equal(parseCpus("500m"), 0.5);
  assert.equal(parseCpus(".25"), 0.25);
  assert.equal(parseCpus(1.5), 1.5);
  assert.equal(parseCpus("0"), undefined);
  assert.equal(parseCpus("half"), undefined);
  assert.equal(parseCpus(-1), undefined);
});

test("durations add up their parts", () => {
  assert.equal(parseDuration("1h30m"), 90 * 60_000);
  assert.equal(parseDuration("1500ms"), 1500);
  assert.equal(parseDuration("fast"), undefined);
});
