// Pause and unpause (docs/shim.md, "Pause").
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  alive,
  cleanup,
  descendants,
  procState,
  type Shim,
  sleep,
  startShim,
  track,
  waitFor,
  waitOutput,
} from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

/** Every live process of the container: the shim's descendants (its session included). */
function container(s: Shim): number[] {
  return descendants(s.pid);
}

function states(pids: number[]): string[] {
  return pids.map((p) => procState(p) ?? "gone");
}

describe("P and U", () => {
  test(
    "P stops every process: the group, a setsid child, a re-parented orphan; U lets them go on",
    T,
    async () => {
      const s = await startShim([
        "sh",
        "-c",
        'sleep 1000 & echo $!; setsid sleep 1000 & echo $!; sh -c "sleep 1000 & echo \\$!"; wait',
      ]);
      const ev = await s.subscribe();
      const a = await s.attach("stdout");
      await s.start();
      const printed = await waitFor(() => {
        const nums = a
          .stdout()
          .toString()
          .split("\n")
          .filter((l) => /^\d+$/.test(l))
          .map(Number);
        return nums.length === 3 ? nums : undefined;
      }, "three pids");
      printed.forEach(track);
      const orphan = printed[2]!;
      await waitFor(() => container(s).includes(orphan), "the orphan to be re-parented to the shim");
      const all = container(s);
      assert.ok(all.length >= 4, `sh and three sleeps: ${all}`);

      assert.equal(await s.request("P"), "ok");
      // The reply comes once every process is seen stopped.
      assert.deepEqual(
        states(all),
        all.map(() => "T"),
      );
      assert.equal(s.status().state, "paused");
      await ev.wait((e) => e.type === "pause", "the pause event");
      // A new subscriber (a restarted bosund) learns it from the status event.
      const late = await s.subscribe();
      assert.equal(late.of("status")[0]!.state, "paused");

      assert.equal(await s.request("U"), "ok");
      await waitFor(() => states(all).every((st) => st !== "T"), "every process to go on");
      assert.equal(s.status().state, "running");
      await ev.wait((e) => e.type === "unpause", "the unpause event");
      for (const p of all) assert.ok(alive(p), `pid ${p} lives on`);
      await s.request("T", "9 0");
      await s.waitExit(ev);
    },
  );

  test("while paused no output is produced; after U it resumes", T, async () => {
    const s = await startShim(["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done"]);
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "\n3\n");
    assert.equal(await s.request("P"), "ok");
    // After the reply, the log holds everything written before the stop.
    const before = (await s.output()).toString();
    await sleep(500); // ten lines' worth of time: a behavioural check, not a threshold
    assert.equal((await s.output()).toString(), before, "nothing was written while paused");
    const last = Number(before.trim().split("\n").at(-1));
    assert.equal(await s.request("U"), "ok");
    await waitOutput(a, `\n${last + 1}\n`);
    await waitOutput(a, `\n${last + 2}\n`);
    const text = (await s.output()).toString();
    assert.ok(text.startsWith(before), "the count goes on where it stopped");
  });

  test("a pause is not an exit: no exit or restart, the process is the same", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    const pid = s.containerPid;
    assert.equal(await s.request("P"), "ok");
    // A round trip after the stop: the SIGCHLD it raised has been handled by then.
    assert.equal(await s.request("K", "0"), "ok");
    assert.equal(await s.request("U"), "ok");
    assert.equal(await s.request("K", "0"), "ok");
    assert.deepEqual(
      ev.events.map((e) => e.type),
      ["status", "start", "pause", "unpause"],
    );
    assert.equal(s.status().pid, pid);
    assert.equal(s.status().restarts, 0);
    assert.ok(alive(pid));
    await s.request("T", "9 0");
    await s.waitExit(ev);
  });

  test("P and U are errors in the wrong state", T, async () => {
    const s = await startShim(["sh", "-c", 'trap "" TERM; echo ready; while :; do sleep 0.05; done']);
    await assert.rejects(s.request("P"), /cannot pause: the container is not running \(state created\)/);
    await assert.rejects(s.request("U"), /cannot unpause: the container is not paused \(state created\)/);
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "ready");
    await assert.rejects(s.request("U"), /not paused \(state running\)/);
    assert.equal(await s.request("P"), "ok");
    await assert.rejects(s.request("P"), /already paused/);
    assert.equal(await s.request("U"), "ok");
    // A stop under way (the process ignores SIGTERM) cannot be paused.
    assert.equal(await s.request("T", "15 60000"), "ok");
    await assert.rejects(s.request("P"), /the container is stopping/);
    assert.equal(await s.request("T", "15 0"), "ok");
    assert.equal((await s.waitExit()).exitCode, 137);
  });
});

describe("stop and kill of a paused container", () => {
  test("T delivers the signal at once: 143, an unpause before the exit, no restart", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    assert.equal(await s.request("P"), "ok");
    assert.equal(await s.request("T", "15 60000"), "ok");
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.exitCode, exit.signal, exit.reason, exit.restarts], [143, 15, "stopped", 0]);
    assert.deepEqual(
      ev.events.map((e) => e.type),
      ["status", "start", "pause", "unpause", "exit"],
    );
    assert.equal(s.status().state, "exited");
  });

  test("K: SIGCONT is refused; another signal waits for U; the exit is an ordinary one", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    assert.equal(await s.request("P"), "ok");
    await assert.rejects(s.request("K", "CONT"), /paused: unpause it/);
    assert.equal(await s.request("K", "15"), "ok");
    assert.equal(procState(s.containerPid), "T", "a stopped process takes the signal only when it goes on");
    assert.equal(s.status().state, "paused");
    assert.equal(await s.request("U"), "ok");
    const exit = await s.waitExit();
    assert.deepEqual([exit.exitCode, exit.reason], [143, "exited"]);
  });

  test("K SIGKILL kills at once; the policy restarts it, and the new process is not paused", T, async () => {
    const s = await startShim(["sh", "-c", "sleep 1000 & setsid sleep 1000 & wait"], {
      restart: "on-failure:1",
    });
    const ev = await s.subscribe();
    await s.start();
    const first = s.containerPid;
    await waitFor(() => container(s).length === 3, "sh and two sleeps");
    const leftovers = container(s);
    leftovers.forEach(track);
    assert.equal(await s.request("P"), "ok");
    assert.equal(await s.request("K", "KILL"), "ok");
    const exit = await ev.wait((e) => e.type === "exit", "the exit");
    assert.deepEqual([exit.pid, exit.exitCode, exit.final], [first, 137, false]);
    const start = await ev.wait((e) => e.type === "start" && e.restarts === 1, "the restart");
    for (const p of leftovers) assert.equal(alive(p), false, `stopped leftover ${p} was killed`);
    await waitFor(() => s.status().pid === start.pid && s.status().state === "running", "status running");
    assert.notEqual(procState(start.pid as number), "T");
    assert.equal(ev.of("unpause").length, 0);
    await s.request("T", "9 0");
    await s.waitExit(ev);
  });
});
