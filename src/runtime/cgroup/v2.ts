// cgroup v2: one unified hierarchy, so a container is one directory. Controllers reach it only
// through its ancestors' cgroup.subtree_control, and the freezer, the kill switch and the
// populated flag are core files with inotify events (cgroup.events), so nothing here polls.
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
import {
  CPU_PERIOD_US,
  controllerMissing,
  cpuQuotaUs,
  swapBytes,
  swapUnsupported,
  validateLimits,
} from "./limits.ts";
import { REQUIRED } from "./mountinfo.ts";
import { waitUntil } from "./wait.ts";

const NEEDS = [
  ["memory", "memory"],
  ["memorySwap", "memory"],
  ["cpus", "cpu"],
  ["pids", "pids"],
] as const;

export class CgroupV2Driver implements CgroupDriver {
  readonly version = 2;
  readonly #mount: string;
  /** Those of memory, cpu and pids that the root offers. Detection only picks v2 when it offers
   * all three; fewer is for hosts like a hybrid one, where only the core files can be used. */
  readonly #controllers: readonly string[];
  readonly #parent: string;
  readonly #timeoutMs: number;
  /** The parent, made and handing its controllers down: once, until a create fails. */
  #parentReady: Promise<string> | undefined;

  constructor(mount: string, controllers: readonly string[], options: DriverOptions = {}) {
    this.#mount = mount;
    this.#controllers = REQUIRED.filter((c) => controllers.includes(c));
    this.#parent = checkPath("parent", options.parent ?? DEFAULT_PARENT);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async create(id: string, limits: CgroupLimits): Promise<string[]> {
    validateLimits(limits);
    for (const [field, controller] of NEEDS)
      if (limits[field] !== undefined && !this.#has(controller)) throw controllerMissing(field, controller);
    const dir = this.#dir(id);
    this.#parentReady ??= this.#prepareParent();
    const parent = await this.#parentReady.catch((e: unknown) => {
      this.#parentReady = undefined;
      throw e;
    });
    const swap = swapBytes(limits);
    // memory.swap.max exists only with swap accounting; without it swap cannot be limited, and a
    // limit the host cannot enforce is refused, never ignored.
    const swapFile = this.#has("memory") && (await exists(join(parent, "memory.swap.max")));
    if (swap !== undefined && swap > 0 && !swapFile) throw swapUnsupported();

