// When a shim dies without writing exit.json, what it held is orphaned: the container's
// process group, and anything else in the shim's session. Kill them, by facts read from /proc.
import { readdir } from "node:fs/promises";
import { isAlive, readStat } from "./proc.ts";

/** SIGKILLs the container's group (if it is still the recorded process) and the shim's session. */
export async function killOrphans(
  shimPid: number | undefined,
  container: { pid: number; startTime: number } | undefined,
): Promise<number> {
  let killed = 0;
  if (container && (await isAlive(container.pid, container.startTime))) {
    if (tryKill(-container.pid)) killed++;
  }
  // A session id is the pid of its leader, the dead shim. Only if no live process has taken
  // that pid since can the session's members be trusted to be the shim's.
  if (shimPid !== undefined && (await readStat(shimPid)) === undefined) {
    const pids = (await readdir("/proc")).filter((n) => /^\d+$/.test(n)).map(Number);
    const stats = await Promise.all(pids.map((p) => readStat(p)));
    for (const st of stats) {
      if (st && st.session === shimPid && st.pid !== process.pid && tryKill(st.pid)) killed++;
    }
  }
  return killed;
}

function tryKill(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}
