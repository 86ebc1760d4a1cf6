import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEnvFile, parseEnvItem } from "./env-file.ts";

test("parseEnvItem() splits KEY=VALUE at the first =, keeping the rest verbatim", () => {
  assert.deepEqual(parseEnvItem("URL=a=b", {}), ["URL", "a=b"]);
  assert.deepEqual(parseEnvItem("EMPTY=", {}), ["EMPTY", ""]);
  assert.deepEqual(parseEnvItem(`Q="x"`, {}), ["Q", `"x"`]);
});

test("parseEnvItem() copies a bare KEY from the CLI's environment, and skips it when unset", () => {
  assert.deepEqual(parseEnvItem("HOME", { HOME: "/root" }), ["HOME", "/root"]);
  assert.equal(parseEnvItem("NOPE", {}), undefined);
});

test("parseEnvItem() refuses a missing name or whitespace in the name, naming the flag", () => {
  assert.throws(() => parseEnvItem("=x", {}), /^UsageError: -e: a variable needs a name/);
  assert.throws(() => parseEnvItem("A B=1", {}), /-e: variable "A B" contains whitespace/);
});

test("parseEnvFile() skips blank lines and comments and reports the line of a bad one", () => {
  const text = "# settings\nA=1\n\n  B=two words\nC\r\nD\n";
  assert.deepEqual(parseEnvFile(text, { C: "from-env" }, "app.env"), [
    ["A", "1"],
    ["B", "two words"],
    ["C", "from-env"],
  ]);
  assert.throws(
    () => parseEnvFile("A=1\n=2\n", {}, "app.env"),
    /--env-file app\.env:2: a variable needs a name/,
  );
});
