// Pause and unpause through the API and the CLI: the whole process tree stops and goes on, a
// pause is never an exit, and a paused container survives kill -9 of bosund.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Event } from "../src/api/schemas.ts";
import { readStat } from "../src/runtime/proc.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";
import { collect, logText } from "./helpers/streams.ts";
import { isPaused, whenInDir } from "./helpers/wait.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

async function stateLetter(pid: number): Promise<string | undefined> {
  return (await readStat(pid))?.state;
}

const TICKER = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done"];

async function lineCount(ref: string): Promise<number> {
  return (await logText(d.client, ref)).split("\n").filter(Boolean).length;
}

/** Resolves once the container's log has more than `n` lines (inotify on its directory). */
async function linesAbove(ref: string, stateDir: string, n: number): Promise<number> {
  let count = 0;
  await whenInDir(stateDir, async () => {
    count = await lineCount(ref);
    return count > n;
  });
  return count;
}

/** The container's events so far, in order. */
async function actions(id: string): Promise<string[]> {
  const out: Event[] = [];
  for await (const e of d.client.events({ until: new Date().toISOString(), filter: [`container=${id}`] }))
    out.push(e);
  return out.map((e) => e.action);
}

test("pause stops the process and its output; unpause lets both go on", async () => {
  const { id } = await d.client.create({ name: "p-ticker", command: TICKER });
  const c = await d.client.start(id);
  const pid = c.state.pid!;
  await linesAbove(id, c.stateDir, 2);

  const paused = await d.client.pause("p-ticker");
  assert.equal(paused.state.status, "paused");
  assert.equal(paused.state.running, true, "a paused container still counts as running, as in Docker");
  assert.ok(await isPaused(pid), "the process is stopped");
  // The shim logs what was written before the stop before it answers, so the count is final.
  const n = await lineCount(id);
  await sleep(500); // five lines' worth of time: a behavioural check, not a threshold
  assert.equal(await lineCount(id), n, "no line is written while paused");
  assert.equal((await d.client.inspect(id)).state.status, "paused");

  const resumed = await d.client.unpause("p-ticker");
  assert.equal(resumed.state.status, "running");
  assert.equal(await isPaused(pid), false);
  const more = await linesAbove(id, c.stateDir, n);
  assert.ok(more > n);
  const lines = (await logText(d.client, id)).trim().split("\n").map(Number);
  assert.deepEqual(
    lines.slice(0, more),
    Array.from({ length: more }, (_, i) => i + 1),
    "nothing lost, nothing twice",
  );
  assert.equal(resumed.state.pid, pid, "the same process");
  assert.deepEqual(await actions(id), ["create", "start", "pause", "unpause"]);
  await d.client.remove(id, { force: true });
});

test("the whole tree is paused: a child in the group and one that escaped with setsid", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "sleep 1000 & echo $!; setsid sleep 1000 & echo $!; wait"],
  });
  const c = await d.client.start(id);
  await linesAbove(id, c.stateDir, 1);
  const pids = [c.state.pid!, ...(await logText(d.client, id)).trim().split("\n").map(Number)];
  await d.client.pause(id);
  for (const p of pids) assert.ok(await isPaused(p), `pid ${p}`);
  await d.client.unpause(id);
  for (const p of pids) assert.equal(await isPaused(p), false, `pid ${p}`);
  await d.client.remove(id, { force: true });
  for (const p of pids) assert.equal(await stateLetter(p), undefined, `pid ${p} is gone`);
});

test("stop and kill work on a paused container, with the right code and reason", async () => {
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  await d.client.start(id);
  await d.client.pause(id);
  const stopped = await d.client.stop(id, 10);
  assert.deepEqual(
    [stopped.state.status, stopped.state.exitCode, stopped.state.reason],
    ["exited", 143, "stopped"],
    "SIGTERM reached it at once",
  );
  assert.deepEqual((await actions(id)).slice(2), ["pause", "unpause", "die", "stop"]);

  await d.client.start(id);
  await d.client.pause(id);
  const waiting = d.client.wait(id);
  await d.client.kill(id);
  assert.deepEqual(await waiting, { exitCode: 137, reason: "exited" });
  await d.client.remove(id);
});

test("restart policy always: a pause is not an exit, nothing restarts", async () => {
  const { id } = await d.client.create({ command: ["sleep", "1000"], restart: "always" });
  const pid = (await d.client.start(id)).state.pid!;
  await d.client.pause(id);
  await d.client.unpause(id);
  await d.client.pause(id);
  const c = await d.client.inspect(id);
  assert.deepEqual([c.state.status, c.state.pid, c.state.restarts], ["paused", pid, 0]);
  assert.deepEqual(await actions(id), ["create", "start", "pause", "unpause", "pause"]);
  // A stop of the paused container is final, even under always.
  assert.equal((await d.client.stop(id, 10)).state.exitCode, 143);
  assert.equal((await d.client.inspect(id)).state.restarts, 0);
  await d.client.remove(id);
});

