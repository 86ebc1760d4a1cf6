// Signals, stop, and killing what a container leaves behind (docs/shim.md).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { alive, cleanup, descendants, startShim, track, waitFor, waitOutput } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

/** Pids the container printed, one per line, once `count` of them are there. */
async function printedPids(text: () => string, count: number): Promise<number[]> {
  const pids = await waitFor(() => {
    const nums = text()
      .split("\n")
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    return nums.length >= count ? nums : undefined;
  }, `${count} pids printed`);
  for (const p of pids) track(p);
  return pids;
}

describe("K (kill)", () => {
  test("signals the whole process group: a grandchild in the group dies", T, async () => {
    // sh ignores TERM only after starting sleep, so sleep keeps the default action.
    const s = await startShim([
      "sh",
      "-c",
      'sleep 1000 & echo $!; trap "" TERM; wait $!; echo sleep-ended; sleep 1000',
    ]);
    const a = await s.attach("stdout");
    await s.start();
    const [grandchild] = await printedPids(() => a.stdout().toString(), 1);
    assert.ok(alive(grandchild!));
    assert.equal(await s.request("K", "15"), "ok");
    await waitOutput(a, "sleep-ended");
    assert.equal(alive(grandchild!), false);
    assert.ok(alive(s.containerPid), "the main process ignored it and runs on");
    assert.equal(s.status().state, "running");
  });

  test("is an error when the container is not running, or for a bad signal", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await assert.rejects(s.request("K", "15"), /not running/);
    await s.start();
    await assert.rejects(s.request("K", "nope"), /invalid signal/);
    await assert.rejects(s.request("K", "99"), /invalid signal/);
    assert.equal(await s.request("K", "0"), "ok");
    assert.equal(await s.request("K", "SIGKILL"), "ok");
    const exit = await s.waitExit();
    assert.deepEqual([exit.exitCode, exit.signal, exit.reason], [137, 9, "exited"]);
  });
});

describe("T (stop)", () => {
  test("a process that exits on the signal: exit.json stopped with its code", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.exitCode, exit.signal, exit.reason, exit.restarts], [143, 15, "stopped", 0]);
    assert.equal(s.status().stoppedByUser, true);
    assert.equal(s.status().state, "exited");
    const final = await ev.waitFinal();
    assert.deepEqual([final.reason, final.exitCode, final.signal], ["stopped", 143, 15]);
    assert.equal(ev.of("restart").length, 0);
  });

  test("a process that ignores SIGTERM is SIGKILLed after the timeout: 137", T, async () => {
    const s = await startShim(["sh", "-c", 'trap "" TERM; echo ready; while :; do sleep 0.05; done']);
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "ready");
    assert.equal(await s.request("T", "15 300"), "ok");
    const exit = await s.waitExit();
    assert.deepEqual([exit.exitCode, exit.signal, exit.reason], [137, 9, "stopped"]);
  });

  test("the stop signal is the one asked for", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    await s.request("T", "2 10000");
    const exit = await s.waitExit();
    assert.deepEqual([exit.exitCode, exit.signal], [130, 2]);
  });

  test("in state created, ends the held process", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const held = s.containerPid;
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await s.waitExit();
    assert.equal(exit.reason, "stopped");
    assert.equal(alive(held), false);
    await assert.rejects(s.request("S")); // the shim is gone
  });

  test("a bad stop payload is an error", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await assert.rejects(s.request("T", "15 soon"), /SIGNAL TIMEOUT_MS/);
    assert.equal(s.status().state, "created");
  });
});

describe("leftovers", () => {
  test("a grandchild that escaped with setsid is killed when the container stops", T, async () => {
    const s = await startShim(["sh", "-c", "setsid sleep 1000 & echo $!; exec sleep 1000"]);
    const a = await s.attach("stdout");
    await s.start();
    const [escaped] = await printedPids(() => a.stdout().toString(), 1);
    await waitFor(() => alive(escaped!), "the escaped process");
    await s.request("T", "15 5000");
    const exit = await s.waitExit();
    assert.equal(exit.reason, "stopped");
    assert.equal(alive(escaped!), false);
    assert.equal(alive(s.containerPid), false);
  });

  test("a double-forked daemon, re-parented to the shim, is killed too; nothing is left", T, async () => {
    const s = await startShim([
      "sh",
      "-c",
      'sh -c "setsid sleep 1000 & echo \\$!"; sleep 1000 & echo $!; wait',
    ]);
    const a = await s.attach("stdout");
    await s.start();
    const pids = await printedPids(() => a.stdout().toString(), 2);
    const [daemon] = pids;
    await waitFor(() => descendants(s.pid).includes(daemon!), "the daemon to be re-parented to the shim");
    const everything = descendants(s.pid);
    assert.ok(everything.length >= 3);
    everything.forEach(track);
    await s.request("T", "15 5000");
    await s.waitExit();
    for (const pid of [...pids, ...everything]) assert.equal(alive(pid), false, `pid ${pid} is dead`);
  });

  test("what the main process leaves behind is killed after a normal exit", T, async () => {
    const s = await startShim(["sh", "-c", "sleep 1000 & echo $!; setsid sleep 1000 & echo $!; exit 0"]);
    const a = await s.attach("stdout");
    await s.start();
    const pids = await printedPids(() => a.stdout().toString(), 2);
    const exit = await s.waitExit();
    assert.deepEqual([exit.exitCode, exit.reason], [0, "exited"]);
    for (const pid of pids) assert.equal(alive(pid), false);
  });

  test("leftovers are gone before a restart starts the next run", T, async () => {
    const s = await startShim(["sh", "-c", "setsid sleep 1000 & echo $!; exit 1"], {
      restart: "on-failure:1",
    });
    const ev = await s.subscribe();
    const a = await s.attach("stdout");
    await s.start();
    const [first] = await printedPids(() => a.stdout().toString(), 1);
    await ev.wait((e) => e.type === "start" && e.restarts === 1, "the restart");
    assert.equal(alive(first!), false, "the first run's escaped process died before the restart");
    const pids = await printedPids(() => a.stdout().toString(), 2);
    await s.waitExit(ev);
    assert.equal(alive(pids[1]!), false);
  });

  test("a leftover is killed at the exit of the main process, not left to run on", T, async () => {
    const s = await startShim(["sh", "-c", "(sleep 0.2; echo from-the-leftover) & exit 0"]);
    await s.start();
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    assert.doesNotMatch((await s.output()).toString(), /from-the-leftover/);
  });
});
