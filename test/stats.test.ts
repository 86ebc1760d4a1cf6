// Stats and top through the API and the CLI, against real containers: what they use, how many
// processes they have, how much they logged, and which processes they are.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { StatsOptions } from "../src/api/client.ts";
import type { ContainerStats, TopResponse } from "../src/api/schemas.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";
import { logText } from "./helpers/streams.ts";
import { isPaused, whenInDir } from "./helpers/wait.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

async function sample(opts: StatsOptions = {}): Promise<ContainerStats[]> {
  const out: ContainerStats[] = [];
  for await (const s of d.client.stats({ ...opts, stream: false })) out.push(s);
  return out;
}

async function one(ref: string): Promise<ContainerStats> {
  const [s, ...rest] = await sample({ ref });
  assert.equal(rest.length, 0, "one sample of one container");
  return s!;
}

/** Polls top until `done` holds: nothing announces that a forked child has exec'd. */
async function topUntil(ref: string, done: (commands: string[]) => boolean): Promise<TopResponse> {
  const until = Date.now() + 20_000;
  for (;;) {
    const top = await d.client.top(ref);
    if (done(top.processes.map((p) => p.command.join(" ")))) return top;
    if (Date.now() > until) throw new Error(`timed out waiting for the processes of ${ref}`);
    await sleep(20);
  }
}

/** Starts a container and waits for `line` in its log. */
async function runUntil(name: string, command: string[], line: string, stdin = false) {
  const { id } = await d.client.create({ name, command, stdin });
  const c = await d.client.start(id);
  await whenInDir(c.stateDir, async () => (await logText(d.client, id)).includes(line));
  return c;
}

test("a busy loop uses CPU, a sleep none; both use memory and have one pid", async () => {
  await d.client.create({ name: "s-busy", command: ["sh", "-c", "while :; do :; done"] });
  await d.client.create({ name: "s-idle", command: ["sleep", "1000"] });
  await d.client.start("s-busy");
  await d.client.start("s-idle");
  const all = await sample();
  const busy = all.find((s) => s.name === "s-busy")!;
  const idle = all.find((s) => s.name === "s-idle")!;
  assert.ok(busy.cpuPercent > 0, `busy: ${busy.cpuPercent}%`);
  assert.ok(busy.cpuPercent > idle.cpuPercent);
  // The first sample may still hold the end of sleep's own start-up (the loader runs after the
  // exec that start waits for); the next one sees it asleep.
  assert.equal((await one("s-idle")).cpuPercent, 0, "a sleeping process uses no CPU at all");
  for (const s of [busy, idle]) {
    assert.equal(s.status, "running");
    assert.ok(s.memoryBytes > 0, `${s.name} has resident memory`);
    assert.equal(s.memoryLimitBytes, null, "no limits yet");
    assert.equal(s.pids, 1);
  }
  // CPU time only grows.
  assert.ok((await one("s-busy")).cpuSeconds > busy.cpuSeconds);
  await d.client.remove("s-busy", { force: true });
  await d.client.remove("s-idle", { force: true });
});

test("pids counts every process of the container; top lists them with their command lines", async () => {
  const c = await runUntil("s-three", ["sh", "-c", "sleep 1000 & sleep 1001 & echo ready; wait"], "ready");
  assert.equal((await one("s-three")).pids, 3);

  const top = await topUntil("s-three", (cmds) => cmds.includes("sleep 1000") && cmds.includes("sleep 1001"));
  assert.equal(top.name, "s-three");
  const byCommand = new Map(top.processes.map((p) => [p.command.join(" "), p]));
  assert.deepEqual([...byCommand.keys()].sort(), [
    "sh -c sleep 1000 & sleep 1001 & echo ready; wait",
    "sleep 1000",
    "sleep 1001",
  ]);
  const sh = byCommand.get("sh -c sleep 1000 & sleep 1001 & echo ready; wait")!;
  assert.equal(sh.pid, c.state.pid);
  for (const p of top.processes) {
    if (p !== sh) assert.equal(p.ppid, sh.pid, "the sleeps are the shell's children");
    assert.equal(p.state, "S");
    assert.ok(p.rssBytes > 0);
    assert.ok(p.user.length > 0);
  }

  // Paused, they are all stopped (T by a signal, D in the v1 freezer), and use nothing.
  await d.client.pause("s-three");
  const held = (await d.client.top("s-three")).processes;
  assert.equal(held.length, 3);
  for (const p of held) assert.ok(await isPaused(p.pid), `pid ${p.pid} is ${p.state}`);
  const paused = await one("s-three");
  assert.deepEqual([paused.status, paused.cpuPercent, paused.pids], ["paused", 0, 3]);
  await d.client.remove("s-three", { force: true });
});

