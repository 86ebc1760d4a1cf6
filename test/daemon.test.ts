// bosund itself: where it lives, how it guards its socket, what survives its death.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isRunning } from "../src/runtime/proc.ts";
import { BOSUND, startDaemon, type TestDaemon } from "./helpers/daemon.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

test("the socket is created with mode 0660", async () => {
  assert.equal((await stat(d.socket)).mode & 0o777, 0o660);
});

test("BOSUN_ROOT and BOSUN_SOCKET choose where bosund lives", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-env-"));
  const root = join(dir, "state");
  const socket = join(dir, "run", "api.sock");
  const child = spawn(process.execPath, [BOSUND], {
    env: { ...process.env, BOSUN_ROOT: root, BOSUN_SOCKET: socket },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    let log = "";
    await new Promise<void>((ok, fail) => {
      child.stderr.on("data", (b) => {
        log += b;
        if (log.includes("bosund ready")) ok();
      });
      child.once("exit", (code) => fail(new Error(`bosund exited ${code}: ${log}`)));
    });
    assert.ok((await stat(socket)).isSocket());
    assert.ok((await stat(join(root, "containers"))).isDirectory());
  } finally {
    const exited = new Promise((ok) => child.once("exit", ok));
    child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
});

test("a second bosund on the same socket refuses to start", async () => {
  const child = spawn(process.execPath, [BOSUND, "--root", join(d.root, "other"), "--socket", d.socket], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (b) => (err += b));
  const code = await new Promise((ok) => child.once("exit", ok));
  assert.equal(code, 1);
  assert.match(err, /another bosund already listens on/);
});

test("SIGKILL to bosund's whole process group leaves containers running", async () => {
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  const pid = (await d.client.start(id)).state.pid!;
  await d.kill9Group();
  assert.ok(await isRunning(pid), "the container outlived its daemon's process group");
  await d.restart();
  const c = await d.client.inspect(id);
  assert.equal(c.state.status, "running");
  assert.equal(c.state.pid, pid);
  await d.client.remove(id, { force: true });
});
