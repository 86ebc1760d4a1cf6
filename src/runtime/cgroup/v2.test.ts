// The v2 driver: its file contract on a fake tree in a temp dir, then the host's real v2
// hierarchy when there is one (here, possibly one without controllers: the core files only).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { BosunError } from "../../api/errors.ts";
import type { CgroupLimits } from "./cgroup.ts";
import { read } from "./files.ts";
import { parseMountinfo } from "./mountinfo.ts";
import { comm, killStarted, startIn, waitFor } from "./testing.ts";
import { CgroupV2Driver } from "./v2.ts";

const MiB = 1024 * 1024;

async function rejection(p: Promise<unknown>): Promise<BosunError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e instanceof BosunError, `expected a BosunError, got ${e}`);
  return e;
}

describe("the v2 file contract, on a fake tree", () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  /** A root as the kernel shows it, and a parent that memory reached (so it has memory.swap.max). */
  async function fakeRoot(opts: { swapAccounting: boolean }): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), "bosun-cgroup-v2-"));
    roots.push(root);
    await writeFile(join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
    await writeFile(join(root, "cgroup.subtree_control"), "");
    await mkdir(join(root, "bosun"));
    await writeFile(join(root, "bosun", "cgroup.subtree_control"), "");
    if (opts.swapAccounting) await writeFile(join(root, "bosun", "memory.swap.max"), "max\n");
    return root;
  }

  const file = (dir: string, name: string) => readFile(join(dir, name), "utf8");

  test("create() enables the controllers down to the parent and writes the limits", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    const driver = new CgroupV2Driver(root, ["cpuset", "cpu", "io", "memory", "pids"]);
    const dirs = await driver.create("c1", { memory: 64 * MiB, cpus: 1.5, pids: 100 });
    const dir = join(root, "bosun", "c1");
    assert.deepEqual(dirs, [dir]);
    assert.equal(await file(root, "cgroup.subtree_control"), "+memory +cpu +pids");
    assert.equal(await file(join(root, "bosun"), "cgroup.subtree_control"), "+memory +cpu +pids");
    assert.equal(await file(dir, "memory.max"), String(64 * MiB));
    assert.equal(await file(dir, "memory.swap.max"), "0");
    assert.equal(await file(dir, "cpu.max"), "150000 100000");
    assert.equal(await file(dir, "pids.max"), "100");
  });

  test("create() writes only the limits asked for, and swap as memorySwap minus memory", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    const driver = new CgroupV2Driver(root, ["cpu", "memory", "pids"]);
    // A fresh cgroup's limits are all "max" already (the kernel's; this fake tree has no files).
    const [none] = await driver.create("none", {});
    assert.deepEqual(await readdir(none!), []);
    const [swap] = await driver.create("swap", { memory: 64 * MiB, memorySwap: 96 * MiB });
    assert.equal(await file(swap!, "memory.max"), String(64 * MiB));
    assert.equal(await file(swap!, "memory.swap.max"), String(32 * MiB));
    const [noSwap] = await driver.create("no-swap", { memory: 64 * MiB, cpus: 0.5, pids: 64 });
    assert.equal(await file(noSwap!, "memory.swap.max"), "0");
    assert.equal(await file(noSwap!, "cpu.max"), "50000 100000");
    assert.equal(await file(noSwap!, "pids.max"), "64");
  });

  test("create() refuses bad limits before writing anything, naming the field", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    const driver = new CgroupV2Driver(root, ["cpu", "memory", "pids"]);
    assert.match((await rejection(driver.create("bad", { cpus: 0 }))).message, /^resources\.cpus: /);
    assert.equal(await file(root, "cgroup.subtree_control"), "");
    assert.deepEqual(await readdir(join(root, "bosun")), ["cgroup.subtree_control", "memory.swap.max"]);
  });

  test("create() refuses a swap limit the host cannot account, and limits without their controller", async () => {
    const root = await fakeRoot({ swapAccounting: false });
    const driver = new CgroupV2Driver(root, ["cpu", "memory", "pids"]);
    const e = await rejection(driver.create("s", { memory: 64 * MiB, memorySwap: 96 * MiB }));
    assert.match(e.message, /^resources\.memorySwap: this host does not account swap/);
    // No swap asked: fine without the file, which is then not written.
    const [dir] = await driver.create("s", { memory: 64 * MiB });
    assert.equal(await read(dir!, "memory.swap.max"), undefined);

    const bare = new CgroupV2Driver(root, ["cpu"]);
    assert.match(
      (await rejection(bare.create("m", { memory: 64 * MiB }))).message,
      /^resources\.memory: .*no memory/,
    );
    assert.match((await rejection(bare.create("p", { pids: 10 }))).message, /^resources\.pids: .*no pids/);
  });

  test("stats() and oomKills() read the kernel's files; a missing cgroup has none", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    const driver = new CgroupV2Driver(root, ["cpu", "memory", "pids"]);
    const [dir] = await driver.create("s", { memory: 64 * MiB });
    await writeFile(join(dir!, "cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    await writeFile(join(dir!, "memory.current"), "1234567\n");
    await writeFile(join(dir!, "memory.max"), "67108864\n");
    await writeFile(join(dir!, "pids.current"), "3\n");
    await writeFile(
      join(dir!, "memory.events"),
      "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n",
    );
    assert.deepEqual(await driver.stats("s"), {
      cpuNs: 1_500_000,
      memoryBytes: 1234567,
      memoryLimit: 64 * MiB,
      pids: 3,
    });
    assert.equal(await driver.oomKills("s"), 2);
    await writeFile(join(dir!, "memory.max"), "max\n");
    assert.equal((await driver.stats("s"))?.memoryLimit, null);

    assert.equal(await driver.stats("gone"), undefined);
    assert.equal(await driver.oomKills("gone"), 0);
    assert.deepEqual(await driver.pids("gone"), []);
  });

  test("remove() rmdirs the cgroup, and is fine when it is gone", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    const driver = new CgroupV2Driver(root, ["cpu", "memory", "pids"]);
    const [dir] = await driver.create("r", { pids: 5 });
    // The kernel drops a cgroup's interface files with its directory; a plain one must be empty.
    for (const f of await readdir(dir!)) await unlink(join(dir!, f));
    await driver.remove("r");
    assert.deepEqual(await readdir(join(root, "bosun")), ["cgroup.subtree_control", "memory.swap.max"]);
    await driver.remove("r");
  });

  test("ids and parents that could leave the hierarchy are refused", async () => {
    const root = await fakeRoot({ swapAccounting: true });
    assert.throws(() => new CgroupV2Driver(root, [], { parent: "../x" }), /invalid cgroup parent/);
    const driver = new CgroupV2Driver(root, []);
    await assert.rejects(driver.create("../../etc", {}), /invalid cgroup id/);
    await assert.rejects(driver.create("a/b", {}), /invalid cgroup id/);
  });
});

