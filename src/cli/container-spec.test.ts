import assert from "node:assert/strict";
import { test } from "node:test";
import { buildCreateRequest, parseVolume, type SpecInputs } from "./container-spec.ts";

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

test("-v takes HOST:CONTAINER[:ro], a relative host path from the CLI's directory", () => {
  assert.deepEqual(parseVolume("data:/data:ro", "/home/me"), {
    source: "/home/me/data",
    target: "/data",
    readOnly: true,
  });
  assert.deepEqual(parseVolume("/srv:/srv", "/x"), { source: "/srv", target: "/srv", readOnly: false });
  assert.throws(() => parseVolume("/srv", "/x"), /-v: expected HOST:CONTAINER/);
  assert.throws(() => parseVolume("/srv:rel", "/x"), /the container path must be absolute/);
  assert.throws(() => parseVolume("/a:/b:rx", "/x"), /-v: expected/);
});

test("with --rootfs the working directory is / unless -w says otherwise", () => {
  const inputs: SpecInputs = { cwd: "/home/me", env: {}, envFiles: [] };
  assert.equal(buildCreateRequest(["sh"], { rootfs: "/srv/root" }, inputs).cwd, "/");
  assert.equal(buildCreateRequest(["sh"], { rootfs: "/srv/root", workdir: "/app" }, inputs).cwd, "/app");
  assert.equal(buildCreateRequest(["sh"], {}, inputs).cwd, "/home/me");
});
