import assert from "node:assert/strict";
import { test } from "node:test";
import { type HealthStatus, initialStatus, nextStatus, type Thresholds } from "./health-state.ts";

const t: Thresholds = { successThreshold: 2, failureThreshold: 3, startPeriodMs: 0 };

/** Feeds results one per second from time 0 and returns the states passed through. */
function run(results: boolean[], th: Thresholds = t): string[] {
  let s: HealthStatus = initialStatus(0);
  return results.map((ok, i) => {
    s = nextStatus(s, ok, i * 1000, th);
    return s.state;
  });
}

test("nextStatus() turns healthy only after successThreshold successes in a row", () => {
  assert.deepEqual(run([true, false, true, true]), ["starting", "starting", "starting", "healthy"]);
});

test("nextStatus() turns unhealthy after failureThreshold failures in a row, even from starting", () => {
  assert.deepEqual(run([false, false, false]), ["starting", "starting", "unhealthy"]);
  assert.deepEqual(run([true, true, false, false, true, false, false, false]).slice(-4), [
    "healthy",
    "healthy",
    "healthy",
    "unhealthy",
  ]);
});

test("nextStatus() recovers an unhealthy replica after successThreshold successes", () => {
  assert.deepEqual(run([false, false, false, true, true]).slice(-2), ["unhealthy", "healthy"]);
});

test("nextStatus() ignores failures during the start period, and a success ends it", () => {
  const th = { ...t, failureThreshold: 1, startPeriodMs: 3000 };
  assert.deepEqual(run([false, false, false, false], th), ["starting", "starting", "starting", "unhealthy"]);
  assert.deepEqual(run([true, false], th), ["starting", "unhealthy"]);
});