// The host's real v2 hierarchy. On a hybrid host it has no controllers (they are on v1), but its
// core files (cgroup.procs, cgroup.freeze, cgroup.events, cgroup.kill) work all the same.
const mountinfo = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
const mount = parseMountinfo(mountinfo).find((m) => m.version === 2)?.mountPoint;
const controllers = mount
  ? ((await read(mount, "cgroup.controllers")) ?? "").split(/\s+/).filter(Boolean)
  : [];
const skip =
  process.getuid?.() !== 0
    ? "needs root: cgroups need root"
    : mount === undefined
      ? "no cgroup v2 hierarchy is mounted here"
      : false;
const limitsSkip =
  skip ||
  (["memory", "cpu", "pids"].every((c) => controllers.includes(c))
    ? false
    : `the v2 root here offers ${controllers.join(", ") || "no controllers"}: memory, cpu and pids are on v1`);

describe("the host's real cgroup v2 hierarchy", { skip }, () => {
  const parent = `bosun-test-${randomBytes(4).toString("hex")}`;
  const driver = new CgroupV2Driver(mount ?? "/nonexistent", controllers, { parent });
  const ids = new Set<string>();
  const create = (id: string, limits: CgroupLimits = {}) => {
    ids.add(id);
    return driver.create(id, limits);
  };

  after(async () => {
    killStarted();
    for (const id of ids) await driver.remove(id);
    await rmdir(join(mount!, parent)).catch(() => {});
  });

  test("a process that joined is in pids() and stats()", async () => {
    const dirs = await create("join");
    const p = await startIn(dirs, ["sleep", "1000"]);
    await waitFor(async () => (await comm(p.pid)) === "sleep");
    assert.deepEqual(await driver.pids("join"), [p.pid]);
    const s = await driver.stats("join");
    assert.equal(s?.pids, 1);
    // It exec'd sleep inside: CPU time that cpu.stat counted here.
    assert.ok(s.cpuNs > 0, `cpuNs ${s.cpuNs}`);
  });

  test("freeze() waits for cgroup.events to say frozen, thaw() lets the process go on", async () => {
    const dirs = await create("freeze");
    const p = await startIn(dirs, ["sh", "-c", "while :; do echo tick; sleep 0.01; done"]);
    await waitFor(() => p.output().includes("tick"));
    await driver.freeze("freeze");
    assert.match((await read(dirs[0]!, "cgroup.events"))!, /^frozen 1$/m);
    await driver.thaw("freeze");
    assert.match((await read(dirs[0]!, "cgroup.events"))!, /^frozen 0$/m);
    const before = p.output().length;
    await waitFor(() => p.output().length > before);
  });

  test("killAll() empties it, a process that forks included; remove() removes it", async () => {
    const dirs = await create("kill");
    const p = await startIn(dirs, ["sh", "-c", "while :; do sleep 1000 & sleep 0.01; done"]);
    await waitFor(async () => (await driver.pids("kill")).length >= 3);
    assert.equal(await driver.killAll("kill"), 0);
    assert.deepEqual(await driver.pids("kill"), []);
    assert.equal((await p.exit).signal, "SIGKILL");
    await driver.remove("kill");
    assert.equal(await read(dirs[0]!, "cgroup.procs"), undefined);
  });

  test("create() writes limits the kernel reads back", { skip: limitsSkip }, async () => {
    const [dir] = await create("limits", { memory: 64 * MiB, cpus: 0.5, pids: 32 });
    assert.equal((await read(dir!, "memory.max"))?.trim(), String(64 * MiB));
    assert.equal((await read(dir!, "cpu.max"))?.trim(), "50000 100000");
    assert.equal((await read(dir!, "pids.max"))?.trim(), "32");
    assert.equal((await driver.stats("limits"))?.memoryLimit, 64 * MiB);
  });
});
