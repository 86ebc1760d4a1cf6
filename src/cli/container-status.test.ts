import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerState } from "../api/schemas.ts";
import { initialState } from "../runtime/container.ts";
import { exitCodeOf, formatStatus } from "./container-status.ts";

const now = Date.parse("2026-11-22T01:05:00Z");
const base: ContainerState = { ...initialState(), running: false, health: null };

test("a created container reads Created", () => {
  assert.equal(formatStatus(base, now), "Created");
});

test("a running container reads Up and how long it has run", () => {
  const s = { ...base, status: "running" as const, running: true, startedAt: "2026-11-22T01:04:57Z" };
  assert.equal(formatStatus(s, now), "Up 3 seconds");
});

test("an exited container reads Exited with its code and when it finished", () => {
  const s = { ...base, status: "exited" as const, exitCode: 137, finishedAt: "2026-11-22T01:03:00Z" };
  assert.equal(formatStatus(s, now), "Exited (137) 2 minutes ago");
});

test("a restarting container reads Restarting with its last code", () => {
  const s = { ...base, status: "restarting" as const, exitCode: 1, finishedAt: "2026-11-22T01:04:58Z" };
  assert.equal(formatStatus(s, now), "Restarting (1) 2 seconds ago");
});

test("a death by signal shows as 128 plus the signal number", () => {
  assert.equal(exitCodeOf({ exitCode: null, signal: 9 }), 137);
  const s = { ...base, status: "exited" as const, signal: 15, finishedAt: "2026-11-22T01:05:00Z" };
  assert.equal(formatStatus(s, now), "Exited (143) Less than a second ago");
});

test("a paused container reads Up and how long, then (Paused), as Docker words it", () => {
  const s = { ...base, status: "paused" as const, running: true, startedAt: "2026-11-22T01:04:57Z" };
  assert.equal(formatStatus(s, now), "Up 3 seconds (Paused)");
});

test("an OOM kill shows in the exit status", () => {
  const s: ContainerState = {
    ...base,
    status: "exited",
    exitCode: 137,
    signal: 9,
    finishedAt: "2026-11-22T01:04:59Z",
    oomKilled: true,
  };
  assert.equal(formatStatus(s, now), "Exited (137, OOM killed) 1 second ago");
});

test("a replica with a health check shows it, as Docker does", () => {
  const up = { ...base, status: "running" as const, running: true, startedAt: "2026-11-22T01:04:57Z" };
  assert.equal(formatStatus({ ...up, health: "healthy" }, now), "Up 3 seconds (healthy)");
  assert.equal(formatStatus({ ...up, health: "starting" }, now), "Up 3 seconds (health: starting)");
  assert.equal(formatStatus({ ...up, health: "unhealthy" }, now), "Up 3 seconds (unhealthy)");
});
