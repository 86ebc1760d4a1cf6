// One /proc/PID/stat line, parsed (proc(5)). Pure, so that liveness checks and the stats math
// share one parser and the math can be tested on fixtures.

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** CPU time in clock ticks: the process's own (utime + stime) and that of the children it
   * waited for (cutime + cstime). */
  cpuTicks: number;
  childTicks: number;
  threads: number;
  /** Field 22: start time in clock ticks since boot, which tells a process from a reused pid. */
  startTime: number;
  rssPages: number;
}

export function parseStat(text: string): ProcStat | undefined {
  // comm (field 2) may hold spaces and parentheses: the fields after it start after the last ')'.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(" ");
  // f[0] is field 3 (state), so field N is f[N - 3].
  const n = (field: number) => Number(f[field - 3]);
  if (f.length < 22 || Number.isNaN(n(22)) || Number.isNaN(n(24))) return undefined;
  return {
    pid: Number(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: f[0]!,
    ppid: n(4),
    pgrp: n(5),
    session: n(6),
    cpuTicks: n(14) + n(15),
    childTicks: n(16) + n(17),
    threads: n(20),
    startTime: n(22),
    rssPages: n(24),
  };
}
