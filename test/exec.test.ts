// Exec through the API and the CLI (docs/shim.md, "Exec"): a process in the container's cwd and
// environment, its exit code, stdin with half-close, the 409s, inspect, and its life tied to the
// container's, not to bosund's.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BosunError } from "../src/api/errors.ts";
import { readStat } from "../src/runtime/proc.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { collect } from "./helpers/streams.ts";
import { nthEvent } from "./helpers/wait.ts";

/** Whether pid is a live process (a zombie is not). */
async function isAlive(pid: number): Promise<boolean> {
  const st = await readStat(pid);
  return st !== undefined && st.state !== "Z" && st.state !== "X";
}

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

async function running(
  name: string,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const { id } = await d.client.create({ name, command: ["sleep", "1000"], ...opts });
  await d.client.start(id);
  return id;
}

async function rejects409(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BosunError);
    assert.equal(e.code, "conflict");
    assert.equal(e.message, message);
    return true;
  });
}

test("CLI: exec runs in the container's cwd and environment, plus -e, and exits with the code", async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), "bosun-exec-"));
  t.after(() => rm(cwd, { recursive: true, force: true }));
  const id = await running("x-env", { cwd, env: { FROM_CONTAINER: "yes" } });
  const r = await d.cli([
    "exec",
    "-e",
    "EXTRA=1",
    "x-env",
    "--",
    "sh",
    "-c",
    'pwd; echo "$FROM_CONTAINER $EXTRA"; echo err >&2; exit 7',
  ]);
  assert.equal(r.stdout, `${cwd}\nyes 1\n`);
  assert.equal(r.stderr, "err\n");
  assert.equal(r.code, 7);
  // Never in the container's log (as with Docker), and never a container exit.
  const c = await d.client.inspect(id);
  assert.deepEqual([c.state.status, c.state.restarts], ["running", 0]);
  const log = await d.cli(["logs", "x-env"]);
  assert.equal(log.stdout, "");
  await d.client.remove(id, { force: true });
});

test("CLI: echo data | bosun exec -i c -- wc -c prints 5 and exits 0", async () => {
  const id = await running("x-stdin");
  const r = await d.cli(["exec", "-i", "x-stdin", "--", "wc", "-c"], { input: "data\n" });
  assert.deepEqual([r.stdout.trim(), r.code], ["5", 0]);
  await d.client.remove(id, { force: true });
});

test("CLI: a command that does not exist exits 127 with the reason", async () => {
  const id = await running("x-missing");
  const r = await d.cli(["exec", "x-missing", "--", "no-such-command-bosun"]);
  assert.equal(r.code, 127);
  assert.match(r.stderr, /cannot exec in x-missing: exec no-such-command-bosun: No such file or directory/);
  assert.equal((await d.client.inspect(id)).state.status, "running");
  await d.client.remove(id, { force: true });
});

test("API: exec events carry the exit code; inspect lists the exec only while it runs", async () => {
  const id = await running("x-inspect");
  const ch = await d.client.exec(id, { command: ["sh", "-c", "read line; exit 3"], stdin: true });
  const seen = collect(ch);
  const started = await nthEvent(d.client, id, "exec_start");
  const execs = (await d.client.inspect(id)).state.execs;
  assert.deepEqual(
    execs.map((x) => [x.command, String(x.pid)]),
    [[["sh", "-c", "read line; exit 3"], started.attributes.pid]],
  );
  assert.ok(await isAlive(execs[0]!.pid));
  ch.send(JSON.stringify({ type: "close-stdin" }));
  await seen.closed;
  assert.deepEqual(seen.controls.at(-1), { type: "exit", exitCode: 3, reason: "exited", final: true });
  assert.equal(seen.controls[0]?.type, "exec-start");
  const died = await nthEvent(d.client, id, "exec_die");
  assert.equal(died.attributes.exitCode, "3");
  assert.deepEqual((await d.client.inspect(id)).state.execs, []);
  await d.client.remove(id, { force: true });
});

