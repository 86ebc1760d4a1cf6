// cgroup v1: one hierarchy per controller (some co-mounted, like cpu,cpuacct), so a container
// has a directory in each hierarchy bosun uses, and its process joins every one of them.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  type CgroupDriver,
  type CgroupLimits,
  type CgroupStats,
  checkPath,
  DEFAULT_PARENT,
  DEFAULT_TIMEOUT_MS,
  type DriverOptions,
} from "./cgroup.ts";
import { exists, parseKeyed, read, readInt, readProcs, removeDir, write } from "./files.ts";
import { killByListing } from "./kill-loop.ts";
import { CPU_PERIOD_US, cpuQuotaUs, swapBytes, swapUnsupported, validateLimits } from "./limits.ts";
import type { V1Mounts } from "./mountinfo.ts";
import { waitUntil } from "./wait.ts";

/** An unlimited memory.limit_in_bytes reads as PAGE_COUNTER_MAX pages, just under 2^63 bytes. */
const UNLIMITED = 2 ** 62;

export class CgroupV1Driver implements CgroupDriver {
  readonly version = 1;
  readonly #mounts: V1Mounts;
  readonly #parent: string;
  readonly #timeoutMs: number;
  /** Whether swap is accounted (memory.memsw.*): a fact of the host, looked up once. */
  #memsw: Promise<boolean> | undefined;

