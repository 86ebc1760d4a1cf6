// What this host's cgroups support, and the driver for them: the I/O around chooseHierarchy().
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type CgroupDriver, DEFAULT_PARENT, type DriverOptions } from "./cgroup.ts";
import { exists, read } from "./files.ts";
import { chooseHierarchy, type Hierarchy, parseMountinfo } from "./mountinfo.ts";
import { CgroupV1Driver } from "./v1.ts";
import { CgroupV2Driver } from "./v2.ts";

/** For `bosun info`. */
export interface CgroupSupport {
  version: 1 | 2 | null;
  /** The controllers bosun uses that the chosen hierarchy has. */
  controllers: string[];
  /** Whether swap can be limited: v1's memory.memsw.*; null where only a container's own
   * cgroup can tell (v2's memory.swap.max is not at the root). */
  swapLimit: boolean | null;
  /** "v1 (memory, cpu, cpuacct, pids, freezer; swap limits)", or "none: <reason>". */
  summary: string;
}

export type CgroupDetection =
  | { driver: CgroupDriver; support: CgroupSupport }
  | { driver: undefined; reason: string; support: CgroupSupport };

export interface DetectOptions extends DriverOptions {
  /** The text of /proc/self/mountinfo; read from there when absent. */
  mountinfo?: string;
  /** The caller's uid, for the reason when the hierarchies are not writable. */
  uid?: number;
}

export async function detectCgroups(o: DetectOptions = {}): Promise<CgroupDetection> {
  const text = o.mountinfo ?? (await readFile("/proc/self/mountinfo", "utf8").catch(() => ""));
  const mounts = parseMountinfo(text);
  const v2 = mounts.find((m) => m.version === 2);
  // An empty list at the v2 root means the controllers are all on v1 (or the kernel has none).
  const v2Controllers = v2 ? ((await read(v2.mountPoint, "cgroup.controllers")) ?? "").split(/\s+/) : [];
  const h = chooseHierarchy(mounts, v2Controllers.filter(Boolean));
  if (h.version === undefined) return none(h.reason);

  const options: DriverOptions = {
    ...(o.parent !== undefined && { parent: o.parent }),
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
  };
  const unwritable = await firstUnwritable(h, o.parent ?? DEFAULT_PARENT, o.uid ?? process.getuid?.());
  if (unwritable) return none(unwritable);
  if (h.version === 2) {
    const support = { version: 2, controllers: h.controllers, swapLimit: null } as const;
    return {
      driver: new CgroupV2Driver(h.mount, h.controllers, options),
      support: { ...support, summary: `v2 (${h.controllers.join(", ")})` },
    };
  }
  const controllers = Object.keys(h.mounts);
  const swapLimit = await exists(join(h.mounts.memory, "memory.memsw.limit_in_bytes"));
  return {
    driver: new CgroupV1Driver(h.mounts, options),
    support: {
      version: 1,
      controllers,
      swapLimit,
      summary: `v1 (${controllers.join(", ")}; ${swapLimit ? "swap limits" : "no swap accounting"})`,
    },
  };
}

function none(reason: string): CgroupDetection {
  return {
    driver: undefined,
    reason,
    support: { version: null, controllers: [], swapLimit: null, summary: `none: ${reason}` },
  };
}

/** Creating cgroups needs write access to each hierarchy, or to bosun's parent in it when that
 * exists already (a delegated subtree). */
async function firstUnwritable(
  h: Exclude<Hierarchy, { version: undefined }>,
  parent: string,
  uid: number | undefined,
): Promise<string | undefined> {
  const roots = h.version === 2 ? [h.mount] : [...new Set(Object.values(h.mounts))];
  for (const root of roots) {
    const dir = (await exists(join(root, parent))) ? join(root, parent) : root;
    try {
      await access(dir, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (uid !== 0 && (code === "EACCES" || code === "EPERM")) return `not root: cgroups need root (${dir})`;
      return `cannot write ${dir}: ${code}`;
    }
  }
  return undefined;
}
