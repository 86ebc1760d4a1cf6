// Liveness is read, not guessed. A dead process can linger as a zombie, so kill(pid, 0) proves
// nothing; /proc/PID/stat's state letter does (Z or X is dead). Pids are reused, so a recorded
// pid is only "the same process" if its start time (field 22, clock ticks since boot) matches.
import { readFile } from "node:fs/promises";
import { type ProcStat, parseStat } from "./proc-stat.ts";

export { type ProcStat, parseStat };

export async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** True when pid is a live (not zombie) process, whichever process that is now. */
export async function isRunning(pid: number): Promise<boolean> {
  const st = await readStat(pid);
  return st !== undefined && st.state !== "Z" && st.state !== "X";
}

/** True when pid is a live (not zombie) process that started at startTime. */
export async function isAlive(pid: number, startTime: number): Promise<boolean> {
  const st = await readStat(pid);
  return st !== undefined && st.startTime === startTime && st.state !== "Z" && st.state !== "X";
}

/** Reads a "PID STARTTIME" pid file as the shim writes them. */
export async function readPidFile(path: string): Promise<{ pid: number; startTime: number } | undefined> {
  try {
    const [pid, start] = (await readFile(path, "utf8")).trim().split(" ").map(Number);
    if (!(pid! > 1) || Number.isNaN(start)) return undefined;
    return { pid: pid!, startTime: start! };
  } catch {
    return undefined;
  }
}
