// Which cgroup hierarchy bosun uses, decided from /proc/self/mountinfo (proc(5)) and the v2
// root's cgroup.controllers. Pure, so every host layout can be tested on fixture text. mountinfo
// rather than mount(8) or /proc/mounts: it is this mount namespace's own view, with a defined
// escaping, and it says which controllers each v1 hierarchy carries.

export interface CgroupMount {
  version: 1 | 2;
  /** Where it is mounted, unescaped. */
  mountPoint: string;
  /** v1: the controllers bound to this hierarchy (from its super options). v2: [], its
   * controllers are in cgroup.controllers at its root. */
  controllers: string[];
}

/** The v1 hierarchies bosun uses: memory, cpu and pids are required, cpuacct (CPU time) and
 * freezer (pause) are used when mounted. Co-mounted controllers share a path. */
export interface V1Mounts {
  memory: string;
  cpu: string;
  pids: string;
  cpuacct?: string;
  freezer?: string;
}

export type Hierarchy =
  | { version: 2; mount: string; controllers: string[] }
  | { version: 1; mounts: V1Mounts }
  | { version: undefined; reason: string };

/** Without these bosun cannot enforce the limits it offers. */
export const REQUIRED = ["memory", "cpu", "pids"] as const;
const V1_OPTIONAL = ["cpuacct", "freezer"] as const;

const V1_CONTROLLERS = new Set([
  "blkio",
  "cpu",
  "cpuacct",
  "cpuset",
  "devices",
  "freezer",
  "hugetlb",
  "memory",
  "misc",
  "net_cls",
  "net_prio",
  "perf_event",
  "pids",
  "rdma",
]);

/** Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options */
export function parseMountinfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-", 6);
    if (dash < 0) continue;
    const fstype = f[dash + 1];
    const mountPoint = unescapeOctal(f[4]!);
    if (fstype === "cgroup2") out.push({ version: 2, mountPoint, controllers: [] });
    if (fstype === "cgroup") {
      // Named hierarchies (name=systemd) carry no controller and are skipped by the filter.
      const controllers = (f[dash + 3] ?? "").split(",").filter((o) => V1_CONTROLLERS.has(o));
      out.push({ version: 1, mountPoint, controllers });
    }
  }
  return out;
}

/** mountinfo writes space, tab, newline and backslash as three octal digits. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/**
 * v2 when its root offers memory, cpu and pids; else v1 when those three hierarchies are
 * mounted; else a reason. A hybrid host (v1 controllers, an empty v2 at /sys/fs/cgroup/unified)
 * is v1: a controller is bound to one version at a time, and an empty v2 root lists none.
 */
export function chooseHierarchy(mounts: readonly CgroupMount[], v2Controllers: readonly string[]): Hierarchy {
  const v2 = mounts.find((m) => m.version === 2);
  if (v2 && REQUIRED.every((c) => v2Controllers.includes(c)))
    return {
      version: 2,
      mount: v2.mountPoint,
      controllers: REQUIRED.filter((c) => v2Controllers.includes(c)),
    };

  const v1 = new Map<string, string>();
  for (const m of mounts)
    if (m.version === 1) for (const c of m.controllers) if (!v1.has(c)) v1.set(c, m.mountPoint);
  const [memory, cpu, pids] = REQUIRED.map((c) => v1.get(c));
  if (memory && cpu && pids) {
    const mounts: V1Mounts = { memory, cpu, pids };
    for (const c of V1_OPTIONAL) {
      const path = v1.get(c);
      if (path) mounts[c] = path;
    }
    return { version: 1, mounts };
  }

  // Memory first: without it (the usual case, no cgroups at all) the rest does not matter.
  const missing = REQUIRED.filter((c) => !v1.has(c) && !(v2 && v2Controllers.includes(c)));
  const named = missing.includes("memory") ? ["memory"] : missing;
  if (named.length > 0)
    return {
      version: undefined,
      reason: `no cgroup hierarchy with the ${named.join(" and ")} controller${named.length > 1 ? "s" : ""} is mounted`,
    };
  const on = (v: 1 | 2) =>
    REQUIRED.filter((c) => (v === 1 ? v1.has(c) : v2Controllers.includes(c))).join(", ");
  return {
    version: undefined,
    reason: `the memory, cpu and pids controllers are split between cgroup v1 (${on(1)}) and v2 (${on(2)}); bosun needs all three on one`,
  };
}
