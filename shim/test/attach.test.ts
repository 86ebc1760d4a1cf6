// Attach, stdin, several clients, and clients that misbehave (docs/shim.md, "Control socket").
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { encodeFrame } from "../../src/runtime/shim-protocol.ts";
import { alive, cleanup, sleep, startShim, tempDir, waitFor, waitOutput } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

// Waits for a file named `go` in the cwd before going on: the test decides when.
const gate = "while [ ! -e go ]; do sleep 0.01; done";

describe("attach", () => {
  test("an attached client receives live stdout and stderr as o/e frames", T, async () => {
    const s = await startShim(["sh", "-c", "echo out; echo err >&2; printf 'no newline'"]);
    const a = await s.attach("stdout stderr");
    await s.start();
    await s.waitExit();
    await waitOutput(a, "no newline");
    assert.equal(a.stdout().toString(), "out\nno newline");
    assert.equal(a.stderr().toString(), "err\n");
  });

  test("attach chooses its streams", T, async () => {
    const s = await startShim(["sh", "-c", "echo out; echo err >&2; echo done >&2"]);
    const outOnly = await s.attach("stdout");
    const errOnly = await s.attach("stderr");
    await s.start();
    await s.waitExit();
    await waitOutput(errOnly, "done", "stderr");
    await waitOutput(outOnly, "out");
    assert.equal(outOnly.stderr().length, 0);
    assert.equal(errOnly.stdout().length, 0);
  });

  test("tail=N sends the last N lines from the log first, then live output", T, async () => {
    const dir = await tempDir();
    const s = await startShim(
      [
        "sh",
        "-c",
        `for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; printf 'part'; ${gate}; echo ial; echo live`,
      ],
      { cwd: dir },
      dir,
    );
    await s.start();
    await waitFor(async () => (await s.output()).toString().endsWith("part"), "the fragment in the log");
    const a = await s.attach("stdout tail=2");
    const b = await s.attach("stdout stderr tail=3");
    await waitOutput(a, "part");
    await waitOutput(b, "part");
    writeFileSync(join(dir, "go"), "");
    await s.waitExit();
    await waitOutput(a, "live");
    await waitOutput(b, "live");
    // The last two complete lines, the line still being written, then what came live.
    assert.equal(a.stdout().toString(), "line4\nline5\npartial\nlive\n");
    // tail counts complete lines of the chosen streams together: oops, line5, line4.
    assert.equal(b.stdout().toString(), "line4\nline5\npartial\nlive\n");
    assert.equal(b.stderr().toString(), "oops\n");
  });

  test("tail=N reaches into the rotated file and rebuilds lines cut into fragments", T, async () => {
    const dir = await tempDir();
    const long = "y".repeat(300); // more than a record may hold under this cap: cut in two
    const s = await startShim(
      [
        "sh",
        "-c",
        `i=0; while [ $i -lt 30 ]; do echo "n$i"; i=$((i+1)); done; echo ${long}; echo last; ${gate}`,
      ],
      { cwd: dir, logMaxSize: 200, logMaxFiles: 5 },
      dir,
    );
    await s.start();
    await waitFor(async () => (await s.output()).toString().endsWith("last\n"), "all lines logged");
    const a = await s.attach("stdout tail=4");
    await waitOutput(a, "last\n");
    assert.equal(a.stdout().toString(), `n28\nn29\n${long}\nlast\n`);
    assert.ok(s.logFiles().length >= 4, "the tail spans rotated files");
    writeFileSync(join(dir, "go"), "");
  });

  test("a huge tail=N is cut to the last MiBs of the log, and the client stays connected", T, async () => {
    const dir = await tempDir();
    const s = await startShim(["sh", "-c", `seq 1 400000; ${gate}`], { cwd: dir }, dir);
    await s.start();
    const log = join(dir, "container.log");
    await waitFor(() => readFileSync(log).subarray(-8).toString() === " 400000\n", "all lines logged");
    assert.ok(statSync(log).size > 8 << 20, "a log larger than the cut");
    const a = await s.attach("stdout tail=100000000");
    await waitOutput(a, "\n400000\n");
    await sleep(100);
    const got = a.stdout().toString();
    assert.ok(got.length < 4 << 20 && got.length > 100_000, `got ${got.length} bytes`);
    assert.ok(got.endsWith("\n399999\n400000\n"));
    assert.equal(a.closed(), false);
    writeFileSync(join(dir, "go"), "");
    await s.waitExit();
  });

  test("attach clients stay connected across restarts and see the new run's output", T, async () => {
    const s = await startShim(["sh", "-c", "echo run; exit 1"], { restart: "on-failure:2" });
    const a = await s.attach("stdout");
    await s.start();
    const exit = await s.waitExit();
    assert.equal(exit.restarts, 2);
    await waitFor(() => a.stdout().toString() === "run\nrun\nrun\n" || undefined, "three runs of output");
  });

  test("an unknown attach word is an error", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    await assert.rejects(s.request("A", "stdout colour"), /unknown attach word/);
  });
});

