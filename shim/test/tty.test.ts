// Terminals: --tty, Z, and exec with a terminal (docs/shim.md, "Terminals").
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  alive,
  cleanup,
  descendants,
  exec,
  procIds,
  procState,
  type Shim,
  startShim,
  tempDir,
  track,
  waitFor,
  waitOutput,
} from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

// The terminal writes \n as \r\n.
const PTS = /^\/dev\/pts\/\d+\r$/;

// Prints the window size on every SIGWINCH: the trap runs between two short sleeps.
const onWinch = 'trap "stty size" WINCH; echo ready; while :; do sleep 0.05; done';

/** Every live process of the container: the shim's descendants, whatever their session. */
function container(s: Shim): number[] {
  return descendants(s.pid);
}

async function running(command: string[]): Promise<Shim> {
  const s = await startShim(command, { tty: true });
  assert.match(await s.start(), /^ok \d+$/);
  return s;
}

describe("--tty", () => {
  test("the process has a terminal, 24x80; all its output, stderr too, is logged as stdout", T, async () => {
    const s = await startShim(["sh", "-c", "tty; stty size; echo oops >&2"], { tty: true });
    const a = await s.attach("stdout stderr");
    await s.start();
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    const lines = (await s.output()).toString().split("\n");
    assert.match(lines[0]!, PTS);
    assert.deepEqual(lines.slice(1), ["24 80\r", "oops\r", ""]);
    assert.ok((await s.records()).every((r) => r.stream === "stdout"));
    await waitOutput(a, "oops");
    assert.equal(a.stdout().toString(), (await s.output()).toString());
    assert.equal(a.stderr().length, 0);
  });

  test("it leads a session of its own; its pid is still its process group", T, async () => {
    const s = await running(["sleep", "1000"]);
    assert.deepEqual(procIds(s.containerPid), { pgrp: s.containerPid, session: s.containerPid });
    assert.notEqual(procIds(s.containerPid)?.session, procIds(s.pid)?.session);
  });

  test(
    "a stop while held ends cleanly: the shim's copy of the slave does not hold the output open",
    T,
    async () => {
      const s = await startShim(["sleep", "1000"], { tty: true });
      assert.equal(await s.request("T", "15 10000"), "ok");
      const exit = await s.waitExit();
      assert.equal(exit.reason, "stopped");
      // The shim's copy of the slave, kept for the exec report, must not hold the output open.
      assert.doesNotMatch(readFileSync(join(s.dir, "shim.log"), "utf8"), /did not finish/);
    },
  );

  test("Z before S applies before exec; malformed ones are ignored", T, async () => {
    const s = await startShim(["stty", "size"], { tty: true });
    const c = await s.connect();
    for (const bad of ["0 80", "50", "abc def", "50 70000", "50x132", " 50 132"]) c.send("Z", bad);
    c.send("Z", "50 132");
    c.send("Z", "60 0");
    // Frames of one connection are handled in order: the size is set when S comes.
    assert.match(await c.request("S"), /^ok \d+$/);
    await s.waitExit();
    assert.equal((await s.output()).toString(), "50 132\r\n");
  });

  test("Z while it runs resizes the terminal: the foreground process gets SIGWINCH", T, async () => {
    const s = await startShim(["sh", "-c", onWinch], { tty: true });
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "ready");
    (await s.connect()).send("Z", "30 100");
    await waitOutput(a, "30 100\r\n");
    (await s.connect()).send("Z", "31 101");
    await waitOutput(a, "31 101\r\n");
  });

  test("with --stdin, I types into it: echo and cat; C is ignored; ^D ends cat's input", T, async () => {
    const s = await startShim(["cat"], { tty: true, stdin: true });
    const a = await s.attach("stdout stdin");
    await s.start();
    a.conn.send("I", "hello\n");
    // The terminal echoes the line, then cat writes it back.
    await waitOutput(a, "hello\r\nhello\r\n");
    a.conn.send("C");
    a.conn.send("I", "again\n");
    await waitOutput(a, "again\r\nagain\r\n");
    a.conn.send("I", "\x04");
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    assert.equal((await s.output()).toString(), "hello\r\nhello\r\nagain\r\nagain\r\n");
  });

  test("Ctrl-C typed into it interrupts the foreground process: exit 130", T, async () => {
    const s = await startShim(["sleep", "1000"], { tty: true, stdin: true });
    const a = await s.attach("stdin");
    await s.start();
    a.conn.send("I", "\x03");
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 130);
    assert.equal(exit.signal, 2);
    assert.equal(exit.reason, "exited");
  });

  test("a restarted process gets a new terminal with the size Z set", T, async () => {
    const dir = await tempDir();
    // The first run waits for the test; the second one only prints.
    const script =
      "tty; stty size; if [ ! -e first ]; then touch first; while [ ! -e go ]; do sleep 0.01; done; exit 1; fi";
    const s = await startShim(["sh", "-c", script], { tty: true, restart: "on-failure", cwd: dir }, dir);
    const ev = await s.subscribe();
    const a = await s.attach("stdout");
    await s.start();
    await waitOutput(a, "24 80\r\n");
    // Z has no reply: a round trip on the same connection (K 0) says it has been handled.
    const c = await s.connect();
    c.send("Z", "40 120");
    assert.equal(await c.request("K", "0"), "ok");
    writeFileSync(join(dir, "go"), "");
    const exit = await s.waitExit(ev);
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.restarts, 1);
    const lines = (await s.output()).toString().split("\n");
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, PTS);
    assert.equal(lines[1], "24 80\r");
    assert.match(lines[2]!, PTS);
    assert.equal(lines[3], "40 120\r");
  });

  test("a stop leaves nothing behind, though the processes are in the terminal's session", T, async () => {
    const s = await running(["sh", "-c", "sleep 1000 & exec sleep 1000"]);
    const ev = await s.subscribe();
    const procs = await waitFor(() => {
      const all = container(s);
      return all.length >= 2 ? all : undefined;
    }, "the two sleeps");
    procs.forEach(track);
    for (const p of procs) assert.equal(procIds(p)?.session, s.containerPid);
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await s.waitExit(ev);
    assert.equal(exit.reason, "stopped");
    for (const p of procs) assert.ok(!alive(p), `pid ${p} is gone`);
  });

  test("P stops every process, a terminal exec's included; U lets them go on", T, async () => {
    const s = await running(["sh", "-c", "sleep 1000 & exec sleep 1000"]);
    const x = await exec(s, ["sh", "-c", "sleep 1000 & sleep 1000 & wait"], {}, { tty: true });
    assert.match(x.reply, /^ok /);
    const all = await waitFor(() => {
      const procs = container(s);
      return procs.length >= 5 ? procs : undefined;
    }, "two sleeps in the container, sh and two sleeps in the exec");
    all.forEach(track);
    assert.equal(await s.request("P"), "ok");
    assert.deepEqual(
      all.map((p) => procState(p)),
      all.map(() => "T"),
    );
    assert.equal(await s.request("U"), "ok");
    await waitFor(() => all.every((p) => procState(p) !== "T"), "every process to go on");
    assert.equal(await s.request("T", "9 0"), "ok");
    await s.waitExit();
    for (const p of all) assert.ok(!alive(p), `pid ${p} is gone`);
  });

  test("K reaches the execs of a tty container, which cannot join its group", T, async () => {
    // The container ignores SIGUSR1 (its sleeps inherit that); the execs do not.
    const s = await running(["sh", "-c", `trap "" USR1; ${onWinch}`]);
    const plain = await exec(s, ["sleep", "1000"]);
    const tty = await exec(s, ["sleep", "1000"], {}, { tty: true });
    assert.equal(procIds(plain.pid)?.pgrp, plain.pid);
    assert.equal(procIds(tty.pid)?.session, tty.pid);
    assert.equal(await s.request("K", "USR1"), "ok");
    for (const x of [plain, tty]) {
      const e = await waitFor(x.exit, "exec-exit");
      assert.equal(e.signal, 10);
    }
    assert.equal(s.status().state, "running");
  });
});