test("exec into a paused container is a 409 that says so; into a stopped one too", async () => {
  const id = await running("x-paused");
  await d.client.pause(id);
  await rejects409(d.client.exec(id, { command: ["true"] }), "cannot exec in x-paused: it is paused");
  const r = await d.cli(["exec", "x-paused", "--", "true"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot exec in x-paused: it is paused\n.*unpause/);
  await d.client.stop(id, 10);
  await rejects409(d.client.exec(id, { command: ["true"] }), "cannot exec in x-paused: it is not running");
  await d.client.remove(id, { force: true });
});

test("an exec'd process dies with the container's stop; its exit never restarts the container", async () => {
  const { id } = await d.client.create({ name: "x-stop", command: ["sleep", "1000"], restart: "always" });
  await d.client.start(id);
  const r = await d.cli(["exec", "x-stop", "--", "sh", "-c", "exit 1"]);
  assert.equal(r.code, 1);
  const ch = await d.client.exec(id, { command: ["sleep", "1000"] });
  collect(ch);
  const pid = Number((await nthEvent(d.client, id, "exec_start", 2)).attributes.pid);
  const c = await d.client.inspect(id);
  assert.deepEqual([c.state.status, c.state.restarts], ["running", 0]);
  assert.ok(await isAlive(pid));
  await d.client.stop(id, 10);
  assert.equal(await isAlive(pid), false, "the exec'd sleep is gone once the stop returns");
  await d.client.remove(id, { force: true });
});

test("an exec'd process survives kill -9 of bosund; the container is consistent after the restart", async () => {
  const id = await running("x-recover");
  const ch = await d.client.exec(id, { command: ["sleep", "1000"] });
  collect(ch);
  const pid = Number((await nthEvent(d.client, id, "exec_start")).attributes.pid);
  await d.kill9();
  assert.ok(await isAlive(pid), "the shim holds it without bosund");
  await d.restart();
  const c = await d.client.inspect("x-recover");
  assert.equal(c.state.status, "running");
  assert.ok(await isAlive(pid));
  // The restarted daemon lists it (the shim's status.json says what runs) and sees it end.
  assert.deepEqual(
    c.state.execs.map((x) => [x.id, x.pid, x.command, x.tty]),
    [[1, pid, ["sleep", "1000"], false]],
  );
  process.kill(pid, "SIGTERM");
  const died = await nthEvent(d.client, id, "exec_die");
  assert.deepEqual([died.attributes.execId, died.attributes.exitCode], ["1", "143"]);
  assert.deepEqual((await d.client.inspect(id)).state.execs, []);
  // Still usable, and its stop takes the exec'd processes with it.
  const r = await d.cli(["exec", "x-recover", "--", "echo", "again"]);
  assert.deepEqual([r.stdout, r.code], ["again\n", 0]);
  const again = await d.cli(["exec", "-d", "x-recover", "--", "sleep", "1000"]);
  const pid2 = (await d.client.inspect(id)).state.execs.find(
    (x) => String(x.id) === again.stdout.trim(),
  )!.pid;
  await d.client.stop(id, 10);
  assert.equal(await isAlive(pid2), false);
  await d.client.remove(id, { force: true });
});

test("CLI: exec -d prints the exec id and returns; inspect lists it until the container stops", async () => {
  const id = await running("x-detach");
  const r = await d.cli(["exec", "-d", "x-detach", "--", "sleep", "1000"]);
  assert.deepEqual([r.stdout, r.code], ["1\n", 0]);
  const execs = (await d.client.inspect(id)).state.execs;
  assert.deepEqual(
    execs.map((x) => [x.id, x.command]),
    [[1, ["sleep", "1000"]]],
  );
  const pid = execs[0]!.pid;
  assert.ok(await isAlive(pid), "it runs on after the CLI returned");
  await d.client.stop(id, 10);
  assert.equal(await isAlive(pid), false);
  assert.deepEqual((await d.client.inspect(id)).state.execs, []);
  await d.client.remove(id, { force: true });
});

test("a detached exec that ends on its own leaves inspect and says exec_die", async () => {
  const id = await running("x-detach-end");
  const ch = await d.client.exec(id, { command: ["sh", "-c", "read x; exit 4"], stdin: true, detach: true });
  const seen = collect(ch);
  await seen.closed;
  assert.deepEqual(
    seen.controls.map((c) => c.type),
    ["exec-start"],
  );
  // Its stdin was closed when the client left, so `read` returns and the shell exits 4.
  const died = await nthEvent(d.client, id, "exec_die");
  assert.equal(died.attributes.exitCode, "4");
  assert.deepEqual((await d.client.inspect(id)).state.execs, []);
  await d.client.remove(id, { force: true });
});
