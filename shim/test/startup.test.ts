// bosun-shim start-up, start, exec failure, and the shim's own life (docs/shim.md).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  adoptShim,
  alive,
  cleanup,
  firstLine,
  runShim,
  SHIM,
  shimArgs,
  startShim,
  tempDir,
  track,
  waitFor,
} from "./helpers.ts";

after(cleanup);

const T = { timeout: 30_000 };

describe("start-up", () => {
  test("prints ready SHIMPID CONTAINERPID, writes the pid files and a created status", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    assert.notEqual(s.pid, s.containerPid);
    assert.ok(alive(s.pid) && alive(s.containerPid));

    const shimPid = s.pidFile("shim.pid");
    assert.equal(shimPid.pid, s.pid);
    assert.ok(shimPid.start > 0);
    const containerPid = s.pidFile("container.pid");
    assert.equal(containerPid.pid, s.containerPid);
    assert.ok(containerPid.start > 0);

    const st = s.status();
    assert.equal(st.state, "created");
    assert.equal(st.pid, s.containerPid);
    assert.equal(st.pidStart, containerPid.start);
    assert.deepEqual(
      { ...st, pid: 0, pidStart: 0 },
      {
        state: "created",
        pid: 0,
        pidStart: 0,
        restarts: 0,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        signal: null,
        stoppedByUser: false,
        oomKills: 0,
        oomKilled: false,
        execs: [],
      },
    );
    assert.ok(s.exists("ctl.sock"));
    assert.ok(s.exists("shim.log"));
    assert.equal(s.exists("exit.json"), false);
  });

  test("the shim leads its own session and the held process its own process group", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const stat = (pid: number) => {
      const text = readFileSync(`/proc/${pid}/stat`, "latin1");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      return { pgrp: Number(f[2]), session: Number(f[3]) };
    };
    assert.equal(stat(s.pid).session, s.pid);
    assert.equal(stat(s.containerPid).pgrp, s.containerPid);
  });

  test("the held process does not run its command before S", T, async () => {
    const dir = await tempDir();
    const s = await startShim(["sh", "-c", "touch ran"], { cwd: dir }, dir);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.exists("ran"), false);
    await s.start();
    await waitFor(() => s.exists("ran"), "the command to run");
  });

  test("a command-line error is a message on stderr, exit code 2, nothing started", T, async () => {
    const dir = await tempDir();
    for (const args of [
      [],
      ["--dir", dir],
      ["--dir", dir, "sleep", "1"],
      ["--dir", dir, "--restart", "sometimes", "--", "sleep", "1"],
      ["--dir", dir, "--log-max-files", "0", "--", "sleep", "1"],
      ["--dir", join(dir, "missing"), "--", "sleep", "1"],
      ["--dir", dir, "--bogus", "--", "sleep", "1"],
    ]) {
      const r = await runShim(args);
      assert.equal(r.code, 2, `exit code for ${args.join(" ")}`);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /bosun-shim: .+/);
    }
  });

  test("a second shim on the same directory is refused with an error line", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const r = await runShim(shimArgs(s.dir, ["sleep", "1000"]));
    assert.match(r.stdout, /^error another shim is serving .*ctl\.sock\n$/);
    assert.notEqual(r.code, 0);
    assert.ok(alive(s.pid));
    assert.equal(await s.request("W"), "ok");
  });

  test("a stale exit.json and ctl.sock from an earlier run are replaced", T, async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "exit.json"), '{"old":true}');
    const first = await startShim(["sleep", "1000"], {}, dir);
    process.kill(first.pid, "SIGKILL"); // leaves its ctl.sock behind
    await waitFor(() => !alive(first.pid), "the first shim to die");
    const s = await startShim(["sleep", "1000"], {}, dir);
    assert.equal(s.exists("exit.json"), false);
    assert.equal(await s.request("W"), "ok");
  });
});