test("log bytes are the size of the container's log, and grow with its output", async () => {
  const c = await runUntil(
    "s-log",
    ["sh", "-c", "echo first; read x; echo second, a longer line; sleep 1000"],
    "first",
    true,
  );
  const size = async () => (await stat(join(c.stateDir, "container.log"))).size;
  const before = await one("s-log");
  assert.equal(before.logBytes, await size());
  assert.ok(before.logBytes > 0);

  const ch = await d.client.attach("s-log", { stdin: true });
  ch.send(new TextEncoder().encode("go\n"));
  await whenInDir(c.stateDir, async () => (await logText(d.client, "s-log")).includes("second"));
  ch.close();
  const later = await one("s-log");
  assert.ok(later.logBytes > before.logBytes);
  assert.equal(later.logBytes, await size());
  await d.client.remove("s-log", { force: true });
});

test("a container that is not running has a zero sample (as Docker answers), not an error", async () => {
  await d.client.create({ name: "s-created", command: ["true"] });
  const created = await one("s-created");
  assert.deepEqual(
    [created.status, created.cpuPercent, created.memoryBytes, created.pids, created.logBytes],
    ["created", 0, 0, 0, 0],
  );
  await d.client.start("s-created");
  await d.client.wait("s-created");
  const exited = await one("s-created");
  assert.deepEqual([exited.status, exited.pids, exited.memoryBytes], ["exited", 0, 0]);
  // Not among the running ones; listed with all.
  assert.equal(
    (await sample()).find((s) => s.name === "s-created"),
    undefined,
  );
  assert.ok((await sample({ all: true })).some((s) => s.name === "s-created"));
  await assert.rejects(d.client.top("s-created"), {
    code: "conflict",
    message: "cannot list the processes of s-created: it is not running",
  });
  await d.client.remove("s-created");
});

test("unknown containers are 404s; a bad query is a 400", async () => {
  for (const path of ["/v1/containers/nope/stats?stream=0", "/v1/containers/nope/top"]) {
    const r = await raw(d.socket, "GET", path);
    assert.equal(r.status, 404, path);
    assert.equal(r.body.error.message, "no such container: nope");
  }
  const bad = await raw(d.socket, "GET", "/v1/stats?stream=maybe");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /^query\.stream: /);
});

test("the stream: a sample per container per interval, and containers come and go", async () => {
  await d.client.create({ name: "s-first", command: ["sleep", "1000"] });
  await d.client.start("s-first");
  const abort = new AbortController();
  const seen: ContainerStats[] = [];
  let second = false;
  for await (const s of d.client.stats({ signal: abort.signal })) {
    seen.push(s);
    if (s.name === "s-first" && !second) {
      // Started after the stream began: it shows up in a later sample.
      second = true;
      await d.client.create({ name: "s-second", command: ["sleep", "1000"] });
      await d.client.start("s-second");
    }
    if (s.name === "s-second") break;
  }
  abort.abort();
  const firsts = seen.filter((s) => s.name === "s-first");
  assert.ok(firsts.length >= 2, "s-first was sampled again while s-second was starting");
  assert.ok(firsts[1]!.read > firsts[0]!.read, "one sample per reading, in order");

  // The stream of one container ends when the container is removed.
  const samples: ContainerStats[] = [];
  const following = (async () => {
    for await (const s of d.client.stats({ ref: "s-first" })) {
      samples.push(s);
      if (samples.length === 1) await d.client.remove("s-first", { force: true });
    }
  })();
  await following;
  assert.ok(samples.length >= 1);
  await d.client.remove("s-second", { force: true });
});

test("CLI: stats --no-stream as a table and as JSON lines; top as a table", async () => {
  await runUntil("s-cli", ["sh", "-c", "sleep 1000 & echo ready; wait"], "ready");
  const json = await d.cli(["stats", "--no-stream", "--format", "json", "s-cli"]);
  assert.equal(json.code, 0, json.stderr);
  const lines = json.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  const s = JSON.parse(lines[0]!) as ContainerStats;
  assert.deepEqual([s.name, s.status, s.pids], ["s-cli", "running", 2]);

  const table = await d.cli(["stats", "--no-stream", "s-cli"]);
  assert.equal(table.code, 0);
  const [header, row, ...rest] = table.stdout.trimEnd().split("\n");
  assert.match(header!, /^ID +NAME +CPU % +MEM USAGE \/ LIMIT +PIDS +LOG$/);
  assert.match(row!, /^[0-9a-f]{12} +s-cli +\d+\.\d\d% +[\d.]+[KMG]?i?B \/ - +2 +\d+B$/);
  assert.equal(rest.length, 0);

  const missing = await d.cli(["stats", "--no-stream", "s-cli", "s-nope"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /no such container: s-nope/);

  await topUntil("s-cli", (cmds) => cmds.includes("sleep 1000"));
  const top = await d.cli(["top", "s-cli"]);
  assert.equal(top.code, 0, top.stderr);
  const topLines = top.stdout.trimEnd().split("\n");
  assert.match(topLines[0]!, /^PID +PPID +USER +STAT +TIME +RSS +COMMAND$/);
  assert.equal(topLines.length, 3);
  assert.match(top.stdout, / sh -c 'sleep 1000 & echo ready; wait'\n/);
  assert.match(top.stdout, / 00:00:00 +[\d.]+[KMG]?i?B +sleep 1000\n/);
  assert.equal((await d.cli(["top", "s-nope"])).code, 1);
  await d.client.remove("s-cli", { force: true });
});
