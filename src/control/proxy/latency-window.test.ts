import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketOf, bucketValue, LatencyWindow } from "./latency-window.ts";

test("a bucket's value is within 6.25% of every latency that falls into it", () => {
  let last = -1;
  for (let us = 0; us < 50_000_000; us += 1 + Math.floor(us / 997)) {
    const b = bucketOf(us);
    assert.ok(b >= last, "buckets grow with the latency");
    last = b;
    assert.ok(Math.abs(bucketValue(b) - us) <= Math.max(0.0625 * us, 0.5), `${us} µs`);
  }
});

test("percentiles of a known distribution", () => {
  const w = new LatencyWindow(10, 0);
  // 1..1000 ms, once each, within one second.
  for (let ms = 1; ms <= 1000; ms++) w.record(ms * 1000, 500);
  const s = w.stats(900);
  assert.equal(s.count, 1000);
  for (const [got, want] of [
    [s.p50, 500_000],
    [s.p95, 950_000],
    [s.p99, 990_000],
  ] as const) {
    assert.ok(Math.abs(got - want) / want < 0.07, `${got} vs ${want}`);
  }
});

test("the window forgets seconds older than its length, and the rate counts what it holds", () => {
  const w = new LatencyWindow(10, 0);
  for (let t = 0; t < 20_000; t += 100) w.record(1000, t); // 10 per second for 20 s
  const s = w.stats(19_999);
  assert.equal(s.count, 100);
  assert.ok(Math.abs(s.rate - 10) < 0.2, `${s.rate}`);
  const later = w.stats(60_000);
  assert.equal(later.count, 0);
  assert.equal(later.rate, 0);
  assert.equal(later.p99, 0);
});

test("a young window divides by the time it has existed, not by its length", () => {
  const w = new LatencyWindow(10, 1000);
  for (let i = 0; i < 40; i++) w.record(200, 1000 + i * 50); // 40 requests in 2 s
  assert.equal(w.stats(3000).rate, 20);
});
