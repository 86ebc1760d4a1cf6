import assert from "node:assert/strict";
import { test } from "node:test";
import { ellipsis, formatCommand, shellJoin } from "./command-line.ts";

test("shellJoin() quotes only the arguments a shell would split or expand", () => {
  assert.equal(shellJoin(["sleep", "100"]), "sleep 100");
  assert.equal(shellJoin(["sh", "-c", "exit 3"]), "sh -c 'exit 3'");
  assert.equal(shellJoin(["echo", "it's"]), "echo 'it'\\''s'");
  assert.equal(shellJoin(["printf", ""]), "printf ''");
});

test("ellipsis() leaves short strings alone and cuts long ones to the limit", () => {
  assert.equal(ellipsis("sleep 100", 20), "sleep 100");
  assert.equal(ellipsis("abcdefghij", 5), "abcd…");
  assert.equal([...ellipsis("x".repeat(50), 20)].length, 20);
});

test("formatCommand() quotes the command and truncates it unless asked not to", () => {
  const argv = ["sh", "-c", "while true; do echo hi; sleep 1; done"];
  assert.equal(formatCommand(argv, true), `"sh -c 'while true; …"`);
  assert.equal(formatCommand(argv, false), `"sh -c 'while true; do echo hi; sleep 1; done'"`);
});
