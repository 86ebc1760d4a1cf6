// The tables of `bosun stats` and `bosun top`: sizes as Docker writes them (1.5MiB), CPU time as
// ps writes it (00:01:05).
import type { ContainerStats, TopProcess } from "../api/schemas.ts";
import { shellJoin } from "./command-line.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 0B, 512B, 1.5KiB, 123.4MiB: four significant digits at most, binary units. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(4))}${UNITS[u]}`;
}

/** [DD-]HH:MM:SS, as ps's TIME column. */
export function formatCpuTime(seconds: number): string {
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86_400);
  const pad = (v: number) => String(v).padStart(2, "0");
  const hms = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}-${hms}` : hms;
}

export const STATS_HEADER = ["ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "PIDS", "LOG"];

export function statsRows(list: readonly ContainerStats[], truncate: boolean): string[][] {
  return list.map((s) => [
    truncate ? s.id.slice(0, 12) : s.id,
    s.name,
    `${s.cpuPercent.toFixed(2)}%`,
    // No limit until containers have memory limits.
    `${formatBytes(s.memoryBytes)} / ${s.memoryLimitBytes === null ? "-" : formatBytes(s.memoryLimitBytes)}`,
    String(s.pids),
    formatBytes(s.logBytes),
  ]);
}

export const TOP_HEADER = ["PID", "PPID", "USER", "STAT", "TIME", "RSS", "COMMAND"];

export function topRows(list: readonly TopProcess[]): string[][] {
  return list.map((p) => [
    String(p.pid),
    String(p.ppid),
    p.user,
    p.state,
    formatCpuTime(p.cpuSeconds),
    formatBytes(p.rssBytes),
    shellJoin(p.command),
  ]);
}
