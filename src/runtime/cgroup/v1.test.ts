// The v1 driver against the host's real v1 hierarchies: needs root and a mounted v1 memory, cpu
// and pids. Every cgroup lives under a parent of its own (bosun-test-<random>), removed at the end.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { BosunError } from "../../api/errors.ts";
import type { CgroupLimits } from "./cgroup.ts";
import { detectCgroups } from "./detect.ts";
import { exists, read } from "./files.ts";
import { chooseHierarchy, parseMountinfo } from "./mountinfo.ts";
import { comm, killStarted, procState, startIn, waitFor } from "./testing.ts";
import { CgroupV1Driver } from "./v1.ts";

const MiB = 1024 * 1024;
const T = { timeout: 60_000 };

// The v2 root's controllers are left out: this asks what v1 offers, whatever v2 does.
const h = chooseHierarchy(parseMountinfo(await readFile("/proc/self/mountinfo", "utf8").catch(() => "")), []);
const mounts = h.version === 1 ? h.mounts : undefined;
const skip =
  process.getuid?.() !== 0
    ? "needs root: cgroups need root"
    : mounts === undefined
      ? "no cgroup v1 memory, cpu and pids hierarchies are mounted here"
      : false;
// Swap accounting may be off (no memory.memsw.* files): the tests check either case.
const memsw = mounts ? await exists(join(mounts.memory, "memory.memsw.limit_in_bytes")) : false;

