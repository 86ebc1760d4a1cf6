// Restart policies and backoff (docs/shim.md, "Restart policy and backoff").
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { alive, cleanup, startShim, waitFor } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

describe("restart policies", () => {
  test("no: never restarts", T, async () => {
    const s = await startShim(["sh", "-c", "exit 1"], { restart: "no" });
    const ev = await s.subscribe();
    await s.start();
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.exitCode, exit.reason, exit.restarts], [1, "exited", 0]);
    assert.equal(ev.of("restart").length, 0);
    assert.equal(ev.of("exit").length, 1);
  });

  test("the default policy is no", T, async () => {
    const s = await startShim(["sh", "-c", "exit 1"]);
    await s.start();
    assert.equal((await s.waitExit()).restarts, 0);
  });

  test("always: restarts at once the first time, with restart and start events and a count", T, async () => {
    const s = await startShim(["sh", "-c", "echo run; exit 0"], { restart: "always" });
    const ev = await s.subscribe();
    const first = s.containerPid;
    await s.start();
    await ev.wait((e) => e.type === "start" && e.restarts === 3, "the third restart");
    assert.equal(await s.request("T", "15 1000"), "ok");
    const exit = await s.waitExit(ev);
    assert.equal(exit.reason, "stopped");

    const exits = ev.of("exit");
    const restarts = ev.of("restart");
    const starts = ev.of("start");
    assert.equal(exits[0]!.pid, first);
    assert.deepEqual(
      { exitCode: exits[0]!.exitCode, final: exits[0]!.final, reason: exits[0]!.reason },
      { exitCode: 0, final: false, reason: "exited" },
    );
    assert.deepEqual(
      restarts.slice(0, 3).map((r) => [r.restarts, r.delayMs]),
      [
        [1, 0],
        [2, 100],
        [3, 200],
      ],
    );
    assert.deepEqual(
      starts.slice(0, 4).map((e) => e.restarts),
      [0, 1, 2, 3],
    );
    const pids = starts.map((e) => e.pid);
    assert.equal(new Set(pids).size, pids.length, "every run is a new process");
    // Events come in the order of what happened.
    const order = ev.events.map((e) => e.type).slice(0, 8);
    assert.deepEqual(order, ["status", "start", "exit", "restart", "start", "exit", "restart", "start"]);
    assert.equal(exit.restarts, starts.length - 1);
    const final = await ev.waitFinal();
    assert.equal(final.reason, "stopped");
    assert.equal(final.pid, starts.at(-1)!.pid);
  });

  test("container.pid and status.json follow each restart", T, async () => {
    const s = await startShim(["sh", "-c", "sleep 0.05; exit 2"], { restart: "on-failure:1" });
    const ev = await s.subscribe();
    await s.start();
    const second = await ev.wait((e) => e.type === "start" && e.restarts === 1, "the restart");
    await waitFor(() => s.pidFile("container.pid").pid === second.pid, "container.pid rewritten");
    await waitFor(() => s.status().pid === second.pid && s.status().restarts === 1, "status.json rewritten");
    const st = s.status();
    assert.equal(st.exitCode, 2, "status keeps the last exit");
    await s.waitExit(ev);
  });

  test("backoff: 0, 100, 200, 400 ms; the state is restarting while waiting", T, async () => {
    const s = await startShim(["sh", "-c", "exit 1"], { restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    await waitFor(() => s.status().state === "restarting" || undefined, "state restarting");
    await ev.wait((e) => e.type === "restart" && e.restarts === 4, "the fourth restart event");
    assert.deepEqual(
      ev
        .of("restart")
        .slice(0, 4)
        .map((r) => r.delayMs),
      [0, 100, 200, 400],
    );
    await s.request("T", "15 1000");
    await s.waitExit(ev);
  });

  test("on-failure:3 stops after exactly 3 restarts, with a final exit", T, async () => {
    const s = await startShim(["sh", "-c", "exit 3"], { restart: "on-failure:3" });
    const ev = await s.subscribe();
    await s.start();
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.exitCode, exit.reason, exit.restarts], [3, "exited", 3]);
    assert.equal(ev.of("restart").length, 3);
    assert.equal(ev.of("start").length, 4);
    const exits = ev.of("exit");
    assert.deepEqual(
      exits.map((e) => e.final),
      [false, false, false, true],
    );
    assert.equal(s.status().restarts, 3);
    assert.equal(s.status().state, "exited");
  });

  test("on-failure does not restart after exit 0", T, async () => {
    const s = await startShim(["true"], { restart: "on-failure" });
    const ev = await s.subscribe();
    await s.start();
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.exitCode, exit.reason, exit.restarts], [0, "exited", 0]);
    assert.equal(ev.of("restart").length, 0);
  });

  test("on-failure restarts a process killed by a signal", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "on-failure" });
    const ev = await s.subscribe();
    await s.start();
    await s.request("K", "9");
    const restart = await ev.wait((e) => e.type === "start" && e.restarts === 1, "the restart");
    assert.ok(alive(restart.pid as number));
    assert.equal(ev.of("exit")[0]!.exitCode, 137);
    assert.equal(ev.of("exit")[0]!.signal, 9);
    await s.request("T", "15 5000");
    await s.waitExit(ev);
  });

  test("unless-stopped is not restarted after T", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "unless-stopped" });
    const ev = await s.subscribe();
    await s.start();
    await s.request("T", "15 5000");
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.reason, exit.restarts], ["stopped", 0]);
    assert.equal(ev.of("restart").length, 0);
    assert.equal(s.status().stoppedByUser, true);
  });

  test("unless-stopped restarts a process that exits by itself", T, async () => {
    const s = await startShim(["sh", "-c", "exit 0"], { restart: "unless-stopped" });
    const ev = await s.subscribe();
    await s.start();
    await ev.wait((e) => e.type === "start" && e.restarts === 1, "the restart");
    await s.request("T", "15 5000");
    await s.waitExit(ev);
  });

  test("T while restarting cancels the restart and ends the shim", T, async () => {
    const s = await startShim(["sh", "-c", "exit 1"], { restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    // The fifth restart waits 800 ms: long enough to be caught waiting.
    await ev.wait((e) => e.type === "restart" && e.restarts === 5, "the fifth restart event");
    await waitFor(() => s.status().state === "restarting" || undefined, "state restarting");
    const startsBefore = ev.of("start").length;
    assert.equal(await s.request("T", "15 1000"), "ok");
    const exit = await s.waitExit(ev);
    assert.deepEqual([exit.reason, exit.exitCode], ["stopped", 1]);
    assert.equal(exit.restarts, startsBefore - 1);
    assert.equal(ev.of("start").length, startsBefore, "no run after the stop");
    const final = await ev.waitFinal();
    assert.equal(final.reason, "stopped");
  });
});