  constructor(mounts: V1Mounts, options: DriverOptions = {}) {
    this.#mounts = mounts;
    this.#parent = checkPath("parent", options.parent ?? DEFAULT_PARENT);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async create(id: string, limits: CgroupLimits): Promise<string[]> {
    validateLimits(limits);
    const dirs = this.#dirs(id);
    const swap = swapBytes(limits);
    // Without swap accounting (no memory.memsw.*) swap cannot be limited, only forbidden
    // (swappiness 0 below): a limit the host cannot enforce is refused, never ignored.
    this.#memsw ??= exists(join(this.#mounts.memory, "memory.memsw.limit_in_bytes"));
    const memsw = await this.#memsw;
    if (swap !== undefined && swap > 0 && !memsw) throw swapUnsupported();

    await this.remove(id);
    await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
    // A fresh cgroup is unlimited (memory and memsw unlimited, no CFS quota, pids.max "max"):
    // only the limits asked for are written, the three controllers at once.
    const memory = async () => {
      const dir = this.#dir("memory", id)!;
      // memsw may never be below memory.limit; in a fresh cgroup both are unlimited, so the
      // memory limit goes first.
      if (limits.memory !== undefined) await write(dir, "memory.limit_in_bytes", limits.memory);
      const memswLimit = limits.memorySwap ?? limits.memory;
      if (memsw && memswLimit !== undefined) await write(dir, "memory.memsw.limit_in_bytes", memswLimit);
      // Unlike global reclaim, a memcg's swappiness 0 forbids swapping outright
      // (cgroup-v1/memory.rst), which is "no swap" even where memsw is missing.
      if (swap === 0) await write(dir, "memory.swappiness", 0);
    };
    const cpu = async () => {
      if (limits.cpus === undefined) return;
      const dir = this.#dir("cpu", id)!;
      await write(dir, "cpu.cfs_period_us", CPU_PERIOD_US);
      await write(dir, "cpu.cfs_quota_us", cpuQuotaUs(limits.cpus));
    };
    const pids = async () => {
      if (limits.pids !== undefined) await write(this.#dir("pids", id)!, "pids.max", limits.pids);
    };
    try {
      await Promise.all([memory(), cpu(), pids()]);
    } catch (e) {
      await this.remove(id).catch(() => {});
      throw e;
    }
    return dirs;
  }

  async stats(id: string): Promise<CgroupStats | undefined> {
    const memory = this.#dir("memory", id)!;
    const cpuacct = this.#dir("cpuacct", id);
    const [usage, limit, cpuNs, pids] = await Promise.all([
      readInt(memory, "memory.usage_in_bytes"),
      readInt(memory, "memory.limit_in_bytes"),
      // Without cpuacct (systemd always co-mounts it with cpu) there is no CPU time to report.
      cpuacct === undefined ? Promise.resolve(0) : readInt(cpuacct, "cpuacct.usage"),
      readInt(this.#dir("pids", id)!, "pids.current"),
    ]);
    if (usage === undefined) return undefined;
    return {
      cpuNs: cpuNs ?? 0,
      memoryBytes: usage,
      memoryLimit: limit === undefined || limit >= UNLIMITED ? null : limit,
      pids: pids ?? 0,
    };
  }

  async oomKills(id: string): Promise<number> {
    const memory = this.#dir("memory", id)!;
    const control = await read(memory, "memory.oom_control");
    if (control === undefined) return 0;
    const kills = parseKeyed(control).get("oom_kill");
    if (kills !== undefined) return kills;
    // Linux before 4.13 does not count OOM kills. failcnt counts the times usage hit the limit,
    // which reclaim often survives (page cache), so all it can say is "the limit was hit": 1, for
    // the caller to read together with a SIGKILL exit. With swap accounted, the memory limit alone
    // only pushes pages to swap, so memsw's count is the one that means "out of memory".
    const failcnt =
      (await readInt(memory, "memory.memsw.failcnt")) ?? (await readInt(memory, "memory.failcnt"));
    return failcnt ? 1 : 0;
  }

  /** The union over the hierarchies, so a process that joined only some of them is seen too. */
  async pids(id: string): Promise<number[]> {
    const lists = await Promise.all(this.#dirs(id).map(readProcs));
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }

  killAll(id: string): Promise<number> {
    return killByListing(
      {
        procs: () => this.pids(id),
        ...(this.#mounts.freezer === undefined
          ? {}
          : { freeze: (ms: number) => this.#freeze(id, ms), thaw: () => this.thaw(id) }),
        // No event tells that cgroup.procs emptied on v1: re-read it.
        untilEmpty: (ms) => waitUntil(async () => (await this.pids(id)).length === 0, ms),
      },
      this.#timeoutMs,
    );
  }

  async freeze(id: string): Promise<void> {
    if (!(await this.#freeze(id, this.#timeoutMs)))
      throw new Error(
        `cannot freeze the cgroup of ${id}: not every process stopped within ${this.#timeoutMs} ms (one may be in uninterruptible sleep)`,
      );
  }

  /**
   * v1 has no event for freezer.state, so this re-reads it in a short bounded loop. Each write of
   * FROZEN also retries the tasks that did not stop yet (cgroup-v1/freezer-subsystem.rst). On
   * failure it thaws back, so a container never stays half-frozen.
   */
  async #freeze(id: string, ms: number): Promise<boolean> {
    const dir = this.#freezerDir(id);
    const frozen = await waitUntil(async () => {
      await write(dir, "freezer.state", "FROZEN");
      return (await read(dir, "freezer.state"))?.trim() === "FROZEN";
    }, ms);
    if (!frozen) await this.thaw(id);
    return frozen;
  }

  /** THAWED takes effect in the write itself: nothing to wait for. */
  async thaw(id: string): Promise<void> {
    await write(this.#freezerDir(id), "freezer.state", "THAWED");
  }

  async remove(id: string): Promise<void> {
    const dirs = this.#dirs(id);
    if (!(await Promise.all(dirs.map(exists))).includes(true)) return;
    const left = await this.killAll(id);
    if (left > 0) throw new Error(`cannot remove the cgroup of ${id}: ${left} processes outlived SIGKILL`);
    const deadline = performance.now() + this.#timeoutMs;
    for (const d of dirs) await removeDir(d, deadline);
  }

  #dir(controller: keyof V1Mounts, id: string): string | undefined {
    const mount = this.#mounts[controller];
    return mount === undefined ? undefined : join(mount, this.#parent, checkPath("id", id));
  }

  /** One directory per hierarchy: co-mounted controllers share one. */
  #dirs(id: string): string[] {
    const controllers = Object.keys(this.#mounts) as (keyof V1Mounts)[];
    return [...new Set(controllers.map((c) => this.#dir(c, id)!))];
  }

  #freezerDir(id: string): string {
    const dir = this.#dir("freezer", id);
    if (dir === undefined) throw new Error("cannot freeze: no cgroup v1 freezer hierarchy is mounted");
    return dir;
  }
}