describe("cgroup v1 on this host", { skip }, () => {
  const parent = `bosun-test-${randomBytes(4).toString("hex")}`;
  const m = mounts!;
  const driver = new CgroupV1Driver(m, { parent });
  const ids = new Set<string>();
  const create = (id: string, limits: CgroupLimits = {}) => {
    ids.add(id);
    return driver.create(id, limits);
  };
  const dir = (mount: string, id: string) => join(mount, parent, id);
  const value = async (mount: string, id: string, file: string) => (await read(dir(mount, id), file))?.trim();

  after(async () => {
    killStarted();
    for (const id of ids) await driver.remove(id);
    for (const mount of new Set(Object.values(m))) await rmdir(join(mount, parent)).catch(() => {});
  });

  test("create() writes the limits and returns one directory per hierarchy", T, async () => {
    const dirs = await create("limits", { memory: 64 * MiB, cpus: 0.5, pids: 32 });
    assert.deepEqual(dirs.sort(), [...new Set(Object.values(m))].map((mount) => dir(mount, "limits")).sort());
    for (const d of dirs) assert.ok((await stat(d)).isDirectory(), d);
    assert.equal(await value(m.memory, "limits", "memory.limit_in_bytes"), String(64 * MiB));
    if (memsw) assert.equal(await value(m.memory, "limits", "memory.memsw.limit_in_bytes"), String(64 * MiB));
    assert.equal(await value(m.memory, "limits", "memory.swappiness"), "0");
    assert.equal(await value(m.cpu, "limits", "cpu.cfs_period_us"), "100000");
    assert.equal(await value(m.cpu, "limits", "cpu.cfs_quota_us"), "50000");
    assert.equal(await value(m.pids, "limits", "pids.max"), "32");
    assert.equal((await driver.stats("limits"))?.memoryLimit, 64 * MiB);
  });

  test("create() again replaces the limits; without limits it writes none", T, async () => {
    await create("again", { memory: 64 * MiB, cpus: 2, pids: 10 });
    await create("again", {});
    assert.equal((await driver.stats("again"))?.memoryLimit, null);
    assert.equal(await value(m.cpu, "again", "cpu.cfs_quota_us"), "-1");
    assert.equal(await value(m.pids, "again", "pids.max"), "max");
    assert.notEqual(await value(m.memory, "again", "memory.swappiness"), "0");
  });

  test("a swap limit is memory plus swap in memsw, or refused without swap accounting", T, async () => {
    const limits = { memory: 64 * MiB, memorySwap: 96 * MiB };
    if (!memsw) {
      const e = await create("swap", limits).catch((err: unknown) => err);
      assert.ok(e instanceof BosunError && /^resources\.memorySwap: /.test(e.message), String(e));
      return;
    }
    await create("swap", limits);
    assert.equal(await value(m.memory, "swap", "memory.limit_in_bytes"), String(64 * MiB));
    assert.equal(await value(m.memory, "swap", "memory.memsw.limit_in_bytes"), String(96 * MiB));
    assert.notEqual(await value(m.memory, "swap", "memory.swappiness"), "0");
  });

  test("create() refuses bad limits, naming the field, before making anything", T, async () => {
    const e = await create("bad", { memory: 1000 }).catch((err: unknown) => err);
    assert.ok(e instanceof BosunError, String(e));
    assert.equal(e.code, "bad_request");
    assert.match(e.message, /^resources\.memory: /);
    assert.equal(await exists(dir(m.memory, "bad")), false);
  });

  test("a process that joined is in pids() and stats()", T, async () => {
    const p = await startIn(await create("join", { memory: 64 * MiB }), ["sleep", "1000"]);
    // It exec'd sleep inside, so the exec's CPU time and sleep's new pages are charged here.
    await waitFor(async () => (await comm(p.pid)) === "sleep");
    assert.deepEqual(await driver.pids("join"), [p.pid]);
    const s = await driver.stats("join");
    assert.ok(s, "stats of an existing cgroup");
    assert.equal(s.pids, 1);
    assert.ok(s.cpuNs > 0, `cpuNs ${s.cpuNs}`);
    assert.ok(s.memoryBytes > 0, `memoryBytes ${s.memoryBytes}`);
    assert.equal(s.memoryLimit, 64 * MiB);
  });

  test("a memory hog under a 32 MiB limit is OOM-killed, and oomKills() counts it", T, async () => {
    const dirs = await create("hog", { memory: 32 * MiB });
    assert.equal(await driver.oomKills("hog"), 0);
    // The shell keeps the 200 MB that the command substitution reads.
    const p = await startIn(dirs, ["sh", "-c", 'x=$(head -c 200000000 /dev/zero | tr "\\0" a)']);
    assert.equal((await p.exit).signal, "SIGKILL");
    assert.ok((await driver.oomKills("hog")) >= 1);
  });

  test("freeze() stops every process and thaw() lets them go on", T, async () => {
    const dirs = await create("freeze");
    const p = await startIn(dirs, ["sh", "-c", "while :; do echo tick; sleep 0.01; done"]);
    await waitFor(() => p.output().includes("tick"));
    await driver.freeze("freeze");
    assert.equal(await value(m.freezer!, "freeze", "freezer.state"), "FROZEN");
    // The v1 freezer holds its tasks in uninterruptible sleep.
    assert.equal(await procState(p.pid), "D");
    await driver.thaw("freeze");
    assert.equal(await value(m.freezer!, "freeze", "freezer.state"), "THAWED");
    const before = p.output().length;
    await waitFor(() => p.output().length > before);
  });

  test("killAll() empties a cgroup whose process keeps forking up to its pids limit", T, async () => {
    const dirs = await create("forks", { pids: 64 });
    // Unlike sh, which gives up at the first failed fork, this keeps trying.
    const forker = `setInterval(() => { try { require("node:child_process").spawn("sleep", ["1000"], { stdio: "ignore" }).on("error", () => {}); } catch {} }, 1)`;
    const p = await startIn(dirs, [process.execPath, "-e", forker]);
    await waitFor(async () => ((await driver.stats("forks"))?.pids ?? 0) >= 64);
    assert.equal(await driver.killAll("forks"), 0);
    assert.deepEqual(await driver.pids("forks"), []);
    assert.equal((await p.exit).signal, "SIGKILL");
  });

  test("remove() kills what is left and removes every directory; again is fine", T, async () => {
    const dirs = await create("rm");
    const p = await startIn(dirs, ["sleep", "1000"]);
    await driver.remove("rm");
    assert.equal((await p.exit).signal, "SIGKILL");
    for (const d of dirs) assert.equal(await exists(d), false, d);
    await driver.remove("rm");
    assert.equal(await driver.stats("rm"), undefined);
    assert.equal(await driver.oomKills("rm"), 0);
    assert.deepEqual(await driver.pids("rm"), []);
  });

  test("detectCgroups() picks v1 on this host, with what it supports", T, async () => {
    const d = await detectCgroups({ parent });
    assert.equal(d.driver?.version, 1);
    assert.deepEqual(d.support.controllers.sort(), Object.keys(m).sort());
    assert.equal(d.support.swapLimit, memsw);
    assert.match(d.support.summary, /^v1 \(memory, cpu, pids/);
  });
});

test("oomKills() reads oom_kill, and falls back to failcnt on kernels that do not count", async () => {
  const root = await mkdtemp(join(tmpdir(), "bosun-cgroup-v1-"));
  try {
    const mounts = { memory: join(root, "memory"), cpu: join(root, "cpu"), pids: join(root, "pids") };
    const dir = join(mounts.memory, "bosun", "c");
    await mkdir(dir, { recursive: true });
    const driver = new CgroupV1Driver(mounts);
    await writeFile(join(dir, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    assert.equal(await driver.oomKills("c"), 2);
    // Before Linux 4.13: no oom_kill line; a hit limit is all there is to say.
    await writeFile(join(dir, "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
    await writeFile(join(dir, "memory.failcnt"), "0\n");
    assert.equal(await driver.oomKills("c"), 0);
    await writeFile(join(dir, "memory.failcnt"), "17\n");
    assert.equal(await driver.oomKills("c"), 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
