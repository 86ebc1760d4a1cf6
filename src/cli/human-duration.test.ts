import assert from "node:assert/strict";
import { test } from "node:test";
import { humanDuration, timeAgo } from "./human-duration.ts";

test("humanDuration() says less than a second below one second, and for clock skew", () => {
  assert.equal(humanDuration(999), "Less than a second");
  assert.equal(humanDuration(-5000), "Less than a second");
});

test("humanDuration() counts seconds and minutes like docker ps", () => {
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(3500), "3 seconds");
  assert.equal(humanDuration(59_999), "59 seconds");
  assert.equal(humanDuration(60_000), "About a minute");
  assert.equal(humanDuration(5 * 60_000 + 10), "5 minutes");
});

test("humanDuration() moves to hours, days, weeks, months and years at Docker's thresholds", () => {
  const h = 3_600_000;
  assert.equal(humanDuration(h), "About an hour");
  assert.equal(humanDuration(5 * h), "5 hours");
  assert.equal(humanDuration(47 * h), "47 hours");
  assert.equal(humanDuration(48 * h), "2 days");
  assert.equal(humanDuration(15 * 24 * h), "2 weeks");
  assert.equal(humanDuration(90 * 24 * h), "3 months");
  assert.equal(humanDuration(800 * 24 * h), "2 years");
});

test("timeAgo() measures from the given now", () => {
  const now = Date.parse("2026-11-22T01:05:00Z");
  assert.equal(timeAgo("2026-11-22T01:00:00.123456789Z", now), "4 minutes ago");
  assert.equal(timeAgo("2026-11-22T01:04:57Z", now), "3 seconds ago");
});
