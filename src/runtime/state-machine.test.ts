import assert from "node:assert/strict";
import { test } from "node:test";
import { BosunError } from "../api/errors.ts";
import { isRunning, transition } from "./state-machine.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof BosunError ? e.code : "not a BosunError";
  }
  return undefined;
}

test("starting a running or restarting container is not modified (304)", () => {
  assert.equal(
    codeOf(() => transition("running", "start", "web")),
    "not_modified",
  );
  assert.equal(
    codeOf(() => transition("restarting", "start", "web")),
    "not_modified",
  );
  assert.equal(transition("created", "start", "web"), "created");
  assert.equal(transition("exited", "start", "web"), "exited");
});

test("stopping a created or exited container is not modified (304)", () => {
  assert.equal(
    codeOf(() => transition("created", "stop", "web")),
    "not_modified",
  );
  assert.equal(
    codeOf(() => transition("exited", "stop", "web")),
    "not_modified",
  );
  assert.equal(transition("running", "stop", "web"), "running");
});

test("removing a running container needs force", () => {
  assert.equal(
    codeOf(() => transition("running", "remove", "web")),
    "conflict",
  );
  assert.equal(transition("running", "remove", "web", true), "removing");
  assert.equal(transition("exited", "remove", "web"), "removing");
  assert.equal(transition("created", "remove", "web"), "removing");
});

test("a container being removed refuses everything but its exit", () => {
  for (const a of ["start", "stop", "kill", "remove", "attach"] as const) {
    assert.equal(
      codeOf(() => transition("removing", a, "web")),
      "conflict",
      a,
    );
  }
  assert.equal(transition("removing", "exited", "web"), "removing");
});

test("kill needs a running container and attach a not-exited one", () => {
  assert.equal(
    codeOf(() => transition("exited", "kill", "web")),
    "conflict",
  );
  assert.equal(
    codeOf(() => transition("created", "kill", "web")),
    "conflict",
  );
  assert.equal(
    codeOf(() => transition("exited", "attach", "web")),
    "conflict",
  );
  assert.equal(transition("created", "attach", "web"), "created");
});

test("the error message names the container and the reason", () => {
  assert.throws(() => transition("running", "remove", "web-1"), /cannot remove web-1: it is running/);
});

test("pause needs a running container; unpause a paused one; each 409 says why", () => {
  assert.equal(transition("running", "pause", "web"), "running");
  assert.equal(transition("paused", "unpause", "web"), "paused");
  assert.throws(() => transition("exited", "pause", "web"), /cannot pause web: it is not running/);
  assert.throws(() => transition("created", "pause", "web"), /cannot pause web: it is not running/);
  assert.throws(() => transition("restarting", "pause", "web"), /cannot pause web: it is restarting/);
  assert.throws(() => transition("paused", "pause", "web"), /cannot pause web: it is already paused/);
  for (const from of ["running", "created", "exited", "restarting"] as const) {
    assert.equal(
      codeOf(() => transition(from, "unpause", "web")),
      "conflict",
      from,
    );
  }
  assert.throws(() => transition("running", "unpause", "web"), /cannot unpause web: it is not paused/);
});

test("the shim's pause and unpause reports move the status", () => {
  assert.equal(transition("running", "paused", "web"), "paused");
  assert.equal(transition("paused", "unpaused", "web"), "running");
  assert.equal(transition("removing", "paused", "web"), "removing");
  assert.equal(transition("removing", "unpaused", "web"), "removing");
});

test("a paused container: start is a 409 that says unpause, stop and kill work, rm needs force", () => {
  assert.throws(
    () => transition("paused", "start", "web"),
    (e: unknown) => {
      assert.ok(e instanceof BosunError);
      assert.equal(e.code, "conflict");
      assert.equal(e.message, "cannot start web: it is paused");
      assert.match(e.hint ?? "", /bosun unpause web/);
      return true;
    },
  );
  assert.equal(transition("paused", "stop", "web"), "paused");
  assert.equal(transition("paused", "kill", "web"), "paused");
  assert.equal(transition("paused", "attach", "web"), "paused");
  assert.throws(() => transition("paused", "remove", "web"), /cannot remove web: it is paused/);
  assert.equal(transition("paused", "remove", "web", true), "removing");
  assert.equal(isRunning("paused"), true, "a paused container is still running, as Docker counts it");
});
