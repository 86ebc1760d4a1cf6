// Exec sessions (docs/shim.md, "Exec").
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { alive, cleanup, exec, type Shim, startShim, tempDir, waitFor } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

async function running(command = ["sleep", "1000"], cwd?: string): Promise<Shim> {
  const s = await startShim(command, cwd ? { cwd } : {});
  assert.match(await s.start(), /^ok \d+$/);
  return s;
}

describe("X", () => {
  test("runs a process in the container's cwd and environment plus extra variables", T, async () => {
    const dir = await tempDir();
    process.env.BOSUN_EXEC_TEST = "from-container";
    const s = await running(["sleep", "1000"], dir).finally(() => delete process.env.BOSUN_EXEC_TEST);
    const x = await exec(s, ["sh", "-c", 'pwd; echo "$BOSUN_EXEC_TEST $EXTRA"; echo oops >&2; exit 3'], {
      EXTRA: "extra",
    });
    assert.match(x.reply, /^ok 1 \d+$/);
    const ev = await waitFor(x.exit, "exec-exit");
    assert.equal(x.stdout(), `${dir}\nfrom-container extra\n`);
    assert.equal(x.stderr(), "oops\n");
    assert.equal(ev.exitCode, 3);
    assert.equal(ev.signal, null);
    assert.equal(ev.pid, Number(x.reply.split(" ")[2]));
    // The exit event comes after all the output.
    assert.equal(x.order.at(-1), "exec-exit");
    // Never logged, never a container exit.
    assert.doesNotMatch((await s.output()).toString(), /oops|from-container/);
    assert.equal(s.status().state, "running");
    assert.equal(s.status().restarts, 0);
  });

  test("stdin with half-close: wc -c sees 5 bytes and EOF", T, async () => {
    const s = await running();
    const x = await exec(s, ["wc", "-c"]);
    x.conn.send("I", "da");
    x.conn.send("I", "ta\n");
    x.conn.send("C");
    const ev = await waitFor(x.exit, "exec-exit");
    assert.equal(x.stdout().trim(), "5");
    assert.equal(ev.exitCode, 0);
  });

  test("stdin for a process that does not read is capped: the shim stops reading the client", T, async () => {
    const s = await running();
    // The process reads its stdin only once the test writes to this FIFO.
    const fifo = join(await tempDir(), "go");
    execFileSync("mkfifo", [fifo]);
    const x = await exec(s, ["sh", "-c", `read go < ${fifo}; wc -c`]);
    const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${s.pid}/status`, "utf8"))?.[1]);
    const before = rss();
    // 16 MiB while the shell waits: the pipe takes 64 KiB, the shim's queue 1 MiB; the rest
    // must stay with the client (its socket), not in the shim.
    const chunk = Buffer.alloc(64 * 1024, "a");
    for (let i = 0; i < 256; i++) x.conn.send("I", chunk);
    x.conn.send("C");
    await new Promise((r) => setTimeout(r, 500));
    const grown = rss() - before;
    assert.ok(grown < 6 * 1024, `the shim grew by ${grown} kB`);
    // Nothing is lost: once the process reads, all of it arrives.
    writeFileSync(fifo, "go\n");
    await waitFor(x.exit, "exec-exit");
    assert.equal(x.stdout().trim(), String(16 * 1024 * 1024));
  });

  test("a missing command is an err reply and no session", T, async () => {
    const s = await running();
    const x = await exec(s, ["no-such-command-bosun"]);
    assert.equal(x.reply, "err exec no-such-command-bosun: No such file or directory");
    // The container is untouched, and the next exec works.
    const y = await exec(s, ["true"]);
    assert.match(y.reply, /^ok /);
    assert.equal(s.status().state, "running");
  });

  test("refused in a paused or a created container, with the reason", T, async () => {
    const s = await running();
    assert.equal(await s.request("P"), "ok");
    assert.equal((await exec(s, ["true"])).reply, "err cannot exec: the container is paused");
    assert.equal(await s.request("U"), "ok");
    const c = await startShim(["sleep", "1000"]);
    assert.equal(
      (await exec(c, ["true"])).reply,
      "err cannot exec: the container is not running (state created)",
    );
  });

  test("a process whose client went away runs on; stopping the container kills it", T, async () => {
    const s = await running();
    const ev = await s.subscribe();
    const x = await exec(s, ["sleep", "1000"]);
    const pid = Number(x.reply.split(" ")[2]);
    x.conn.close();
    await waitFor(() => s.status().state === "running" && alive(pid), "the exec'd sleep");
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await s.waitExit(ev);
    assert.equal(exit.reason, "stopped");
    await waitFor(() => !alive(pid), "the exec'd sleep to be killed");
    // Only the container's process is reported as an exit.
    assert.equal(ev.of("exit").length, 1);
  });

  test("an exec killed by a signal reports it; the container keeps running", T, async () => {
    const s = await running();
    const ev = await s.subscribe();
    const x = await exec(s, ["sleep", "1000"]);
    process.kill(Number(x.reply.split(" ")[2]), "SIGKILL");
    const e = await waitFor(x.exit, "exec-exit");
    assert.equal(e.exitCode, 137);
    assert.equal(e.signal, 9);
    assert.equal(ev.of("exit").length, 0);
    assert.equal(s.status().state, "running");
  });
});

describe("execs in status.json and events", () => {
  // Quotes, a backslash, a tab and a newline: the command is JSON-escaped.
  const tricky = ["sh", "-c", 'cat; echo "\\ done"\n\t#'];

  test("status.json lists a running exec, and drops it before its exec-exit arrives", T, async () => {
    const s = await running();
    const x = await exec(s, tricky);
    const entry = { id: 1, pid: x.pid, tty: false, command: tricky };
    assert.deepEqual(s.status().execs, [entry]);
    assert.equal(s.status().state, "running");
    // A subscriber that comes later (a restarted bosund) learns it from the status event.
    const late = await s.subscribe();
    assert.deepEqual(late.of("status")[0]!.execs, [entry]);
    x.conn.send("C");
    await waitFor(x.exit, "exec-exit");
    assert.equal(x.stdout(), "\\ done\n");
    assert.deepEqual(s.status().execs, []);
  });

  test(
    "subscribers get exec-start and exec-exit; the owner, subscribed too, gets exec-exit once",
    T,
    async () => {
      const s = await running();
      const ev = await s.subscribe();
      const command = ["sh", "-c", "read line; exit 5"];
      const x = await exec(s, command);
      await x.conn.request("W");
      x.conn.send("C"); // it ends once its connection is a subscriber too
      const start = await ev.wait((e) => e.type === "exec-start", "exec-start");
      assert.deepEqual(start, { type: "exec-start", id: 1, pid: x.pid, tty: false, command });
      const exit = await ev.wait((e) => e.type === "exec-exit", "exec-exit");
      assert.deepEqual(exit, { type: "exec-exit", id: 1, pid: x.pid, exitCode: 5, signal: null });
      await waitFor(x.exit, "exec-exit on the owner's connection");
      // A round trip after it: a second copy would have come before the reply.
      assert.equal(await x.conn.request("K", "0"), "ok");
      assert.equal(x.order.filter((t) => t === "exec-exit").length, 1);
    },
  );

  test("an exec whose client went away still ends with exec-exit to subscribers", T, async () => {
    const s = await running();
    const ev = await s.subscribe();
    const x = await exec(s, ["sleep", "1000"], {}, { tty: true });
    await ev.wait((e) => e.type === "exec-start" && e.tty === true, "exec-start with tty");
    x.conn.close();
    const log = join(s.dir, "shim.log");
    await waitFor(() => readFileSync(log, "utf8").includes("its client is gone"), "the shim to see it go");
    process.kill(x.pid, "SIGKILL");
    const exit = await ev.wait((e) => e.type === "exec-exit", "exec-exit");
    assert.equal(exit.signal, 9);
    assert.deepEqual(s.status().execs, []);
  });

  test("a stop ends the execs first: their exec-exit comes before the container's exit", T, async () => {
    const s = await running();
    const ev = await s.subscribe();
    // They ignore the stop's SIGTERM: the leftover kill ends them, in the pass that ends the container.
    const stubborn = ["sh", "-c", 'trap "" TERM; sleep 1000'];
    await exec(s, stubborn);
    await exec(s, stubborn, {}, { tty: true });
    assert.equal(s.status().execs.length, 2);
    assert.equal(await s.request("T", "15 10000"), "ok");
    await s.waitExit(ev);
    const types = ev.events.map((e) => e.type).filter((t) => t.startsWith("exec-") || t === "exit");
    assert.deepEqual(types, ["exec-start", "exec-start", "exec-exit", "exec-exit", "exit"]);
    assert.deepEqual(s.status().execs, []);
  });
});
