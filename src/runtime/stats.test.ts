import assert from "node:assert/strict";
import { test } from "node:test";
import { type ProcStat, parseStat } from "./proc-stat.ts";
import { cpuPercent, type Reading, type StatsTarget, statsBetween, usageByContainer } from "./stats.ts";

const M = { pageSize: 4096, ticksPerSecond: 100 };

function proc(pid: number, ppid: number, session: number, more: Partial<ProcStat> = {}): ProcStat {
  return {
    pid,
    comm: "x",
    state: "S",
    ppid,
    pgrp: pid,
    session,
    cpuTicks: 0,
    childTicks: 0,
    threads: 1,
    startTime: 1,
    rssPages: 100,
    ...more,
  };
}

const web: StatsTarget = { id: "w", name: "web", status: "running", shimPid: 100, dir: "/c/w" };
const db: StatsTarget = { id: "d", name: "db", status: "running", shimPid: 200, dir: "/c/d" };

// A machine: init, bosund, two shims (their own sessions) and their trees, and strangers.
const table: ProcStat[] = [
  proc(1, 0, 1),
  proc(50, 1, 50, { comm: "bosund" }),
  proc(100, 1, 100, { comm: "bosun-shim", cpuTicks: 999, childTicks: 30, rssPages: 50 }),
  proc(101, 100, 100, { cpuTicks: 10, childTicks: 5 }), // web's main process
  proc(102, 101, 100, { cpuTicks: 20, threads: 4 }), // its child, four threads
  proc(103, 101, 103, { cpuTicks: 1 }), // escaped with setsid: its own session
  proc(104, 103, 103, { cpuTicks: 2 }), // the escaped one's child
  proc(105, 100, 100, { cpuTicks: 3 }), // an orphan, re-parented to the shim
  proc(106, 101, 100, { state: "Z", rssPages: 0, threads: 0 }), // a zombie not reaped yet
  proc(200, 1, 200, { comm: "bosun-shim", childTicks: 7 }),
  proc(201, 200, 200, { cpuTicks: 40 }),
  proc(300, 1, 300, { cpuTicks: 5000 }), // a stranger
  proc(301, 300, 300, { cpuTicks: 5000 }),
];

test("each container is its shim's tree: group, setsid'd and re-parented processes, never the shim", () => {
  const u = usageByContainer(table, [web, db]);
  const pids = (id: string) =>
    u
      .get(id)!
      .processes.map((p) => p.pid)
      .sort();
  assert.deepEqual(pids("w"), [101, 102, 103, 104, 105, 106]);
  assert.deepEqual(pids("d"), [201]);
});

test("totals: CPU with waited-for children and what the shim reaped, RSS summed, tasks counted", () => {
  const w = usageByContainer(table, [web, db]).get("w")!;
  // 10+5 + 20 + 1 + 2 + 3 + 0 of the processes, and the 30 the shim reaped; not the shim's 999.
  assert.equal(w.cpuTicks, 71);
  assert.equal(w.rssPages, 500);
  assert.equal(w.pids, 9, "4 threads of 102, 1 each for the others (the zombie holds a pid too)");
  assert.equal(usageByContainer(table, [web, db]).get("d")!.cpuTicks, 47);
});

test("containers that are not running have no usage, whatever their pid records say", () => {
  const stopped: StatsTarget = { ...web, status: "exited" };
  const u = usageByContainer(table, [stopped, db]);
  assert.equal(u.has("w"), false);
  assert.equal(u.get("d")!.processes.length, 1);
  assert.equal(usageByContainer(table, []).size, 0);
});

test("CPU % is ticks over wall time, per core; never negative", () => {
  assert.equal(cpuPercent(0, 100, 1000, 100), 100, "one busy core");
  assert.equal(cpuPercent(0, 100, 500, 100), 200, "two busy cores");
  assert.equal(cpuPercent(50, 50, 1000, 100), 0);
  assert.equal(cpuPercent(80, 50, 1000, 100), 0, "a total that dropped reads as idle");
  assert.equal(cpuPercent(0, 100, 0, 100), 0);
});

function reading(at: number, procs: ProcStat[], targets: StatsTarget[]): Reading {
  return {
    at,
    time: `T${at}`,
    usage: usageByContainer(procs, targets),
    logBytes: new Map(targets.map((t) => [t.id, 1234])),
  };
}

test("a sample between two readings: a busy container beside an idle one", () => {
  const later = table.map((p) => (p.pid === 102 ? { ...p, cpuTicks: p.cpuTicks + 50 } : p));
  const [w, d] = statsBetween(reading(0, table, [web, db]), reading(500, later, [web, db]), [web, db], M);
  assert.deepEqual(w, {
    id: "w",
    name: "web",
    status: "running",
    read: "T500",
    cpuPercent: 100,
    cpuSeconds: 1.21,
    memoryBytes: 500 * 4096,
    memoryLimitBytes: null,
    pids: 9,
    logBytes: 1234,
  });
  assert.equal(d!.cpuPercent, 0);
});

test("no earlier reading, or one of another shim (a new run): CPU 0, the rest as read", () => {
  const [first] = statsBetween(undefined, reading(500, table, [web]), [web], M);
  assert.equal(first!.cpuPercent, 0);
  assert.equal(first!.pids, 9);
  const newShim = table.map((p) => (p.pid === 100 ? { ...p, childTicks: 0 } : p));
  const prev = reading(0, newShim, [{ ...web, shimPid: 999 }]);
  assert.equal(statsBetween(prev, reading(500, table, [web]), [web], M)[0]!.cpuPercent, 0);
});

test("a stopped container has a zero sample, with its log bytes, as Docker answers", () => {
  const stopped: StatsTarget = { ...web, status: "exited", shimPid: undefined };
  const [s] = statsBetween(undefined, reading(0, table, [stopped]), [stopped], M);
  assert.deepEqual(
    [s!.status, s!.cpuPercent, s!.memoryBytes, s!.pids, s!.logBytes],
    ["exited", 0, 0, 0, 1234],
  );
});

test("parseStat reads the fields stats need, whatever the command name holds", () => {
  const line =
    "4242 (my (odd) name) S 4241 4242 4100 0 -1 4194560 100 0 0 0 " +
    "7 3 2 1 20 0 3 0 987654 5050368 233 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  assert.deepEqual(parseStat(line), {
    pid: 4242,
    comm: "my (odd) name",
    state: "S",
    ppid: 4241,
    pgrp: 4242,
    session: 4100,
    cpuTicks: 10,
    childTicks: 3,
    threads: 3,
    startTime: 987654,
    rssPages: 233,
  });
  assert.equal(parseStat("garbage"), undefined);
  assert.equal(parseStat("1 (cut) S 0 1"), undefined);
});
