// Limits through a real cgroup: memory (an OOM kill, reported as such), CPU (a busy loop held to
// its share), pids (a fork bomb contained and cleaned up), with the daemon responsive throughout.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { detectCgroups } from "../src/runtime/cgroup/detect.ts";
import { cgroupParent, startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { nthEvent } from "./helpers/wait.ts";

const probe = await detectCgroups();
const skip = probe.driver ? false : `no usable cgroups here: ${probe.reason}`;

describe("limits", { skip }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  /** The container's cgroup, through the same driver bosund uses. */
  async function cgroupOf(id: string) {
    const { driver } = await detectCgroups({ parent: cgroupParent(d.root) });
    return { driver: driver!, id };
  }

  test("a memory hog under --memory 64m is OOM-killed and reported so; the daemon stays responsive", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "hog",
      "--memory",
      "64m",
      "--",
      "sh",
      "-c",
      'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo never',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const died = await nthEvent(d.client, id, "die");
    assert.equal(died.attributes.oomKilled, "true");
    await nthEvent(d.client, id, "oom");
    const c = await d.client.inspect(id);
    assert.equal(c.state.oomKilled, true);
    assert.equal(c.state.exitCode, 137);
    assert.equal(c.resources.memory, 64 * 1024 * 1024);
    const ps = await d.cli(["ps", "-a", "--filter", "name=hog"]);
    assert.match(ps.stdout, /Exited \(137, OOM killed\)/);
    assert.deepEqual(await d.client.ping(), { ok: true });
  });

  test("a busy loop under --cpus 0.5 gets no more than half a core", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "spin",
      "--cpus",
      "0.5",
      "--",
      "sh",
      "-c",
      "while :; do :; done",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const { driver } = await cgroupOf(id);
    // CPU time from the cgroup over a few seconds of wall time. The quota is a ceiling, so the
    // share cannot pass 0.5 (plus a period's rounding); how close it gets to 0.5 depends on
    // what else the machine runs, which is the benchmark's business (npm run bench -- limits).
    const t0 = performance.now();
    const c0 = (await driver.stats(id))!.cpuNs;
    await sleep(3000);
    const c1 = (await driver.stats(id))!.cpuNs;
    const share = (c1 - c0) / 1e6 / (performance.now() - t0);
    assert.ok(share > 0, "it ran");
    assert.ok(share <= 0.55, `a share of ${share.toFixed(3)} cores passes the 0.5 limit`);
    const [s] = await collectStats(id);
    assert.ok(s!.cpuPercent <= 55, `stats shows ${s!.cpuPercent}%`);
    await d.client.remove(id, { force: true });
  });

  test("a fork bomb under --pids-limit 64 is contained, and stop cleans it up", async () => {
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "bomb",
      "--pids-limit",
      "64",
      "--",
      // bash, not dash: dash exits at its first failed fork, bash reports it and goes on.
      "bash",
      "-c",
      "while :; do sleep 1000 & done 2>/dev/null",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const { driver } = await cgroupOf(id);
    // It fills its quota (there is no event for "64 tasks"): wait until the cgroup says so.
    for (let i = 0; i < 400 && (await driver.stats(id))!.pids < 64; i++) await sleep(25);
    const full = (await driver.stats(id))!.pids;
    assert.equal(full, 64);
    assert.deepEqual(await d.client.ping(), { ok: true });
    const [s] = await collectStats(id);
    assert.equal(s!.pids, 64);
    assert.equal(s!.memoryLimitBytes, null);
    await d.client.stop(id, 1);
    assert.deepEqual(await driver.pids(id), [], "nothing is left in its cgroup");
    await d.client.remove(id, { force: true });
    assert.equal(await driver.stats(id), undefined, "the cgroup goes with the container");
  });

  async function collectStats(id: string) {
    const out = [];
    for await (const s of d.client.stats({ ref: id, stream: false })) out.push(s);
    return out;
  }
});