describe("start", () => {
  test("S replies ok PID once exec happened; the status is running; a start event follows", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const ev = await s.subscribe();
    const held = s.containerPid;
    assert.equal(await s.start(), `ok ${held}`);
    const start = await ev.wait((e) => e.type === "start", "start event");
    assert.equal(start.pid, held);
    assert.equal(start.restarts, 0);
    assert.match(String(start.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const st = await waitFor(() => (s.status().state === "running" ? s.status() : undefined), "running");
    assert.equal(st.pid, held);
    assert.equal(st.startedAt, start.time);
    assert.match(readFileSync(`/proc/${held}/cmdline`, "latin1"), /^sleep\0/);
  });

  test("S a second time is an error", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    await assert.rejects(s.request("S"), /cannot start/);
  });

  test("the W reply is followed at once by a status event", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const ev = await s.subscribe();
    const first = await ev.wait(() => true, "an event");
    assert.equal(first.type, "status");
    assert.equal(first.state, "created");
    assert.equal(first.pid, s.containerPid);
  });

  test("a missing command: err reply, exit.json exec-failed with 127, no restart", T, async () => {
    const s = await startShim(["bosun-no-such-command-xyz", "arg"], { restart: "always" });
    const ev = await s.subscribe();
    await assert.rejects(s.request("S"), {
      message: "exec bosun-no-such-command-xyz: No such file or directory",
    });
    const exit = await s.waitExit(ev);
    assert.equal(exit.reason, "exec-failed");
    assert.equal(exit.exitCode, 127);
    assert.equal(exit.restarts, 0);
    assert.equal(exit.error, "exec bosun-no-such-command-xyz: No such file or directory");
    assert.equal(ev.of("restart").length, 0);
    assert.equal(ev.of("start").length, 0, "it never started");
    assert.equal(s.status().state, "exited");
    assert.equal(s.status().startedAt, null);
    const final = ev.events.find((e) => e.type === "exit");
    assert.equal(final?.reason, "exec-failed");
    assert.equal(final?.final, true);
    assert.equal(s.exists("ctl.sock"), false);
  });

  test("a command that is not executable: exit code 126", T, async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "script"), "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const s = await startShim([join(dir, "script")]);
    await assert.rejects(s.request("S"), /^Error: exec .*script: Permission denied$/);
    const exit = await s.waitExit();
    assert.equal(exit.reason, "exec-failed");
    assert.equal(exit.exitCode, 126);
  });

  test("a missing --cwd is an exec failure with a clear message", T, async () => {
    const s = await startShim(["true"], { cwd: "/nonexistent-bosun-dir" });
    await assert.rejects(s.request("S"), {
      message: "chdir /nonexistent-bosun-dir: No such file or directory",
    });
    const exit = await s.waitExit();
    assert.equal(exit.reason, "exec-failed");
    assert.match(exit.error ?? "", /chdir/);
  });

  test("the container runs in --cwd with the shim's environment", T, async () => {
    const dir = await tempDir();
    process.env.BOSUN_TEST_VAR = "from the shim's environment";
    const s = await startShim(["sh", "-c", 'pwd; echo "$BOSUN_TEST_VAR"'], { cwd: dir });
    await s.start();
    await s.waitExit();
    assert.equal((await s.output()).toString(), `${dir}\nfrom the shim's environment\n`);
  });

  test("stdin is /dev/null without --stdin", T, async () => {
    const s = await startShim(["sh", "-c", "cat; echo done"]);
    await s.start();
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    assert.equal((await s.output()).toString(), "done\n");
  });
});

describe("the shim's own life", () => {
  test("survives the SIGKILL of the process group that spawned it", T, async () => {
    const dir = await tempDir();
    const args = shimArgs(dir, ["sleep", "1000"])
      .map((a) => `'${a}'`)
      .join(" ");
    // An intermediate sh (the "daemon") in its own process group, which then dies.
    const parent = spawn("sh", ["-c", `'${SHIM}' ${args}; sleep 1000`], {
      stdio: ["ignore", "pipe", "ignore"],
      detached: true,
    });
    track(parent.pid!);
    const s = adoptShim(dir, await firstLine(parent));
    process.kill(-parent.pid!, "SIGKILL");
    await waitFor(() => !alive(parent.pid!), "the spawner to die");
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(alive(s.pid), "the shim survives");
    assert.match(await s.start(), /^ok \d+$/);
    assert.equal(await s.request("K", "9"), "ok");
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 137);
  });

  test("starts and works with its stdin and stderr closed", T, async () => {
    const dir = await tempDir();
    const args = shimArgs(dir, ["sh", "-c", "echo works"])
      .map((a) => `'${a}'`)
      .join(" ");
    const parent = spawn("sh", ["-c", `exec 0<&- 2>&-; exec '${SHIM}' ${args}`], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    track(parent.pid!);
    const s = adoptShim(dir, await firstLine(parent));
    await s.start();
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    assert.equal((await s.output()).toString(), "works\n");
  });

  test("SIGTERM to the shim stops the container, exit.json says stopped, ctl.sock goes", T, async () => {
    const s = await startShim(["sleep", "1000"], { restart: "always" });
    await s.start();
    const pid = s.containerPid;
    process.kill(s.pid, "SIGTERM");
    const exit = await s.waitExit();
    assert.equal(exit.reason, "stopped");
    assert.equal(exit.exitCode, 143);
    assert.equal(exit.signal, 15);
    assert.equal(exit.restarts, 0);
    assert.equal(alive(pid), false);
    assert.equal(s.exists("ctl.sock"), false);
    const st = s.status();
    assert.equal(st.state, "exited");
    assert.equal(st.stoppedByUser, false);
  });

  test("SIGTERM to the shim while created ends the held process", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const held = s.containerPid;
    process.kill(s.pid, "SIGINT");
    const exit = await s.waitExit();
    assert.equal(exit.reason, "stopped");
    assert.equal(alive(held), false);
  });

  test("SIGHUP and SIGPIPE are ignored", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    process.kill(s.pid, "SIGHUP");
    process.kill(s.pid, "SIGPIPE");
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(alive(s.pid));
    assert.equal(await s.request("W"), "ok");
  });
});