describe("X with tty", () => {
  test("the process gets a terminal of its own at size=; all its output is o", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    const x = await exec(
      s,
      ["sh", "-c", "tty; stty size; echo oops >&2; exit 3"],
      {},
      {
        tty: true,
        size: { rows: 33, cols: 77 },
      },
    );
    assert.match(x.reply, /^ok 1 \d+$/);
    const e = await waitFor(x.exit, "exec-exit");
    assert.equal(e.exitCode, 3);
    const lines = x.stdout().split("\n");
    assert.match(lines[0]!, PTS);
    assert.deepEqual(lines.slice(1), ["33 77\r", "oops\r", ""]);
    assert.equal(x.stderr(), "");
    assert.equal(x.order.at(-1), "exec-exit");
    const d = await exec(s, ["stty", "size"], {}, { tty: true });
    await waitFor(d.exit, "exec-exit");
    assert.equal(d.stdout(), "24 80\r\n");
  });

  test("Z on its connection resizes its terminal; Ctrl-C typed into it interrupts it", T, async () => {
    const s = await startShim(["sh", "-c", onWinch], { tty: true });
    const a = await s.attach("stdout");
    await s.start();
    const x = await exec(s, ["sh", "-c", onWinch], {}, { tty: true });
    await waitFor(() => x.stdout().includes("ready"), "the exec to be ready");
    x.conn.send("Z", "40 120");
    await waitFor(() => x.stdout().includes("40 120\r\n"), "the exec's new size");
    x.conn.send("I", "\x03");
    const e = await waitFor(x.exit, "exec-exit");
    assert.equal(e.exitCode, 130);
    assert.equal(e.signal, 2);
    // The container's terminal was never resized.
    assert.ok(!a.stdout().toString().includes("40 120"));
    assert.equal(s.status().state, "running");
  });

  test(
    "Z on an exec's connection never resizes the container's terminal, even after the exec",
    T,
    async () => {
      const s = await running(["sleep", "1000"]);
      const x = await exec(s, ["true"]);
      await waitFor(x.exit, "exec-exit");
      x.conn.send("Z", "40 120");
      assert.equal(await x.conn.request("K", "0"), "ok");
      // Read the container's terminal size through its stdin, from an exec of its own.
      const probe = await exec(s, ["sh", "-c", `stty size < /proc/${s.containerPid}/fd/0`]);
      await waitFor(probe.exit, "exec-exit");
      assert.equal(probe.stdout(), "24 80\n");
    },
  );

  test("C on it is ignored; ^D ends cat's input", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    const x = await exec(s, ["cat"], {}, { tty: true });
    x.conn.send("I", "one\n");
    await waitFor(() => x.stdout() === "one\r\none\r\n", "the line, echoed and copied");
    x.conn.send("C");
    x.conn.send("I", "two\n");
    await waitFor(() => x.stdout().endsWith("two\r\ntwo\r\n"), "the next line after C");
    x.conn.send("I", "\x04");
    const e = await waitFor(x.exit, "exec-exit");
    assert.equal(e.exitCode, 0);
    assert.equal(x.stdout(), "one\r\none\r\ntwo\r\ntwo\r\n");
  });

  test("an unknown option or a bad size is an err", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await s.start();
    const c = await s.connect();
    for (const opt of ["pty", "size=0x80", "size=24", "size=24x80x1"]) {
      await assert.rejects(c.request("X", `${opt}\x001\x00true\x00`), /invalid exec option/);
    }
    // Options before ARGC, in any order, and ARGC still counts only the arguments.
    const r = await c.request("X", "size=10x20\x00tty\x002\x00stty\x00size\x00");
    assert.match(r, /^ok \d+ \d+$/);
    track(Number(r.split(" ")[2]));
  });
});