describe("stdin", () => {
  test("I frames reach the container's stdin; C half-closes it, so cat sees EOF and exits 0", T, async () => {
    const s = await startShim(["cat"], { stdin: true });
    const a = await s.attach("stdout stdin");
    await s.start();
    a.conn.send("I", "hello ");
    a.conn.send("I", "world\n");
    await waitOutput(a, "hello world\n");
    a.conn.send("I", Buffer.from([0, 1, 2, 255]));
    a.conn.send("C");
    const exit = await s.waitExit();
    assert.equal(exit.exitCode, 0);
    assert.equal(exit.reason, "exited");
    assert.ok(
      (await s.output()).equals(Buffer.concat([Buffer.from("hello world\n"), Buffer.from([0, 1, 2, 255])])),
    );
  });

  test("a large input is queued while the pipe is full and written in order", T, async () => {
    const s = await startShim(["sh", "-c", "sleep 0.3; wc -c"], { stdin: true });
    const a = await s.attach("stdout stdin");
    await s.start();
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    for (let i = 0; i < 12; i++) a.conn.send("I", chunk); // 3 MiB, more than a pipe holds
    a.conn.send("C");
    await s.waitExit();
    assert.equal((await s.output()).toString().trim(), String(12 * 256 * 1024));
  });

  test("I from a client attached without stdin is ignored", T, async () => {
    const s = await startShim(["sh", "-c", "read x; echo got-$x"], { stdin: true });
    const writer = await s.attach("stdout");
    const real = await s.attach("stdin");
    await s.start();
    writer.conn.send("I", "ignored\n");
    await sleep(50);
    real.conn.send("I", "kept\n");
    await s.waitExit();
    assert.equal((await s.output()).toString(), "got-kept\n");
  });

  test("the container closing its stdin early does not hurt the shim", T, async () => {
    const s = await startShim(["sh", "-c", `exec 0<&-; echo closed; sleep 1000`], { stdin: true });
    const a = await s.attach("stdout stdin");
    await s.start();
    await waitOutput(a, "closed");
    for (let i = 0; i < 20; i++) a.conn.send("I", Buffer.alloc(64 * 1024));
    a.conn.send("C");
    await sleep(50);
    assert.ok(alive(s.pid));
    assert.equal(await s.request("K", "9"), "ok");
    assert.equal((await s.waitExit()).exitCode, 137);
  });
});

describe("clients", () => {
  test("several clients at once each get the output, the events and their own replies", T, async () => {
    const s = await startShim(["sh", "-c", "echo one; echo two"]);
    const attached = await Promise.all([s.attach(), s.attach(), s.attach()]);
    const subs = await Promise.all([s.subscribe(), s.subscribe()]);
    await s.start();
    await s.waitExit();
    for (const a of attached) assert.equal(await waitOutput(a, "two"), "one\ntwo\n");
    for (const ev of subs) {
      await ev.waitFinal();
      assert.deepEqual(
        ev.events.map((e) => e.type),
        ["status", "start", "exit"],
      );
    }
  });

  test("a client that sends garbage is disconnected; the shim keeps working", T, async () => {
    const s = await startShim(["sleep", "1000"]);
    const closed = (payload: Buffer) =>
      new Promise<void>((resolve, reject) => {
        const sock = connect(s.sock);
        sock.on("error", () => {});
        sock.on("connect", () => sock.write(payload));
        sock.on("close", () => resolve());
        setTimeout(() => reject(new Error("not disconnected")), 10_000).unref();
        sock.resume();
      });
    await closed(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    // A frame announcing more than 1 MiB is refused from its header.
    const big = Buffer.alloc(5);
    big.write("I", 0, "latin1");
    big.writeUInt32BE((1 << 20) + 1, 1);
    await closed(big);
    // Frames only the shim sends are garbage from a client.
    await closed(encodeFrame("R", "ok"));
    assert.ok(alive(s.pid));
    const ev = await s.subscribe();
    assert.equal(ev.events[0]?.state, "created");
    assert.match(await s.start(), /^ok /);
  });

  test("a frame of exactly 1 MiB is accepted", T, async () => {
    const s = await startShim(["sh", "-c", "wc -c"], { stdin: true });
    const a = await s.attach("stdout stdin");
    await s.start();
    a.conn.send("I", Buffer.alloc(1 << 20, 0x62));
    a.conn.send("C");
    await s.waitExit();
    assert.equal((await s.output()).toString().trim(), String(1 << 20));
  });

  test("a client that stops reading is dropped past 8 MiB; the container is never blocked", T, async () => {
    const s = await startShim(["sh", "-c", "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 40000000"]);
    const slow = await s.attach("stdout");
    slow.conn.pause();
    await s.start();
    const exit = await s.waitExit(); // the shim got to the end while a client read nothing
    assert.equal(exit.exitCode, 0);
    slow.conn.resume();
    await waitFor(() => slow.closed(), "the slow client to be disconnected");
    assert.ok(slow.stdout().length < 20_000_000, `slow client got ${slow.stdout().length} bytes`);
    assert.equal((await s.output()).length, 40_000_000);
  });

  test("a client that disconnects mid-stream does not disturb the others", T, async () => {
    const dir = await tempDir();
    const s = await startShim(["sh", "-c", `echo first; ${gate}; echo second`], { cwd: dir }, dir);
    const quitter = await s.attach();
    const stayer = await s.attach();
    await s.start();
    await waitOutput(quitter, "first");
    quitter.conn.close();
    writeFileSync(join(dir, "go"), "");
    await s.waitExit();
    assert.equal(await waitOutput(stayer, "second"), "first\nsecond\n");
  });
});
