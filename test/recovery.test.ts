// Live restore: bosund killed with SIGKILL loses nothing. Containers are held by their shims and
// described by files, so a new bosund finds each one as it really is.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { access, open } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isRunning, readPidFile } from "../src/runtime/proc.ts";
import { ShimConnection } from "../src/runtime/shim-protocol.ts";
import { REPO, startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { logText } from "./helpers/streams.ts";
import { whenInDir } from "./helpers/wait.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

const alive = isRunning;
const SHIM = join(REPO, "shim/build/bosun-shim");
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

test("created, running and exited-while-down containers survive kill -9 of bosund", async () => {
  const fifo = join(d.root, "go.fifo");
  execFileSync("mkfifo", [fifo]);
  const created = await d.client.create({ name: "rec-created", command: ["true"] });
  const running = await d.client.create({ name: "rec-running", command: ["sleep", "1000"] });
  const exits = await d.client.create({
    name: "rec-exits",
    command: ["sh", "-c", `read x < ${fifo}; exit 5`],
  });
  const runningPid = (await d.client.start(running.id)).state.pid!;
  const exitsDir = (await d.client.start(exits.id)).stateDir;

  await d.kill9();
  assert.ok(await alive(runningPid), "the container outlives the daemon");
  // Let rec-exits exit while no daemon runs, and wait for its shim to record it.
  const w = await open(fifo, "w");
  await w.write("go\n");
  await w.close();
  await whenInDir(exitsDir, () => exists(join(exitsDir, "exit.json")));
  await d.restart();

  const c1 = await d.client.inspect("rec-created");
  assert.equal(c1.state.status, "created");
  assert.equal(c1.id, created.id);
  const c2 = await d.client.inspect("rec-running");
  assert.equal(c2.state.status, "running");
  assert.equal(c2.state.pid, runningPid);
  const c3 = await d.client.inspect("rec-exits");
  assert.equal(c3.state.status, "exited");
  assert.equal(c3.state.exitCode, 5, "the real exit code");
  assert.equal(c3.state.reason, "exited");

  // The reconnected container is fully controllable: created starts, running stops.
  assert.equal((await d.client.start("rec-created")).state.status, "running");
  assert.equal((await d.client.wait("rec-created")).exitCode, 0);
  const stopped = await d.client.stop("rec-running", 1);
  assert.equal(stopped.state.exitCode, 143);
  assert.equal(await alive(runningPid), false);
  for (const n of ["rec-created", "rec-running", "rec-exits"]) await d.client.remove(n);
});

test("no log line is lost across kill -9 of bosund", async () => {
  const { id } = await d.client.create({
    command: [
      "sh",
      "-c",
      "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo $i; case $i in *00) sleep 0.03;; esac; done",
    ],
  });
  await d.client.start(id);
  await d.kill9();
  await d.restart();
  assert.equal((await d.client.wait(id)).exitCode, 0);
  const lines = (await logText(d.client, id)).trim().split("\n").map(Number);
  assert.deepEqual(
    lines,
    Array.from({ length: 3000 }, (_, i) => i + 1),
  );
  await d.client.remove(id);
});

test("a shim killed while bosund runs: reported as shim-died, its processes killed", async () => {
  const { id } = await d.client.create({ command: ["sh", "-c", "sleep 1000 & sleep 1000"] });
  const c = await d.client.start(id);
  const shim = (await readPidFile(join(c.stateDir, "shim.pid")))!;
  const waiting = d.client.wait(id);
  process.kill(shim.pid, "SIGKILL");
  const result = await waiting;
  assert.deepEqual(result, { exitCode: 255, reason: "shim-died" });
  assert.equal(await alive(c.state.pid!), false, "the orphaned container process was killed");
  const after = await d.client.inspect(id);
  assert.equal(after.state.status, "exited");
  assert.match(after.state.error ?? "", /shim died/);
  await d.client.remove(id);
});

test("a shim killed while bosund is down is reported after restart, its orphans killed", async () => {
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  const c = await d.client.start(id);
  const shim = (await readPidFile(join(c.stateDir, "shim.pid")))!;
  await d.kill9();
  // The shim's socket closing is the event that says it is gone. Connected before the kill: a
  // connect that meets the kill fails (ECONNRESET) instead of closing.
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  await ShimConnection.open(join(c.stateDir, "ctl.sock"), { onClose });
  process.kill(shim.pid, "SIGKILL");
  await closed;
  await d.restart();
  const after = await d.client.inspect(id);
  assert.equal(after.state.status, "exited");
  assert.equal(after.state.reason, "shim-died");
  assert.equal(await alive(c.state.pid!), false, "the orphan was killed");
  await d.client.remove(id);
});

test("a start cut short by kill -9 (shim launched, process still held) completes on the next start", async () => {
  const { id } = await d.client.create({ name: "rec-held", command: ["sleep", "1000"] });
  const c = await d.client.inspect(id);
  await d.kill9();
  // What the launcher had done when bosund died: the shim is up, its process waits at the gate.
  const shim = spawnSync(SHIM, ["--dir", c.stateDir, "--", "sleep", "1000"], { encoding: "utf8" });
  const held = Number(/^ready \d+ (\d+)$/m.exec(shim.stdout)![1]);
  await d.restart();
  assert.equal((await d.client.inspect(id)).state.status, "created", "it never ran");
  const started = await d.client.start(id);
  assert.equal(started.state.status, "running");
  assert.equal(started.state.pid, held, "the held process is the one that runs: no second shim");
  await d.client.remove(id, { force: true });
  assert.equal(await alive(held), false);
});
