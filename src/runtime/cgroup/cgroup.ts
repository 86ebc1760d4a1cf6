// The seam between bosund and the host's cgroups: one interface, a v1 and a v2 driver behind it
// (v1.ts, v2.ts), chosen by detect.ts. bosund creates a container's cgroup before launching its
// shim and hands the directories to the shim, whose child joins them before exec, so the
// container's process never runs outside its limits.

export interface CgroupLimits {
  /** Bytes of memory. */
  memory?: number;
  /** Bytes of memory plus swap; undefined means the same as memory, i.e. no swap. Needs memory. */
  memorySwap?: number;
  /** Cores, e.g. 0.5. */
  cpus?: number;
  /** Tasks (processes and threads). */
  pids?: number;
}

export interface CgroupStats {
  /** CPU time of every task that ran in the cgroup since it was created. */
  cpuNs: number;
  /** What the memory limit is checked against: page cache included. */
  memoryBytes: number;
  memoryLimit: number | null;
  /** Tasks (processes and threads). */
  pids: number;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /**
   * Validates the limits (a BosunError "bad_request" naming the field, before anything is
   * written), creates the container's cgroup(s) under the driver's parent and writes the limits.
   * Returns the directories the process must join. A leftover cgroup of the same id (a restart,
   * or a daemon that died before remove) is emptied and made again, so every run starts with
   * fresh counters and shares its limits with nothing.
   */
  create(id: string, limits: CgroupLimits): Promise<string[]>;
  /** undefined when the cgroup does not exist. */
  stats(id: string): Promise<CgroupStats | undefined>;
  /** OOM kills in the cgroup since create; 0 when it does not exist. */
  oomKills(id: string): Promise<number>;
  /** The processes in it (not threads, not zombies), ascending. */
  pids(id: string): Promise<number[]>;
  /** SIGKILLs every process in it until it is empty or the driver's timeout passes; resolves
   * with how many processes are left (0: empty). */
  killAll(id: string): Promise<number>;
  /** Resolves once every process in it is frozen; rejects (and leaves it thawed) after the
   * driver's timeout. */
  freeze(id: string): Promise<void>;
  thaw(id: string): Promise<void>;
  /** Kills what is left and removes the directories; fine if already gone. */
  remove(id: string): Promise<void>;
}

export interface DriverOptions {
  /** The directory under each hierarchy's root that holds the containers' cgroups: "bosun". */
  parent?: string;
  /** How long freeze and killAll wait for the kernel: 10 s. */
  timeoutMs?: number;
}

export const DEFAULT_PARENT = "bosun";
export const DEFAULT_TIMEOUT_MS = 10_000;

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Ids and the parent become paths under /sys/fs/cgroup: a segment that could climb out
 * ("..", "/") is refused. The parent may be nested ("bosun/test"). */
export function checkPath(what: "id" | "parent", value: string): string {
  const ok = what === "id" ? SEGMENT.test(value) : value.split("/").every((s) => SEGMENT.test(s));
  if (!ok) throw new Error(`invalid cgroup ${what} ${JSON.stringify(value)}`);
  return value;
}
