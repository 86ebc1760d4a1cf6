import assert from "node:assert/strict";
import { test } from "node:test";
import { execFailureCode } from "./run.ts";

test("a command that was not found exits 127, as in a shell", () => {
  assert.equal(execFailureCode("cannot start web: exec nope: No such file or directory"), 127);
});

test("a command that was found but cannot run, or a missing working directory, exits 126", () => {
  assert.equal(execFailureCode("cannot start web: exec /etc/passwd: Permission denied"), 126);
  assert.equal(execFailureCode("cannot start web: chdir /nonexistent: No such file or directory"), 126);
});
