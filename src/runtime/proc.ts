// Liveness is read, not guessed. A dead process can linger as a zombie, so kill(pid, 0) proves
// nothing; /proc/PID/stat's state letter does (Z or X is dead). Pids are reused, so a recorded
// pid is only "the same process" if its start time (field 22, clock ticks since boot) matches.
import { readFile } from "node:fs/promises";

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  startTime: number;
}

export function parseStat(text: string): ProcStat | undefined {
  // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state), so field N is f[N - 3].
  const startTime = Number(f[19]);
  if (f.length < 20 || Number.isNaN(startTime)) return undefined;
  return {
    pid: Number(text.slice(0, text.indexOf(" "))),
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    startTime,
  };
}

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
