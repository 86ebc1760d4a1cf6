import assert from "node:assert/strict";
import { test } from "node:test";
import { initialState, type ObservedState } from "./container.ts";
import { reduceShimEvent } from "./shim-events.ts";

const running: ObservedState = { ...initialState(), status: "running", pid: 42, startedAt: "T0" };

test("a start event makes the container running and is announced with its restart count", () => {
  const r = reduceShimEvent(initialState(), { type: "start", pid: 7, restarts: 0, time: "T1" }, "web", "no");
  assert.equal(r.state.status, "running");
  assert.equal(r.state.pid, 7);
  assert.equal(r.state.startedAt, "T1");
  assert.deepEqual(r.announce, { action: "start", attributes: { restarts: "0" } });
  assert.equal(r.exit, undefined);
});

test("a final exit ends the container and tells waiters its code and reason", () => {
  const ev = { type: "exit", pid: 42, exitCode: 137, signal: 9, time: "T2", final: true, reason: "stopped" };
  const r = reduceShimEvent(running, ev, "web", "no");
  assert.equal(r.state.status, "exited");
  assert.equal(r.state.pid, null);
  assert.deepEqual(r.exit, { exitCode: 137, reason: "stopped", final: true });
  assert.deepEqual(r.announce, {
    action: "die",
    attributes: { exitCode: "137", signal: "9", reason: "stopped" },
  });
});

test("an exit that a restart follows leaves the container restarting", () => {
  const r = reduceShimEvent(
    running,
    { type: "exit", exitCode: 1, time: "T2", final: false, reason: "exited" },
    "web",
    "always",
  );
  assert.equal(r.state.status, "restarting");
  assert.deepEqual(r.exit, { exitCode: 1, reason: "exited", final: false });
});

test("a scheduled restart is announced with its delay and the policy", () => {
  const r = reduceShimEvent(
    { ...running, status: "restarting" },
    { type: "restart", restarts: 2, delayMs: 100 },
    "web",
    "always",
  );
  assert.equal(r.state.restarts, 2);
  assert.deepEqual(r.announce?.attributes, { restarts: "2", delayMs: "100", policy: "always" });
});

test("the shim's facts never undo a removal in progress", () => {
  const removing: ObservedState = { ...running, status: "removing" };
  assert.equal(
    reduceShimEvent(removing, { type: "exit", exitCode: 0, final: true }, "web", "no").state.status,
    "removing",
  );
  assert.equal(
    reduceShimEvent(removing, { type: "status", state: "running" }, "web", "no").state.status,
    "removing",
  );
});

test("a status event (on subscribe) restores the shim's view; unknown events change nothing", () => {
  const r = reduceShimEvent(
    initialState(),
    { type: "status", state: "restarting", pid: 0, restarts: 3 },
    "web",
    "always",
  );
  assert.equal(r.state.status, "restarting");
  assert.equal(r.state.restarts, 3);
  assert.deepEqual(reduceShimEvent(running, { type: "mystery" }, "web", "no"), { state: running });
});

test("pause and unpause events move the status and are announced", () => {
  const paused = reduceShimEvent(running, { type: "pause", time: "T3" }, "web", "no");
  assert.equal(paused.state.status, "paused");
  assert.equal(paused.state.pid, 42, "the process is the same");
  assert.deepEqual(paused.announce, { action: "pause", attributes: {} });
  assert.equal(paused.exit, undefined, "a pause is not an exit");
  const resumed = reduceShimEvent(paused.state, { type: "unpause", time: "T4" }, "web", "no");
  assert.equal(resumed.state.status, "running");
  assert.deepEqual(resumed.announce, { action: "unpause", attributes: {} });
});

test("a paused container's exit ends it (a stop or a kill -9 while paused)", () => {
  const paused: ObservedState = { ...running, status: "paused" };
  const ev = { type: "exit", pid: 42, exitCode: 137, signal: 9, time: "T5", final: true, reason: "stopped" };
  assert.equal(reduceShimEvent(paused, ev, "web", "no").state.status, "exited");
  const restart = {
    type: "exit",
    pid: 42,
    exitCode: 137,
    signal: 9,
    time: "T5",
    final: false,
    reason: "exited",
  };
  assert.equal(reduceShimEvent(paused, restart, "web", "always").state.status, "restarting");
});

test("a status event of a paused shim (after a daemon restart) says paused", () => {
  const r = reduceShimEvent(
    initialState(),
    { type: "status", state: "paused", pid: 42, restarts: 0 },
    "web",
    "no",
  );
  assert.equal(r.state.status, "paused");
});

test("exec-start lists the exec and announces it; a second copy of it changes nothing", () => {
  const ev = { type: "exec-start", id: 3, pid: 77, tty: true, command: ["sh", "-c", "x"] };
  const r = reduceShimEvent(running, ev, "web", "no");
  assert.deepEqual(r.state.execs, [{ id: 3, pid: 77, tty: true, command: ["sh", "-c", "x"] }]);
  assert.deepEqual(r.announce, { action: "exec_start", attributes: { execId: "3", pid: "77" } });
  // The exec's own connection and the subscription both report it: the second is a no-op.
  const again = reduceShimEvent(r.state, ev, "web", "no");
  assert.equal(again.state, r.state);
  assert.equal(again.announce, undefined);
});

test("exec-exit drops the exec and announces its exit code, once", () => {
  const listed = { ...running, execs: [{ id: 3, pid: 77, tty: false, command: ["true"] }] };
  const ev = { type: "exec-exit", id: 3, pid: 77, exitCode: 130, signal: 2 };
  const r = reduceShimEvent(listed, ev, "web", "no");
  assert.deepEqual(r.state.execs, []);
  assert.deepEqual(r.announce, { action: "exec_die", attributes: { execId: "3", exitCode: "130" } });
  assert.equal(reduceShimEvent(r.state, ev, "web", "no").announce, undefined);
});

test("the status event carries the shim's running execs (a restarted daemon lists them)", () => {
  const ev = {
    type: "status",
    state: "running",
    pid: 42,
    restarts: 0,
    execs: [{ id: 1, pid: 50, tty: false, command: ["sleep", "9"] }, { id: "bad" }],
  };
  const r = reduceShimEvent(initialState(), ev, "web", "no");
  assert.deepEqual(r.state.execs, [{ id: 1, pid: 50, tty: false, command: ["sleep", "9"] }]);
});

test("a final exit forgets the execs: they die with the container", () => {
  const listed = { ...running, execs: [{ id: 3, pid: 77, tty: false, command: ["true"] }] };
  const ev = { type: "exit", exitCode: 0, time: "T2", final: true, reason: "exited" };
  assert.deepEqual(reduceShimEvent(listed, ev, "web", "no").state.execs, []);
});

test("a late second copy of an ended exec's start does not list it again, nor announce it twice", () => {
  const start = { type: "exec-start", id: 1, pid: 70, tty: false, command: ["true"] };
  const exit = { type: "exec-exit", id: 1, pid: 70, exitCode: 0, signal: null };
  // The exec's own connection: start, exit. Then the subscription's copies of both.
  let s = running;
  const announced: string[] = [];
  for (const ev of [start, exit, start, exit]) {
    const r = reduceShimEvent(s, ev, "web", "no");
    s = r.state;
    if (r.announce) announced.push(r.announce.action);
  }
  assert.deepEqual(announced, ["exec_start", "exec_die"]);
  assert.deepEqual(s.execs, []);
});
