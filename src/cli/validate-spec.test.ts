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

test("limits are read as people write them, and bad ones name their flags", async () => {
  const req = await validateCreateRequest({ ...ok, resources: { memory: "64m", cpu: "500m", pids: 64 } });
  assert.deepEqual(req.resources, { memory: 64 * 1024 * 1024, cpu: 0.5, pids: 64 });
  await assert.rejects(
    validateCreateRequest({ ...ok, resources: { memory: "1k" } }),
    /--memory: must be at least 4m/,
  );
  await assert.rejects(
    validateCreateRequest({ ...ok, resources: { cpu: "fast" } }),
    /--cpus: expected cores/,
  );
  await assert.rejects(
    validateCreateRequest({ ...ok, resources: { memory: "64m", memorySwap: "32m" } }),
    /--memory-swap: is memory plus swap/,
  );
});

test("isolation flags that need another say which", async () => {
  await assert.rejects(validateCreateRequest({ ...ok, hostname: "box" }), /--hostname: needs isolate/);
  await assert.rejects(validateCreateRequest({ ...ok, rootfs: "/srv/root" }), /--rootfs: needs isolate/);
  await assert.rejects(
    validateCreateRequest({ ...ok, isolate: true, readOnly: true }),
    /--read-only: needs rootfs/,
  );
  await assert.rejects(validateCreateRequest({ ...ok, user: "nobody" }), /--user: expected "UID"/);
  await assert.rejects(
    validateCreateRequest({ ...ok, maxLifetime: "soon" }),
    /--max-lifetime: expected a duration/,
  );
  const req = await validateCreateRequest({
    ...ok,
    maxLifetime: "10m",
    isolate: true,
    capAdd: ["cap_net_admin"],
  });
  assert.equal(req.maxLifetime, 600_000);
  assert.deepEqual(req.capAdd, ["NET_ADMIN"]);
});
