// Real cgroups for the shim's black-box tests, made by bosund's own drivers (src/runtime/cgroup/)
// under a parent of their own per test file (bosun-shim-test-<random>), removed at the end; and a
// shim started with extra options (--cgroup, the sandbox bounds).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CgroupDriver, CgroupLimits } from "../../src/runtime/cgroup/cgroup.ts";
import { detectCgroups } from "../../src/runtime/cgroup/detect.ts";
import { parseMountinfo } from "../../src/runtime/cgroup/mountinfo.ts";
import { CgroupV2Driver } from "../../src/runtime/cgroup/v2.ts";
import { adoptShim, firstLine, SHIM, type Shim, type ShimOptions, shimArgs, tempDir } from "./helpers.ts";

/** A driver and the cgroups made with it, to remove in `after`. */
export class TestCgroups {
  readonly #ids = new Set<string>();
  readonly #parents = new Set<string>();
  constructor(readonly driver: CgroupDriver) {}

  /** The directories of a new cgroup, for --cgroup. */
  async create(id: string, limits: CgroupLimits = {}): Promise<string[]> {
    this.#ids.add(id);
    const dirs = await this.driver.create(id, limits);
    for (const d of dirs) this.#parents.add(dirname(d));
    return dirs;
  }

  /** Kills what is left in every cgroup (by the driver) and removes them and the parent. */
  async remove(): Promise<void> {
    for (const id of this.#ids) await this.driver.remove(id);
    for (const p of this.#parents) await rmdir(p).catch(() => {});
  }
}

const parent = () => `bosun-shim-test-${randomBytes(4).toString("hex")}`;

/** The host's cgroups as bosund would use them, or why a test cannot run. */
export async function hostCgroups(): Promise<TestCgroups | string> {
  if (process.getuid?.() !== 0) return "needs root: cgroups need root";
  const d = await detectCgroups({ parent: parent() });
  if (!d.driver) return `no usable cgroup memory hierarchy: ${d.reason}`;
  return new TestCgroups(d.driver);
}

/** A v2 hierarchy used for its core files only (cgroup.freeze, cgroup.kill), as on a hybrid host
 * whose unified hierarchy has no controllers; or why there is none. */
export async function coreV2Cgroups(): Promise<TestCgroups | string> {
  if (process.getuid?.() !== 0) return "needs root: cgroups need root";
  const mounts = parseMountinfo(await readFile("/proc/self/mountinfo", "utf8").catch(() => ""));
  const v2 = mounts.find((m) => m.version === 2);
  if (!v2) return "no cgroup v2 hierarchy is mounted";
  return new TestCgroups(new CgroupV2Driver(v2.mountPoint, [], { parent: parent() }));
}

/** The directory of `dirs` that has `file` (freezer.state, memory.oom_control, ...). */
export function dirWith(dirs: string[], file: string): string | undefined {
  return dirs.find((d) => existsSync(join(d, file)));
}

/** An interface file's text, trimmed; undefined when it is gone. */
export function cgroupFile(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The pids in a cgroup directory. */
export function cgroupProcs(dir: string): number[] {
  return (cgroupFile(dir, "cgroup.procs") ?? "").split("\n").filter(Boolean).map(Number);
}

export interface ExtraOptions extends ShimOptions {
  /** Options of the shim's command line that helpers.ts does not know (--cgroup, ...). */
  extra?: string[];
  /** The shim's (so the container's) environment on top of the test's. */
  env?: Record<string, string>;
  dir?: string;
}

/** startShim() with options of its own: resolves once the shim printed `ready`. */
export async function startShimWith(command: string[], o: ExtraOptions = {}): Promise<Shim> {
  const dir = o.dir ?? (await tempDir());
  const args = shimArgs(dir, command, o);
  args.splice(args.indexOf("--"), 0, ...(o.extra ?? []));
  const child = spawn(SHIM, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...o.env },
  });
  return adoptShim(dir, await firstLine(child));
}

/** --cgroup DIR for each directory. */
export function cgroupArgs(dirs: string[]): string[] {
  return dirs.flatMap((d) => ["--cgroup", d]);
}
