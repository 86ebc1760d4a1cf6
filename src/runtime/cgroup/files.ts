// Reading and writing cgroup interface files, for both drivers. A missing file or directory reads
// as undefined: it means the cgroup is gone, or the kernel lacks the feature, and the callers
// decide which. Every write is one write(2) of the whole value, as cgroupfs parses each write on
// its own.
import { access, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

function isGone(e: unknown): boolean {
  // ENODEV: the file of a cgroup that is being removed.
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENODEV";
}

export async function read(dir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, file), "utf8");
  } catch (e) {
    if (isGone(e)) return undefined;
    throw e;
  }
}

export async function readInt(dir: string, file: string): Promise<number | undefined> {
  const text = await read(dir, file);
  return text === undefined ? undefined : Number(text.trim());
}

export async function write(dir: string, file: string, value: string | number): Promise<void> {
  const path = join(dir, file);
  try {
    await writeFile(path, String(value));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new Error(`cannot write "${value}" to ${path}: ${code}`, { cause: e });
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** "key value" lines (cpu.stat, memory.events, memory.oom_control, cgroup.events). */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

/** cgroup.procs: one pid a line; [] when the cgroup is gone. */
export async function readProcs(dir: string): Promise<number[]> {
  const text = (await read(dir, "cgroup.procs")) ?? "";
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map(Number);
}

/** SIGKILL each; one that ended meanwhile (ESRCH) is fine. */
export function killEach(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
    }
  }
}

/**
 * rmdir, fine when already gone. EBUSY means a process is still in it (one that was killed but
 * has not exited yet), so it is retried until `deadline` (a performance.now() time).
 */
export async function removeDir(dir: string, deadline: number): Promise<void> {
  for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      if (isGone(e)) return;
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EBUSY" || performance.now() >= deadline)
        throw new Error(`cannot remove the cgroup ${dir}: ${code}`, { cause: e });
    }
    await delay(pause);
  }
}
