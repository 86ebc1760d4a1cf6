// Container stats from one reading of /proc for every container at once: which processes belong
// to which container, what they use, and the CPU rate between two readings. Pure: a reading is
// data and its time is passed in; stats-reader.ts does the I/O.
//
// Without a cgroup (where the host has none), a container is its shim's process tree: every
// descendant of the shim (orphans are re-parented to it, a subreaper, so a double fork or a
// setsid hides none) and every member of its session; never the shim itself.
import type { ContainerStats, ContainerStatus } from "../api/schemas.ts";
import type { CgroupStats } from "./cgroup/cgroup.ts";
import type { ProcStat } from "./proc-stat.ts";
import { isRunning } from "./state-machine.ts";

/** What the runtime says about a container that stats are asked of. */
export interface StatsTarget {
  id: string;
  name: string;
  status: ContainerStatus;
  /** The live shim's pid; undefined when the container has none (created, exited). */
  shimPid: number | undefined;
  dir: string;
  /** Reads the container's cgroup, where it has one: then CPU, memory and pids come from there. */
  cgroup?: () => Promise<CgroupStats | undefined>;
}

export interface Usage {
  shimPid: number;
  /**
   * CPU clock ticks: the processes' own and those of the children they waited for, plus the
   * children the shim itself reaped (earlier runs, orphans). So the total never drops when a
   * process ends: its time moves to whoever reaped it, and that is counted too.
   */
  cpuTicks: number;
  rssPages: number;
  /** Tasks (threads included), as a cgroup's pids.current counts them. */
  pids: number;
  processes: ProcStat[];
  /** From the cgroup, when there is one: its memory use (page cache included) and limit. */
  memoryBytes?: number;
  memoryLimit?: number | null;
}

/** Puts a cgroup's figures in place of the process tree's: the cgroup counts everything, even a
 * process that left the tree, and knows the limit. */
export function withCgroup(u: Usage, cg: CgroupStats, ticksPerSecond: number): Usage {
  return {
    ...u,
    cpuTicks: (cg.cpuNs / 1e9) * ticksPerSecond,
    pids: cg.pids,
    memoryBytes: cg.memoryBytes,
    memoryLimit: cg.memoryLimit,
  };
}

export interface Reading {
  /** Monotonic milliseconds, for rates. */
  at: number;
  /** Wall time, ISO, for people. */
  time: string;
  usage: Map<string, Usage>;
  logBytes: Map<string, number>;
}

export interface Machine {
  pageSize: number;
  ticksPerSecond: number;
}

/** Splits one /proc reading into the running targets' processes and their totals. */
export function usageByContainer(
  procs: readonly ProcStat[],
  targets: readonly StatsTarget[],
): Map<string, Usage> {
  const shims = new Map<number, string>();
  const usage = new Map<string, Usage>();
  for (const t of targets) {
    if (t.shimPid === undefined || !isRunning(t.status)) continue;
    shims.set(t.shimPid, t.id);
    usage.set(t.id, { shimPid: t.shimPid, cpuTicks: 0, rssPages: 0, pids: 0, processes: [] });
  }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const owner = new Map<number, string | null>();

  // Walks up parent links to a shim, remembering the answer for every process on the way, so
  // the whole table costs one visit per process.
  const ownerOf = (start: ProcStat): string | null => {
    const chain: number[] = [];
    let found: string | null = null;
    for (let p: ProcStat | undefined = start; p !== undefined; p = byPid.get(p.ppid)) {
      const known = owner.get(p.pid);
      if (known !== undefined) {
        found = known;
        break;
      }
      chain.push(p.pid);
      const id = shims.get(p.ppid) ?? shims.get(p.session);
      if (id !== undefined) {
        found = id;
        break;
      }
      if (p.ppid <= 1 || chain.length > byPid.size) break;
    }
    for (const pid of chain) owner.set(pid, found);
    return found;
  };

  for (const p of procs) {
    const shimOf = shims.get(p.pid);
    if (shimOf !== undefined) {
      usage.get(shimOf)!.cpuTicks += p.childTicks;
      continue;
    }
    const id = ownerOf(p);
    if (id === null) continue;
    const u = usage.get(id)!;
    u.cpuTicks += p.cpuTicks + p.childTicks;
    u.rssPages += p.rssPages;
    u.pids += Math.max(1, p.threads);
    u.processes.push(p);
  }
  return usage;
}

/** CPU use between two totals, in percent of one core (a busy loop on two cores is 200%). */
export function cpuPercent(
  prevTicks: number,
  curTicks: number,
  elapsedMs: number,
  ticksPerSecond: number,
): number {
  if (elapsedMs <= 0) return 0;
  const seconds = Math.max(0, curTicks - prevTicks) / ticksPerSecond;
  return (seconds / (elapsedMs / 1000)) * 100;
}

/**
 * One sample per target between two readings. A container that is not running has a zero sample
 * (its log bytes are still counted), as Docker answers for a stopped container. CPU is 0 without
 * an earlier reading of the same shim (the first sample of a new run).
 */
export function statsBetween(
  prev: Reading | undefined,
  cur: Reading,
  targets: readonly StatsTarget[],
  m: Machine,
): ContainerStats[] {
  return targets.map((t) => {
    const u = cur.usage.get(t.id);
    const p = prev?.usage.get(t.id);
    const rate =
      u && p && prev && p.shimPid === u.shimPid
        ? cpuPercent(p.cpuTicks, u.cpuTicks, cur.at - prev.at, m.ticksPerSecond)
        : 0;
    return {
      id: t.id,
      name: t.name,
      status: t.status,
      read: cur.time,
      cpuPercent: Math.round(rate * 100) / 100,
      cpuSeconds: u ? u.cpuTicks / m.ticksPerSecond : 0,
      memoryBytes: u ? (u.memoryBytes ?? u.rssPages * m.pageSize) : 0,
      memoryLimitBytes: u?.memoryLimit ?? null,
      pids: u?.pids ?? 0,
      logBytes: cur.logBytes.get(t.id) ?? 0,
    };
  });
}
