import assert from "node:assert/strict";
import { test } from "node:test";
import { BosunError } from "../api/errors.ts";
import { transition } from "./state-machine.ts";

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
