// Exec sessions (docs/shim.md, "Exec").
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { encodeExec, type ShimConnection, type ShimEvent } from "../../src/runtime/shim-protocol.ts";
import { alive, cleanup, type Shim, startShim, tempDir, track, waitFor } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

interface Session {
  conn: ShimConnection;
  reply: string;
  stdout: () => string;
  stderr: () => string;
  exit: () => ShimEvent | undefined;
  order: string[];
}

async function exec(s: Shim, command: string[], env: Record<string, string> = {}): Promise<Session> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const order: string[] = [];
  let exit: ShimEvent | undefined;
  const conn = await s.connect({
    onOutput: (st, d) => {
      order.push(st);
      (st === "stdout" ? out : err).push(Buffer.from(d));
    },
    onEvent: (e) => {
      order.push(String(e.type));
      if (e.type === "exec-exit") exit = e;
    },
  });
  const reply = await conn.request("X", encodeExec(command, env)).catch((e: Error) => `err ${e.message}`);
  const m = /^ok \d+ (\d+)$/.exec(reply);
  if (m) track(Number(m[1]));
  return {
    conn,
    reply,
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => Buffer.concat(err).toString(),
    exit: () => exit,
    order,
  };
}

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
