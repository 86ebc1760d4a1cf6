// The container's cgroups (docs/shim-limits.md): pause by the freezer, OOM kills as they happen,
// and the leftover kill of everything in the cgroup. Against the host's real cgroups, made by
// bosund's own drivers under a parent of this file's own, removed at the end.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ShimEvent } from "../../src/runtime/shim-protocol.ts";
import {
  cgroupArgs,
  cgroupFile,
  cgroupProcs,
  coreV2Cgroups,
  dirWith,
  hostCgroups,
  startShimWith,
  type TestCgroups,
} from "./cgroup-helpers.ts";
import {
  type Attached,
  alive,
  cleanup,
  descendants,
  type ExitFile,
  procState,
  type Shim,
  type StatusFile,
  sleep,
  tempDir,
  track,
  waitFor,
  waitOutput,
} from "./helpers.ts";

const MiB = 1024 * 1024;
const T = { timeout: 60_000 };
// The shell reads a command substitution into its own memory: it is the OOM killer's victim.
const HOG = 'x=$(head -c 200000000 /dev/zero | tr "\\0" a)';

type LimitExit = Omit<ExitFile, "reason"> & { reason: string; oomKilled: boolean };
type LimitStatus = StatusFile & { oomKills: number; oomKilled: boolean };

const host = await hostCgroups();
const core = await coreV2Cgroups();

after(async () => {
  await cleanup();
  for (const c of [host, core]) if (typeof c !== "string") await c.remove();
});

const status = (s: Shim) => s.status() as LimitStatus;
const exitOf = async (s: Shim, ev?: Parameters<Shim["waitExit"]>[0]) => (await s.waitExit(ev)) as LimitExit;
const finalExit = (events: ShimEvent[]) => events.find((e) => e.type === "exit" && e.final === true)!;

/** Whether the freezer among `dirs` says frozen; undefined when none has a freezer. */
function frozen(dirs: string[]): boolean | undefined {
  const v1 = dirWith(dirs, "freezer.state");
  if (v1) return cgroupFile(v1, "freezer.state") === "FROZEN";
  const v2 = dirWith(dirs, "cgroup.freeze");
  return v2 === undefined ? undefined : /^frozen 1$/m.test(cgroupFile(v2, "cgroup.events") ?? "");
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "latin1");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** A container of two processes: a counter on stdout and a CPU-bound loop in a session of its
 * own; resolves with the loop's pid once the counter is going. */
async function busyContainer(dirs: string[]): Promise<{ s: Shim; a: Attached; busy: number }> {
  const s = await startShimWith(
    [
      "sh",
      "-c",
      'setsid sh -c "while :; do :; done" & echo busy $!; i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done',
    ],
    { extra: cgroupArgs(dirs) },
  );
  const a = await s.attach("stdout");
  await s.start();
  const text = await waitOutput(a, "\n3\n");
  const busy = Number(/^busy (\d+)$/m.exec(text)![1]);
  track(busy);
  return { s, a, busy };
}

/** Starts a process that is no part of the shim's tree and puts it into every directory. */
function stranger(dirs: string[]): number {
  const p = spawn("sleep", ["1000"], { stdio: "ignore" });
  track(p.pid!);
  for (const d of dirs) writeFileSync(join(d, "cgroup.procs"), String(p.pid));
  return p.pid!;
}

