import assert from "node:assert/strict";
import { test } from "node:test";
import { validateCreateRequest } from "./validate-spec.ts";

const ok = { command: ["sleep", "1"], cwd: "/tmp" };

test("a valid request comes back normalised as the API reads it", async () => {
  const req = await validateCreateRequest({ ...ok, stopSignal: "int", log: { maxSize: "1m" } });
  assert.equal(req.stopSignal, "SIGINT");
  assert.deepEqual(req.log, { maxSize: 1024 * 1024 });
});

test("a bad --restart is refused naming the flag", async () => {
  await assert.rejects(validateCreateRequest({ ...ok, restart: "sometimes" }), {
    name: "UsageError",
    message: /^--restart: expected "no"/,
  });
});

test("bad sizes, signals and names are refused naming their flags", async () => {
  await assert.rejects(
    validateCreateRequest({ ...ok, log: { maxSize: "lots" } }),
    /--log-max-size: expected a size/,
  );
  await assert.rejects(
    validateCreateRequest({ ...ok, stopSignal: "SIGNOPE" }),
    /--stop-signal: unknown signal/,
  );
  await assert.rejects(validateCreateRequest({ ...ok, name: "-bad" }), /--name: a name is/);
});
