import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseHierarchy, parseMountinfo } from "./mountinfo.ts";

// This machine: one v1 hierarchy per controller, cpu and cpuacct apart, an empty v2 beside them.
const V1_SEPARATE = `\
23 1 259:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// systemd's hybrid layout: cpu,cpuacct co-mounted, optional fields before the separator.
const HYBRID = `\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
34 25 0:29 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
35 34 0:30 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
36 34 0:31 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
39 34 0:34 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
40 34 0:35 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
41 34 0:36 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
43 34 0:38 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,pids
44 34 0:39 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,freezer
`;

const V2 = `\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
26 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
29 26 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V2_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"];

const NONE = `\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
26 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
`;

test("parseMountinfo() keeps the cgroup mounts, with each v1 hierarchy's controllers", () => {
  const mounts = parseMountinfo(HYBRID);
  assert.deepEqual(mounts, [
    { version: 2, mountPoint: "/sys/fs/cgroup/unified", controllers: [] },
    { version: 1, mountPoint: "/sys/fs/cgroup/systemd", controllers: [] },
    { version: 1, mountPoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: ["cpu", "cpuacct"] },
    { version: 1, mountPoint: "/sys/fs/cgroup/net_cls,net_prio", controllers: ["net_cls", "net_prio"] },
    { version: 1, mountPoint: "/sys/fs/cgroup/memory", controllers: ["memory"] },
    { version: 1, mountPoint: "/sys/fs/cgroup/pids", controllers: ["pids"] },
    { version: 1, mountPoint: "/sys/fs/cgroup/freezer", controllers: ["freezer"] },
  ]);
});

test("parseMountinfo() unescapes octal escapes in mount points", () => {
  const [m] = parseMountinfo("50 1 0:40 / /tmp/my\\040cgroups\\134x rw - cgroup2 none rw\n");
  assert.equal(m?.mountPoint, "/tmp/my cgroups\\x");
});

test("a v1 host with one hierarchy per controller gets v1, with cpuacct and freezer", () => {
  // The empty v2 root lists no controllers.
  assert.deepEqual(chooseHierarchy(parseMountinfo(V1_SEPARATE), []), {
    version: 1,
    mounts: {
      memory: "/sys/fs/cgroup/memory",
      cpu: "/sys/fs/cgroup/cpu",
      pids: "/sys/fs/cgroup/pids",
      cpuacct: "/sys/fs/cgroup/cpuacct",
      freezer: "/sys/fs/cgroup/freezer",
    },
  });
});

test("a hybrid host gets v1, co-mounted cpu and cpuacct sharing one path", () => {
  assert.deepEqual(chooseHierarchy(parseMountinfo(HYBRID), []), {
    version: 1,
    mounts: {
      memory: "/sys/fs/cgroup/memory",
      cpu: "/sys/fs/cgroup/cpu,cpuacct",
      pids: "/sys/fs/cgroup/pids",
      cpuacct: "/sys/fs/cgroup/cpu,cpuacct",
      freezer: "/sys/fs/cgroup/freezer",
    },
  });
});

test("a v2 host whose root offers memory, cpu and pids gets v2", () => {
  assert.deepEqual(chooseHierarchy(parseMountinfo(V2), V2_CONTROLLERS), {
    version: 2,
    mount: "/sys/fs/cgroup",
    controllers: ["memory", "cpu", "pids"],
  });
});

test("v2 is preferred when both versions could serve", () => {
  // A v2 root with controllers next to v1 mounts that claim them (a fixture only: a controller
  // is bound to one version at a time).
  assert.equal(chooseHierarchy(parseMountinfo(HYBRID), ["memory", "cpu", "pids"]).version, 2);
});

test("a host without cgroups gets a reason that names the memory controller", () => {
  assert.deepEqual(chooseHierarchy(parseMountinfo(NONE), []), {
    version: undefined,
    reason: "no cgroup hierarchy with the memory controller is mounted",
  });
  const noMemory = V1_SEPARATE.split("\n")
    .filter((l) => !l.includes("memory"))
    .join("\n");
  assert.deepEqual(chooseHierarchy(parseMountinfo(noMemory), []), {
    version: undefined,
    reason: "no cgroup hierarchy with the memory controller is mounted",
  });
});

test("a v2 root without cpu and pids and no v1 gets a reason that names them", () => {
  assert.deepEqual(chooseHierarchy(parseMountinfo(V2), ["io", "memory"]), {
    version: undefined,
    reason: "no cgroup hierarchy with the cpu and pids controllers is mounted",
  });
});

test("controllers split between the versions get a reason that says so", () => {
  const v1MemoryOnly = HYBRID.split("\n")
    .filter((l) => !l.includes("cpu,cpuacct") && !l.includes("/pids"))
    .join("\n");
  const h = chooseHierarchy(parseMountinfo(v1MemoryOnly), ["cpu", "pids"]);
  assert.equal(h.version, undefined);
  assert.match(
    h.version === undefined ? h.reason : "",
    /split between cgroup v1 \(memory\) and v2 \(cpu, pids\)/,
  );
});
