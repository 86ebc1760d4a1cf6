import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerStats } from "../api/schemas.ts";
import { formatBytes, formatCpuTime, statsRows, topRows } from "./stats-table.ts";

test("sizes read as Docker writes them: binary units, four significant digits", () => {
  assert.equal(formatBytes(0), "0B");
  assert.equal(formatBytes(1023), "1023B");
  assert.equal(formatBytes(1536), "1.5KiB");
  assert.equal(formatBytes(1654784), "1.578MiB");
  assert.equal(formatBytes(10 * 1024 ** 3), "10GiB");
});

test("CPU time reads as ps's TIME", () => {
  assert.equal(formatCpuTime(0.92), "00:00:00");
  assert.equal(formatCpuTime(65), "00:01:05");
  assert.equal(formatCpuTime(3 * 86_400 + 3661), "3-01:01:01");
});

test("a stats row: short id, CPU with two decimals, memory with no limit yet, pids, log size", () => {
  const s: ContainerStats = {
    id: "a".repeat(64),
    name: "web",
    status: "running",
    read: "T",
    cpuPercent: 99.5,
    cpuSeconds: 3,
    memoryBytes: 2048,
    memoryLimitBytes: null,
    pids: 3,
    logBytes: 1536,
  };
  assert.deepEqual(statsRows([s], true), [["aaaaaaaaaaaa", "web", "99.50%", "2KiB / -", "3", "1.5KiB"]]);
  assert.equal(statsRows([s], false)[0]![0], s.id);
});

test("a top row: the command line as a shell would read it", () => {
  const row = topRows([
    {
      pid: 7,
      ppid: 6,
      user: "root",
      state: "S",
      cpuSeconds: 1,
      rssBytes: 4096,
      command: ["sh", "-c", "sleep 1"],
    },
  ]);
  assert.deepEqual(row, [["7", "6", "root", "S", "00:00:01", "4KiB", "sh -c 'sleep 1'"]]);
});
