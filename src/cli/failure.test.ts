import assert from "node:assert/strict";
import { test } from "node:test";
import { BosunError } from "../api/errors.ts";
import { describeFailure, ExitWith, UsageError } from "./failure.ts";

test("an API error prints its message, then its hint on the next line, and exits 1", () => {
  const r = describeFailure(new BosunError("not_found", "no container named web"));
  assert.equal(r.text, "bosun: no container named web\n`bosun ps -a` lists the containers\n");
  assert.equal(r.exitCode, 1);
});

test("an unreachable daemon prints the sentence exactly, without a prefix", () => {
  const msg = "cannot reach bosund at /tmp/x.sock: is it running? start it with `bosund`";
  assert.deepEqual(describeFailure(new BosunError("unreachable", msg)), { text: `${msg}\n`, exitCode: 1 });
});

test("a usage error exits with the usage code the command asks for", () => {
  assert.equal(describeFailure(new UsageError("--restart: bad")).exitCode, 2);
  assert.equal(describeFailure(new UsageError("--restart: bad"), 125).exitCode, 125);
  assert.equal(describeFailure(new UsageError("--restart: bad")).text, "bosun: --restart: bad\n");
});

test("ExitWith keeps the text of its cause and overrides the exit code", () => {
  const r = describeFailure(new ExitWith(125, new BosunError("name_in_use", "the name web is in use")));
  assert.equal(r.exitCode, 125);
  assert.match(r.text, /^bosun: the name web is in use\nremove it with/);
});

test("an unreachable daemon exits 1 even where other failures exit 125", () => {
  const r = describeFailure(new ExitWith(125, new BosunError("unreachable", "cannot reach bosund at /x")));
  assert.equal(r.exitCode, 1);
});
