// The I/O half of stats and top: one pass over /proc per reading for every container at once,
// the log sizes, and the sampling loop. All reads are asynchronous, so a large /proc never holds
// up the daemon's event loop. The math is in stats.ts.
import { readdir, readFile, stat } from "node:fs/promises";
import { endianness } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { ContainerStats, TopProcess } from "../api/schemas.ts";
import { readStat } from "./proc.ts";
import type { ProcStat } from "./proc-stat.ts";
import { isRunning } from "./state-machine.ts";
import {
  type Machine,
  type Reading,
  type StatsTarget,
  statsBetween,
  usageByContainer,
  withCgroup,
} from "./stats.ts";
import { nowIso } from "./time.ts";

/** CPU needs two readings: the first sample of a stream (and the only one of stream=0) comes
 * this long after the first reading; then one per interval. */
export const FIRST_GAP_MS = 500;
export const INTERVAL_MS = 1000;
/** Reads in flight at once, so other file work of the daemon interleaves with a large /proc. */
const BATCH = 128;

let machine: Promise<Machine> | undefined;

/** The page size and the clock tick rate, from the kernel's auxiliary vector (AT_PAGESZ, AT_CLKTCK). */
export function readMachine(): Promise<Machine> {
  machine ??= readAuxv();
  return machine;
}

async function readAuxv(): Promise<Machine> {
  const m: Machine = { pageSize: 4096, ticksPerSecond: 100 };
  const buf = await readFile("/proc/self/auxv").catch(() => Buffer.alloc(0));
  const word = ["arm", "ia32", "mips", "mipsel", "ppc"].includes(process.arch) ? 4 : 8;
  const le = endianness() === "LE";
  const at = (off: number) =>
    word === 8
      ? Number(le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off))
      : le
        ? buf.readUInt32LE(off)
        : buf.readUInt32BE(off);
  for (let off = 0; off + 2 * word <= buf.length; off += 2 * word) {
    const type = at(off);
    if (type === 0) break; // AT_NULL
    if (type === 6) m.pageSize = at(off + word); // AT_PAGESZ
    if (type === 17) m.ticksPerSecond = at(off + word); // AT_CLKTCK
  }
  return m;
}

/** Every process of the machine, from /proc/PID/stat. A process that ends meanwhile is skipped. */
export async function readProcs(): Promise<ProcStat[]> {
  const pids = (await readdir("/proc")).filter((n) => /^\d+$/.test(n)).map(Number);
  const out: ProcStat[] = [];
  for (let i = 0; i < pids.length; i += BATCH) {
    for (const st of await Promise.all(pids.slice(i, i + BATCH).map(readStat))) if (st) out.push(st);
  }
  return out;
}

async function logBytes(dir: string): Promise<number> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) =>
    /^container\.log(\.\d+)?$/.test(n),
  );
  const sizes = await Promise.all(
    names.map((n) =>
      stat(join(dir, n)).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

export async function takeReading(targets: readonly StatsTarget[]): Promise<Reading> {
  const at = performance.now();
  const live = targets.some((t) => t.shimPid !== undefined && isRunning(t.status));
  const [m, procs, logs, cgroups] = await Promise.all([
    readMachine(),
    live ? readProcs() : Promise.resolve([]),
    Promise.all(targets.map((t) => logBytes(t.dir))),
    Promise.all(targets.map((t) => t.cgroup?.().catch(() => undefined))),
  ]);
  const usage = usageByContainer(procs, targets);
  targets.forEach((t, i) => {
    const u = usage.get(t.id);
    const cg = cgroups[i];
    if (u && cg) usage.set(t.id, withCgroup(u, cg, m.ticksPerSecond));
  });
  return { at, time: nowIso(), usage, logBytes: new Map(targets.map((t, i) => [t.id, logs[i]!])) };
}

/**
 * Samples of `targets()`, asked again at every reading so containers come and go: the first
 * after FIRST_GAP_MS, then one per INTERVAL_MS; without `stream`, only the first. Ends when
 * `signal` aborts, or when `targets` throws (the one container asked for was removed).
 */
export async function* statsStream(
  targets: () => StatsTarget[],
  stream: boolean,
  signal: AbortSignal,
): AsyncGenerator<ContainerStats[]> {
  const m = await readMachine();
  let list = targets();
  let prev = await takeReading(list);
  // Nothing running: nothing to measure twice, the zero sample can come at once.
  let gap = list.some((t) => isRunning(t.status)) ? FIRST_GAP_MS : 0;
  for (;;) {
    try {
      await delay(Math.max(0, prev.at + gap - performance.now()), undefined, { signal });
      list = targets();
    } catch {
      return;
    }
    const cur = await takeReading(list);
    yield statsBetween(prev, cur, list, m);
    if (!stream) return;
    prev = cur;
    gap = INTERVAL_MS;
  }
}

/** The processes of a running container, as `ps` would list them. */
export async function topOf(target: StatsTarget): Promise<TopProcess[]> {
  const [m, procs, users] = await Promise.all([readMachine(), readProcs(), readUsers()]);
  const mine = usageByContainer(procs, [target]).get(target.id)?.processes ?? [];
  mine.sort((a, b) => a.pid - b.pid);
  return Promise.all(
    mine.map(async (p) => {
      const [uid, command] = await Promise.all([effectiveUid(p.pid), cmdline(p)]);
      return {
        pid: p.pid,
        ppid: p.ppid,
        user: uid === undefined ? "?" : (users.get(uid) ?? String(uid)),
        state: p.state,
        cpuSeconds: p.cpuTicks / m.ticksPerSecond,
        rssBytes: p.rssPages * m.pageSize,
        command,
      };
    }),
  );
}

async function cmdline(p: ProcStat): Promise<string[]> {
  const raw = await readFile(`/proc/${p.pid}/cmdline`, "utf8").catch(() => "");
  const args = raw.split("\0");
  if (args.at(-1) === "") args.pop();
  return args.length > 0 ? args : [`[${p.comm}]`];
}

async function effectiveUid(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const m = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

async function readUsers(): Promise<Map<number, string>> {
  const text = await readFile("/etc/passwd", "utf8").catch(() => "");
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    const [name, , uid] = line.split(":");
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}