test("the 409s: pause what is not running, unpause what is not paused, start or rm a paused one", async () => {
  const { id } = await d.client.create({ name: "p-409", command: ["sleep", "1000"] });
  await assert.rejects(d.client.pause(id), {
    code: "conflict",
    message: "cannot pause p-409: it is not running",
  });
  await assert.rejects(d.client.unpause(id), {
    code: "conflict",
    message: "cannot unpause p-409: it is not paused",
  });
  await d.client.start(id);
  await assert.rejects(d.client.unpause(id), { code: "conflict", message: /it is not paused/ });
  await d.client.pause(id);
  await assert.rejects(d.client.pause(id), { code: "conflict", message: /it is already paused/ });

  const start = await raw(d.socket, "POST", `/v1/containers/${id}/start`);
  assert.equal(start.status, 409);
  assert.equal(start.body.error.message, "cannot start p-409: it is paused");
  assert.match(start.body.error.hint, /bosun unpause p-409/);
  const rm = await raw(d.socket, "DELETE", `/v1/containers/${id}`);
  assert.equal(rm.status, 409);
  assert.equal(rm.body.error.message, "cannot remove p-409: it is paused");
  assert.equal((await raw(d.socket, "POST", "/v1/containers/nope/pause")).status, 404);

  await d.client.stop(id, 10);
  await assert.rejects(d.client.pause(id), { code: "conflict", message: /it is not running/ });
  await d.client.remove(id);
});

test("restart and rm -f work on a paused container; info counts it as paused", async () => {
  const { id } = await d.client.create({ name: "p-restart", command: ["sleep", "1000"] });
  const first = (await d.client.start(id)).state.pid!;
  await d.client.pause(id);
  assert.equal((await d.client.info()).containers.paused, 1);
  const restarted = await d.client.restart(id, 10);
  assert.equal(restarted.state.status, "running");
  assert.notEqual(restarted.state.pid, first);
  assert.equal(await stateLetter(first), undefined, "the paused process was stopped");
  const second = restarted.state.pid!;
  await d.client.pause(id);
  await d.client.remove(id, { force: true });
  assert.equal(await stateLetter(second), undefined, "rm -f killed the paused process");
  assert.equal((await d.client.info()).containers.paused, 0);
});

test("attach works on a paused container: output comes once it is unpaused", async () => {
  const { id } = await d.client.create({ command: TICKER });
  const c = await d.client.start(id);
  await linesAbove(id, c.stateDir, 1);
  await d.client.pause(id);
  const n = await lineCount(id);
  const seen = collect(await d.client.attach(id));
  await d.client.unpause(id);
  await linesAbove(id, c.stateDir, n + 1);
  await whenInDir(c.stateDir, async () => seen.stdout.includes(`${n + 1}\n`));
  await d.client.remove(id, { force: true });
  await seen.closed;
});

test("kill -9 of bosund while paused: after the restart it is still paused, and controllable", async () => {
  const { id } = await d.client.create({ name: "p-recover", command: ["sleep", "1000"] });
  const pid = (await d.client.start(id)).state.pid!;
  await d.client.pause(id);
  await d.kill9();
  assert.ok(await isPaused(pid), "still stopped without a daemon");
  await d.restart();
  const c = await d.client.inspect("p-recover");
  assert.deepEqual([c.state.status, c.state.pid], ["paused", pid]);
  assert.equal((await d.client.list()).find((x) => x.id === id)?.state.status, "paused", "ps lists it");
  assert.equal((await d.client.unpause(id)).state.status, "running");
  assert.equal(await isPaused(pid), false);
  await d.client.pause(id);
  assert.equal((await d.client.stop(id, 10)).state.exitCode, 143);
  await d.client.remove(id);
});

test("CLI: pause and unpause several, print each, exit 1 if any failed; ps says (Paused)", async () => {
  const a = await d.client.create({ name: "p-cli-a", command: ["sleep", "1000"] });
  const b = await d.client.create({ name: "p-cli-b", command: ["sleep", "1000"] });
  await d.client.start(a.id);
  await d.client.start(b.id);

  const paused = await d.cli(["pause", "p-cli-a", "p-cli-b", "p-cli-missing"]);
  assert.equal(paused.code, 1);
  assert.equal(paused.stdout, "p-cli-a\np-cli-b\n");
  assert.match(paused.stderr, /no such container: p-cli-missing/);

  const ps = await d.cli(["ps", "--filter", "status=paused"]);
  assert.equal(ps.code, 0);
  assert.match(ps.stdout, /p-cli-a .*Up .*\(Paused\)/);
  assert.match(ps.stdout, /p-cli-b .*Up .*\(Paused\)/);

  const again = await d.cli(["pause", "p-cli-a"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /cannot pause p-cli-a: it is already paused/);

  const unpaused = await d.cli(["unpause", "p-cli-a", "p-cli-b"]);
  assert.deepEqual([unpaused.code, unpaused.stdout], [0, "p-cli-a\np-cli-b\n"]);
  assert.equal((await d.cli(["ps", "--filter", "status=paused", "-q"])).stdout, "");
  for (const c of [a, b]) await d.client.remove(c.id, { force: true });
});