    await this.remove(id);
    await mkdir(dir).catch((e: unknown) => {
      // The parent may have gone since it was made (an administrator's rmdir): make it again next time.
      this.#parentReady = undefined;
      throw e;
    });
    // A fresh cgroup has every limit at "max": only the limits asked for are written, at once.
    const writes: Promise<void>[] = [];
    if (this.#has("memory") && limits.memory !== undefined)
      writes.push(write(dir, "memory.max", limits.memory));
    // Swap alone here, where v1's memsw is memory plus swap.
    if (swapFile && swap !== undefined) writes.push(write(dir, "memory.swap.max", swap));
    if (this.#has("cpu") && limits.cpus !== undefined)
      writes.push(write(dir, "cpu.max", `${cpuQuotaUs(limits.cpus)} ${CPU_PERIOD_US}`));
    if (this.#has("pids") && limits.pids !== undefined) writes.push(write(dir, "pids.max", limits.pids));
    try {
      await Promise.all(writes);
    } catch (e) {
      await this.remove(id).catch(() => {});
      throw e;
    }
    return [dir];
  }

  async stats(id: string): Promise<CgroupStats | undefined> {
    const dir = this.#dir(id);
    const memory = this.#has("memory");
    const [cpu, current, max, pids] = await Promise.all([
      // cpu.stat's usage_usec is core accounting, there without the cpu controller.
      read(dir, "cpu.stat"),
      memory ? readInt(dir, "memory.current") : Promise.resolve(0),
      memory ? read(dir, "memory.max") : Promise.resolve("max"),
      // Without the pids controller, the tasks are cgroup.threads' lines.
      this.#has("pids")
        ? readInt(dir, "pids.current")
        : read(dir, "cgroup.threads").then((t) => t?.split("\n").filter((l) => l !== "").length),
    ]);
    if (cpu === undefined) return undefined;
    const limit = max?.trim() ?? "max";
    return {
      cpuNs: (parseKeyed(cpu).get("usage_usec") ?? 0) * 1000,
      memoryBytes: current ?? 0,
      memoryLimit: limit === "max" ? null : Number(limit),
      pids: pids ?? 0,
    };
  }

  async oomKills(id: string): Promise<number> {
    const events = this.#has("memory") ? await read(this.#dir(id), "memory.events") : undefined;
    return events === undefined ? 0 : (parseKeyed(events).get("oom_kill") ?? 0);
  }

  pids(id: string): Promise<number[]> {
    return readProcs(this.#dir(id)).then((p) => p.sort((a, b) => a - b));
  }

  async killAll(id: string): Promise<number> {
    const dir = this.#dir(id);
    const untilEmpty = (ms: number) =>
      waitUntil(async () => (await this.#events(dir)).get("populated") !== 1, ms, join(dir, "cgroup.events"));
    if (await exists(join(dir, "cgroup.kill"))) {
      // Linux 5.14+: the kernel kills the whole subtree at once, so no fork can outrun it.
      await write(dir, "cgroup.kill", 1);
      return (await untilEmpty(this.#timeoutMs)) ? 0 : (await this.pids(id)).length;
    }
    const freezer = await exists(join(dir, "cgroup.freeze"));
    return killByListing(
      {
        procs: () => this.pids(id),
        ...(freezer
          ? { freeze: (ms: number) => this.#setFrozen(dir, true, ms), thaw: () => this.thaw(id) }
          : {}),
        untilEmpty,
      },
      this.#timeoutMs,
    );
  }

  async freeze(id: string): Promise<void> {
    const dir = this.#dir(id);
    if (await this.#setFrozen(dir, true, this.#timeoutMs)) return;
    await this.#setFrozen(dir, false, this.#timeoutMs);
    throw new Error(
      `cannot freeze the cgroup of ${id}: not every process stopped within ${this.#timeoutMs} ms`,
    );
  }

  async thaw(id: string): Promise<void> {
    if (!(await this.#setFrozen(this.#dir(id), false, this.#timeoutMs)))
      throw new Error(`cannot thaw the cgroup of ${id}: still frozen after ${this.#timeoutMs} ms`);
  }

  async remove(id: string): Promise<void> {
    const dir = this.#dir(id);
    if (!(await exists(dir))) return;
    const left = await this.killAll(id);
    if (left > 0) throw new Error(`cannot remove the cgroup of ${id}: ${left} processes outlived SIGKILL`);
    await removeDir(dir, performance.now() + this.#timeoutMs);
  }

  /** Writes cgroup.freeze and waits for cgroup.events to say the kernel got there. */
  async #setFrozen(dir: string, frozen: boolean, ms: number): Promise<boolean> {
    const want = frozen ? 1 : 0;
    await write(dir, "cgroup.freeze", want);
    return waitUntil(
      async () => (await this.#events(dir)).get("frozen") === want,
      ms,
      join(dir, "cgroup.events"),
    );
  }

  async #events(dir: string): Promise<Map<string, number>> {
    return parseKeyed((await read(dir, "cgroup.events")) ?? "");
  }

  /** Enables the controllers from the root down to the parent: each level's subtree_control
   * hands them to the next. Returns the parent's directory. */
  async #prepareParent(): Promise<string> {
    const parent = join(this.#mount, this.#parent);
    await mkdir(parent, { recursive: true });
    if (this.#controllers.length === 0) return parent;
    let dir = this.#mount;
    for (const segment of ["", ...this.#parent.split("/")]) {
      dir = join(dir, segment);
      const enabled = ((await read(dir, "cgroup.subtree_control")) ?? "").split(/\s+/);
      const missing = this.#controllers.filter((c) => !enabled.includes(c));
      // EBUSY here: processes live in a non-root level, which v2 forbids for a cgroup that hands
      // controllers down ("no internal processes").
      if (missing.length > 0)
        await write(dir, "cgroup.subtree_control", missing.map((c) => `+${c}`).join(" "));
    }
    return parent;
  }

  #has(controller: string): boolean {
    return this.#controllers.includes(controller);
  }

  #dir(id: string): string {
    return join(this.#mount, this.#parent, checkPath("id", id));
  }
}
