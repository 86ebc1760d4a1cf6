import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChangeInfo, HealthChecker } from "./health-checker.ts";
import type { HealthState } from "./health-state.ts";
import { ManualClock } from "./manual-clock.ts";
import type { Probe, ProbeOutcome } from "./probe.ts";
import type { ProbeSpec } from "./probe-spec.ts";

const spec: ProbeSpec = {
  exec: ["true"],
  intervalMs: 10_000,
  timeoutMs: 1_000,
  failureThreshold: 3,
  successThreshold: 1,
  startPeriodMs: 0,
};

/** A probe that answers from a script: true passes, false fails, "hang" never answers. */
function scripted(script: (boolean | "hang")[]) {
  const signals: AbortSignal[] = [];
  const probe: Probe = (signal) => {
    signals.push(signal);
    const next = script.shift() ?? "hang";
    if (next === "hang") return new Promise<ProbeOutcome>(() => {});
    return Promise.resolve(next ? { ok: true, message: "ok" } : { ok: false, message: "refused" });
  };
  return { probe, signals };
}

function setup(script: (boolean | "hang")[], overrides: Partial<ProbeSpec> = {}) {
  const clock = new ManualClock();
  const { probe, signals } = scripted(script);
  const changes: [HealthState, ChangeInfo][] = [];
  const checker = new HealthChecker(
    { ...spec, ...overrides },
    { probe, clock, onChange: (s, i) => changes.push([s, i]) },
  );
  return { clock, checker, changes, signals, states: () => changes.map(([s]) => s) };
}

test("a checker probes at start, then every interval, and reports only state changes", async () => {
  const { clock, checker, states, signals } = setup([true, true, true]);
  checker.start();
  await clock.advance(0);
  assert.equal(checker.state, "healthy");
  await clock.advance(9_999);
  assert.equal(signals.length, 1);
  await clock.advance(1 + 10_000);
  assert.equal(signals.length, 3);
  assert.deepEqual(states(), ["healthy"]);
  checker.stop();
});

test("a checker needs successThreshold successes in a row to report healthy", async () => {
  const { clock, checker, changes } = setup([true, false, true, true], { successThreshold: 2 });
  checker.start();
  await clock.advance(20_000);
  assert.equal(checker.state, "starting");
  await clock.advance(10_000);
  assert.equal(checker.state, "healthy");
  assert.equal(changes.length, 1);
  assert.deepEqual(changes[0]?.[1], { consecutive: 2, lastError: "refused", lastCheckedAt: clock.now() });
  checker.stop();
});

test("a healthy replica turns unhealthy after failureThreshold failures in a row, and recovers", async () => {
  const { clock, checker, states, changes } = setup([true, false, false, true, false, false, false, true]);
  checker.start();
  await clock.advance(50_000);
  assert.deepEqual(states(), ["healthy"]);
  await clock.advance(10_000);
  assert.deepEqual(states(), ["healthy", "unhealthy"]);
  assert.equal(changes[1]?.[1].consecutive, 3);
  assert.equal(changes[1]?.[1].lastError, "refused");
  await clock.advance(10_000);
  assert.deepEqual(states(), ["healthy", "unhealthy", "healthy"]);
  checker.stop();
});

test("a replica that never passes goes from starting to unhealthy", async () => {
  const { clock, checker, states } = setup([false, false, false]);
  checker.start();
  await clock.advance(20_000);
  assert.deepEqual(states(), ["unhealthy"]);
  checker.stop();
});

test("failures during the start period do not count toward unhealthy", async () => {
  const { clock, checker, states } = setup([false, false, false, false], {
    failureThreshold: 1,
    startPeriodMs: 30_000,
  });
  checker.start();
  await clock.advance(20_000); // probes at 0, 10 s and 20 s: all inside the start period
  assert.equal(checker.state, "starting");
  assert.deepEqual(states(), []);
  await clock.advance(10_000); // 30 s: the period is over
  assert.deepEqual(states(), ["unhealthy"]);
  checker.stop();
});

test("a success ends the start period early, so the next failures count", async () => {
  const { clock, checker, states } = setup([true, false], {
    failureThreshold: 1,
    successThreshold: 2,
    startPeriodMs: 60_000,
  });
  checker.start();
  await clock.advance(10_000);
  assert.deepEqual(states(), ["unhealthy"]);
  checker.stop();
});

test("a probe that outlives its timeout counts as a failure and is aborted", async () => {
  const { clock, checker, states, signals } = setup(["hang"], { failureThreshold: 1 });
  checker.start();
  await clock.advance(999);
  assert.equal(checker.state, "starting");
  await clock.advance(1);
  assert.deepEqual(states(), ["unhealthy"]);
  assert.equal(signals[0]?.aborted, true);
  assert.equal(checker.results[0]?.message, "timed out after 1000ms");
  checker.stop();
});

test("probes never overlap: the next starts an interval after the previous one finished", async () => {
  const clock = new ManualClock();
  let calls = 0;
  let finish: (o: ProbeOutcome) => void = () => {};
  const probe: Probe = () => {
    calls++;
    return new Promise((resolve) => {
      finish = resolve;
    });
  };
  const checker = new HealthChecker({ ...spec, timeoutMs: 60_000 }, { probe, clock, onChange: () => {} });
  checker.start();
  await clock.advance(25_000); // longer than two intervals
  assert.equal(calls, 1);
  finish({ ok: true, message: "ok" });
  await clock.advance(9_999);
  assert.equal(calls, 1);
  await clock.advance(1);
  assert.equal(calls, 2);
  checker.stop();
});

test("stop() aborts the probe in flight, drops its result and leaves no timer", async () => {
  const { clock, checker, changes, signals } = setup(["hang"], { failureThreshold: 1 });
  checker.start();
  await clock.advance(500);
  checker.stop();
  assert.equal(signals[0]?.aborted, true);
  assert.equal(clock.pending, 0);
  await clock.advance(60_000);
  assert.equal(signals.length, 1);
  assert.deepEqual(changes, []);
  assert.deepEqual(checker.results, []);
});

test("results keep the last five probes, oldest first, with duration and message", async () => {
  const { clock, checker } = setup([true, false, true, false, true, false, true]);
  checker.start();
  await clock.advance(60_000);
  const results = checker.results;
  assert.equal(results.length, 5);
  assert.deepEqual(
    results.map((r) => [r.at - results[0]!.at, r.ok, r.message, r.durationMs]),
    [
      [0, true, "ok", 0],
      [10_000, false, "refused", 0],
      [20_000, true, "ok", 0],
      [30_000, false, "refused", 0],
      [40_000, true, "ok", 0],
    ],
  );
  checker.stop();
});
