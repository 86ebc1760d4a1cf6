import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCreateRequest, type SpecInputs } from "./container-spec.ts";

const inputs: SpecInputs = { cwd: "/home/me/app", env: { TOKEN: "s3cret" }, envFiles: [] };

test("the container runs in the CLI's directory unless -w says otherwise", () => {
  assert.equal(buildCreateRequest(["ls"], {}, inputs).cwd, "/home/me/app");
  assert.equal(buildCreateRequest(["ls"], { workdir: "/srv" }, inputs).cwd, "/srv");
  assert.equal(buildCreateRequest(["ls"], { workdir: "sub" }, inputs).cwd, "/home/me/app/sub");
});

test("env files come first and -e wins; a bare -e KEY is copied from the CLI's environment", () => {
  const req = buildCreateRequest(
    ["env"],
    { env: ["A=from-flag", "TOKEN", "MISSING"] },
    { ...inputs, envFiles: [{ name: "app.env", text: "A=from-file\nB=2\n" }] },
  );
  assert.deepEqual(req.env, { A: "from-flag", B: "2", TOKEN: "s3cret" });
});

test("labels take k=v, and a bare k means an empty value", () => {
  const req = buildCreateRequest(["true"], { label: ["tier=web", "canary"] }, inputs);
  assert.deepEqual(req.labels, { tier: "web", canary: "" });
});

test("every flag maps onto the request, numbers parsed and named when wrong", () => {
  const req = buildCreateRequest(
    ["sleep", "100"],
    {
      name: "web",
      rm: true,
      interactive: true,
      restart: "on-failure:3",
      stopSignal: "INT",
      stopTimeout: "5",
      logMaxSize: "10m",
      logMaxFiles: "3",
    },
    inputs,
  );
  assert.deepEqual(req, {
    command: ["sleep", "100"],
    cwd: "/home/me/app",
    env: {},
    labels: {},
    name: "web",
    restart: "on-failure:3",
    stopSignal: "INT",
    stopTimeout: 5,
    log: { maxSize: "10m", maxFiles: 3 },
    stdin: true,
    autoRemove: true,
  });
  assert.throws(() => buildCreateRequest(["true"], { stopTimeout: "soon" }, inputs), /--stop-timeout/);
  assert.throws(() => buildCreateRequest(["true"], { logMaxFiles: "x" }, inputs), /--log-max-files/);
});

test("a missing command is a usage error", () => {
  assert.throws(() => buildCreateRequest([], {}, inputs), {
    name: "UsageError",
    message: /a command is required/,
  });
});