describe("with the host's cgroups", { skip: typeof host === "string" ? host : false }, () => {
  const cg = host as TestCgroups;

  test(
    "P freezes every process of the cgroup by its freezer; U thaws it; T stops it paused",
    T,
    async (t) => {
      const dirs = await cg.create("pause");
      if (frozen(dirs) === undefined) return t.skip("no freezer among the cgroup directories");
      const { s, a, busy } = await busyContainer(dirs);
      const ev = await s.subscribe();

      assert.equal(await s.request("P"), "ok");
      assert.equal(frozen(dirs), true, "the freezer says FROZEN once P is answered");
      assert.equal(status(s).state, "paused");
      await ev.wait((e) => e.type === "pause", "the pause event");
      // Frozen, not stopped by a signal: job control inside the container would not be confused.
      const procs = cgroupProcs(dirs[0]!);
      assert.ok(procs.includes(busy) && procs.length >= 2, `sh and the loop: ${procs}`);
      for (const p of procs) assert.notEqual(procState(p), "T", `pid ${p} is frozen, not SIGSTOPped`);
      const before = (await s.output()).toString();
      const ticks = cpuTicks(busy);
      await sleep(300); // fifteen lines' worth of time: a behavioural check, not a threshold
      assert.equal((await s.output()).toString(), before, "nothing was written while frozen");
      assert.equal(cpuTicks(busy), ticks, "the CPU-bound loop did not run while frozen");

      assert.equal(await s.request("U"), "ok");
      assert.equal(frozen(dirs), false);
      const last = Number(before.trim().split("\n").at(-1));
      await waitOutput(a, `\n${last + 2}\n`);
      await waitFor(() => cpuTicks(busy) > ticks, "the loop to run again");
      assert.equal(status(s).state, "running");

      assert.equal(await s.request("P"), "ok");
      assert.equal(await s.request("T", "15 10000"), "ok");
      const exit = await exitOf(s, ev);
      assert.deepEqual([exit.exitCode, exit.signal, exit.reason], [143, 15, "stopped"]);
      assert.deepEqual(
        ev.events.map((e) => e.type).filter((type) => type !== "status"),
        ["pause", "unpause", "pause", "unpause", "exit"],
      );
      assert.deepEqual(cgroupProcs(dirs[0]!), [], "every process of the cgroup is gone");
      assert.equal(alive(busy), false);
    },
  );

  test("K 9 on a container paused by the freezer kills it at once", T, async (t) => {
    const dirs = await cg.create("kill-paused");
    if (frozen(dirs) === undefined) return t.skip("no freezer among the cgroup directories");
    const { s } = await busyContainer(dirs);
    const ev = await s.subscribe();
    assert.equal(await s.request("P"), "ok");
    assert.equal(await s.request("K", "9"), "ok");
    const exit = await exitOf(s, ev);
    assert.deepEqual([exit.exitCode, exit.signal, exit.reason], [137, 9, "exited"]);
    assert.deepEqual(cgroupProcs(dirs[0]!), []);
    assert.equal(frozen(dirs), false, "the cgroup is not left frozen");
  });

  test("an OOM kill under a memory limit: an oom event, oomKills, oomKilled in the exit", T, async () => {
    const dirs = await cg.create("oom", { memory: 32 * MiB });
    const s = await startShimWith(["sh", "-c", HOG], { extra: cgroupArgs(dirs) });
    const ev = await s.subscribe();
    await s.start();
    const exit = await exitOf(s, ev);
    assert.equal(exit.oomKilled, true);
    const ooms = ev.of("oom");
    assert.ok(ooms.length >= 1, "an oom event");
    assert.ok(typeof ooms[0]!.time === "string");
    const st = status(s);
    assert.ok(st.oomKills >= 1);
    assert.equal(ooms.at(-1)!.count, st.oomKills, "the event's count is oomKills");
    assert.equal(st.oomKilled, true);
    const final = finalExit(ev.events);
    assert.equal(final.oomKilled, true);
    assert.ok(ev.events.indexOf(ooms[0]!) < ev.events.indexOf(final), "the oom event comes first");
  });

  test("an OOM kill of a child is announced as it happens, while the container runs on", T, async () => {
    const dirs = await cg.create("oom-live", { memory: 32 * MiB });
    const s = await startShimWith(["sh", "-c", `sh -c '${HOG}'; echo survived; exec sleep 1000`], {
      extra: cgroupArgs(dirs),
    });
    const ev = await s.subscribe();
    const a = await s.attach("stdout");
    await s.start();
    const oom = await ev.wait((e) => e.type === "oom", "the oom event");
    await waitOutput(a, "survived");
    // The kernel may kill more than one process of the hog's shell under load: at least one.
    assert.ok(Number(oom.count) >= 1, `count ${String(oom.count)}`);
    await waitFor(() => status(s).oomKills >= 1, "oomKills in status.json");
    assert.deepEqual([status(s).state, status(s).oomKilled], ["running", false], "no exit yet");
    assert.equal(ev.of("exit").length, 0);
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await exitOf(s, ev);
    assert.deepEqual([exit.reason, exit.oomKilled], ["stopped", true], "the run had an OOM kill");
    const announced = ev.of("oom").reduce((n, e) => n + Number(e.count), 0);
    assert.equal(status(s).oomKills, announced, "every kill counted is announced");
  });

  test("an exit without OOM kills: oomKilled false, oomKills 0, no oom event", T, async () => {
    const dirs = await cg.create("no-oom", { memory: 32 * MiB });
    const s = await startShimWith(["sh", "-c", "exit 3"], { extra: cgroupArgs(dirs) });
    const ev = await s.subscribe();
    await s.start();
    const exit = await exitOf(s, ev);
    assert.deepEqual([exit.exitCode, exit.oomKilled], [3, false]);
    assert.equal(finalExit(ev.events).oomKilled, false);
    assert.deepEqual([status(s).oomKills, status(s).oomKilled], [0, false]);
    assert.equal(ev.of("oom").length, 0);
  });

  test("oomKilled is per run: a restart after an OOM kill that exits on its own is not", T, async () => {
    const dirs = await cg.create("oom-restart", { memory: 32 * MiB });
    const cwd = await tempDir();
    const s = await startShimWith(["sh", "-c", `if [ -e ran ]; then exit 2; fi; touch ran; ${HOG}`], {
      extra: cgroupArgs(dirs),
      restart: "on-failure:1",
      cwd,
    });
    const ev = await s.subscribe();
    await s.start();
    const exit = await exitOf(s, ev);
    const exits = ev.of("exit");
    assert.deepEqual(
      exits.map((e) => [e.final, e.oomKilled]),
      [
        [false, true],
        [true, false],
      ],
    );
    assert.deepEqual([exit.exitCode, exit.restarts, exit.oomKilled], [2, 1, false]);
    assert.ok(status(s).oomKills >= 1, "oomKills counts since the shim started");
  });

  test("the leftover kill reaches a process in the cgroup that left the shim's tree", T, async () => {
    const dirs = await cg.create("escape");
    const s = await startShimWith(["sleep", "1000"], { extra: cgroupArgs(dirs) });
    const ev = await s.subscribe();
    await s.start();
    const pid = stranger(dirs);
    assert.ok(!descendants(s.pid).includes(pid), "not a descendant of the shim");
    assert.ok(cgroupProcs(dirs[0]!).includes(pid));
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await exitOf(s, ev);
    assert.equal(exit.reason, "stopped");
    // The exit is decided once the cgroup is empty: the stranger is dead by then.
    assert.equal(alive(pid), false, "the process in the cgroup was killed");
  });
});

