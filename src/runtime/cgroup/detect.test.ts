// detectCgroups() on fixture mountinfo text whose mount points are temp dirs, and as a user
// without root on this host.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { detectCgroups } from "./detect.ts";
import { CgroupV1Driver } from "./v1.ts";
import { CgroupV2Driver } from "./v2.ts";

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

/** A temp dir with the given files (path → content; a path ending in / is a directory). */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "bosun-cgroup-detect-"));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith("/")) await mkdir(join(root, path), { recursive: true });
    else {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
  }
  return root;
}

const line = (n: number, mountPoint: string, fstype: string, superOptions: string) =>
  `${n} 1 0:${n} / ${mountPoint} rw,relatime - ${fstype} ${fstype} ${superOptions}`;

test("a hybrid layout gets a v1 driver, with its controllers and swap accounting", async () => {
  const root = await tree({
    "memory/memory.memsw.limit_in_bytes": "9223372036854771712\n",
    "cpu,cpuacct/": "",
    "pids/": "",
    "freezer/": "",
    "unified/cgroup.controllers": "\n",
  });
  const mountinfo = [
    line(30, join(root, "unified"), "cgroup2", "rw,nsdelegate"),
    line(31, join(root, "memory"), "cgroup", "rw,memory"),
    line(32, join(root, "cpu,cpuacct"), "cgroup", "rw,cpu,cpuacct"),
    line(33, join(root, "pids"), "cgroup", "rw,pids"),
    line(34, join(root, "freezer"), "cgroup", "rw,freezer"),
  ].join("\n");
  const d = await detectCgroups({ mountinfo });
  assert.ok(d.driver instanceof CgroupV1Driver);
  assert.deepEqual(d.support, {
    version: 1,
    controllers: ["memory", "cpu", "pids", "cpuacct", "freezer"],
    swapLimit: true,
    summary: "v1 (memory, cpu, pids, cpuacct, freezer; swap limits)",
  });
});

test("a v2 root with memory, cpu and pids gets a v2 driver", async () => {
  const root = await tree({ "cgroup.controllers": "cpuset cpu io memory hugetlb pids\n" });
  const d = await detectCgroups({ mountinfo: line(29, root, "cgroup2", "rw,nsdelegate") });
  assert.ok(d.driver instanceof CgroupV2Driver);
  assert.deepEqual(d.support, {
    version: 2,
    controllers: ["memory", "cpu", "pids"],
    swapLimit: null,
    summary: "v2 (memory, cpu, pids)",
  });
});

test("no cgroup mount gets no driver and a reason", async () => {
  const d = await detectCgroups({ mountinfo: "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n" });
  assert.equal(d.driver, undefined);
  assert.equal(
    d.driver === undefined && d.reason,
    "no cgroup hierarchy with the memory controller is mounted",
  );
  assert.equal(d.support.summary, "none: no cgroup hierarchy with the memory controller is mounted");
});

test("as a user without root on this host, the reason is that cgroups need root", {
  skip: process.getuid?.() !== 0 ? "needs root to run a child as nobody" : false,
}, async () => {
  const repo = fileURLToPath(new URL("../../..", import.meta.url));
  const script = `const { detectCgroups } = await import(${JSON.stringify(join(repo, "src/runtime/cgroup/detect.ts"))});
      process.stdout.write(JSON.stringify(await detectCgroups()));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    { cwd: repo, uid: 65534, gid: 65534 },
  );
  const d = JSON.parse(stdout) as { reason?: string };
  assert.match(d.reason ?? "", /^not root: cgroups need root/);
});