describe("with a v2 cgroup (its core files)", { skip: typeof core === "string" ? core : false }, () => {
  const cg = core as TestCgroups;

  test("P freezes by cgroup.freeze, U thaws; the leftover kill empties the cgroup", T, async () => {
    const dirs = await cg.create("core");
    const { s, a, busy } = await busyContainer(dirs);
    const ev = await s.subscribe();
    assert.equal(await s.request("P"), "ok");
    assert.equal(frozen(dirs), true, "cgroup.events says frozen 1 once P is answered");
    const before = (await s.output()).toString();
    const ticks = cpuTicks(busy);
    await sleep(300); // a behavioural check, not a threshold
    assert.equal((await s.output()).toString(), before, "nothing was written while frozen");
    assert.equal(cpuTicks(busy), ticks);
    assert.equal(await s.request("U"), "ok");
    assert.equal(frozen(dirs), false);
    const last = Number(before.trim().split("\n").at(-1));
    await waitOutput(a, `\n${last + 2}\n`);

    const pid = stranger(dirs);
    assert.equal(await s.request("T", "15 10000"), "ok");
    assert.equal((await exitOf(s, ev)).reason, "stopped");
    assert.equal(alive(pid), false, "the process in the cgroup was killed");
    assert.deepEqual(cgroupProcs(dirs[0]!), []);
  });

  test("K 9 kills a frozen container at once; the restarted process is not frozen", T, async () => {
    const dirs = await cg.create("core-kill");
    const s = await startShimWith(["sh", "-c", "echo run; exec sleep 1000"], {
      extra: cgroupArgs(dirs),
      restart: "on-failure:1",
    });
    const ev = await s.subscribe();
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "run\n");
    assert.equal(await s.request("P"), "ok");
    assert.equal(await s.request("K", "9"), "ok");
    const exit = await ev.wait((e) => e.type === "exit", "the exit");
    assert.deepEqual([exit.exitCode, exit.final], [137, false]);
    await waitOutput(a, "run\nrun\n");
    assert.equal(frozen(dirs), false, "the pause ended with the process");
    assert.equal(status(s).state, "running");
    assert.equal(await s.request("T", "9 0"), "ok");
    await exitOf(s, ev);
  });
});
