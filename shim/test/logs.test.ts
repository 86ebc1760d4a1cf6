// container.log: CRI records, byte-exact, and rotation (docs/shim.md, "Logs").
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { cleanup, parseRecords, reconstruct, startShim, tempDir, waitFor } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

async function run(command: string[], o = {}, dir?: string) {
  const s = await startShim(command, o, dir);
  await s.start();
  const exit = await s.waitExit();
  return { s, exit };
}

describe("records", () => {
  test("complete lines are F records with the newline removed, in the CRI format", T, async () => {
    const { s } = await run(["sh", "-c", "echo hello world; echo; echo 'tab\there'"]);
    const text = readFileSync(join(s.dir, "container.log"), "utf8");
    const lines = text.split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 3);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F /);
    const recs = await s.records();
    assert.deepEqual(
      recs.map((r) => [r.stream, r.tag, r.text.toString()]),
      [
        ["stdout", "F", "hello world"],
        ["stdout", "F", ""],
        ["stdout", "F", "tab\there"],
      ],
    );
  });

  test("a fragment without a newline is logged at once as P; the next record continues it", T, async () => {
    const dir = await tempDir();
    const s = await startShim(
      ["sh", "-c", "printf 'Password: '; while [ ! -e go ]; do sleep 0.01; done; printf 'secret\\nrest'"],
      { cwd: dir },
      dir,
    );
    await s.start();
    const first = await waitFor(async () => {
      const r = await s.records();
      return r.length > 0 ? r : undefined;
    }, "the prompt to be logged");
    assert.deepEqual(
      first.map((r) => [r.tag, r.text.toString()]),
      [["P", "Password: "]],
    );
    writeFileSync(join(dir, "go"), "");
    await s.waitExit();
    const recs = await s.records();
    assert.equal(recs[0]!.tag, "P");
    assert.equal(recs.at(-1)!.tag, "P");
    assert.equal(recs.at(-1)!.text.toString(), "rest");
    assert.equal((await s.output()).toString(), "Password: secret\nrest");
  });

  test("stdout and stderr are separate streams", T, async () => {
    const { s } = await run(["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf err2 >&2"]);
    const recs = await s.records();
    for (const r of recs) assert.match(r.time, TIME);
    assert.equal((await s.output("stdout")).toString(), "out1\nout2\n");
    assert.equal((await s.output("stderr")).toString(), "err1\nerr2");
  });

  test("record times are when the shim read the bytes, in order", T, async () => {
    const before = new Date().toISOString();
    const { s } = await run(["sh", "-c", "for i in 1 2 3 4 5; do echo $i; sleep 0.01; done"]);
    const after_ = new Date().toISOString();
    const times = (await s.records()).map((r) => r.time);
    assert.deepEqual([...times].sort(), times);
    // ISO strings compare as times once both have the same shape (milliseconds vs nanoseconds).
    assert.ok(times[0]!.slice(0, 23) >= before.slice(0, 23));
    assert.ok(times.at(-1)!.slice(0, 23) <= after_.slice(0, 23));
  });

  test("concatenating the records gives back arbitrary bytes exactly", T, async () => {
    const dir = await tempDir();
    const { s, exit } = await run(
      [
        "sh",
        "-c",
        "head -c 3000000 /dev/urandom > out.bin; head -c 100000 /dev/urandom > err.bin; cat out.bin; cat err.bin >&2; printf x",
      ],
      { cwd: dir },
      dir,
    );
    assert.equal(exit.exitCode, 0);
    const out = Buffer.concat([readFileSync(join(dir, "out.bin")), Buffer.from("x")]);
    assert.ok((await s.output("stdout")).equals(out), "stdout rebuilt byte for byte");
    assert.ok((await s.output("stderr")).equals(readFileSync(join(dir, "err.bin"))), "stderr rebuilt");
  });

  test("a log is appended to, not replaced, when a new shim starts in the same directory", T, async () => {
    const dir = await tempDir();
    await run(["echo", "first"], {}, dir);
    const { s } = await run(["echo", "second"], {}, dir);
    assert.equal((await s.output()).toString(), "first\nsecond\n");
  });
});

describe("rotation", () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line-${String(i).padStart(5, "0")}\n`);

  test("keeps at most --log-max-files files under the cap, the newest content, no line lost", T, async () => {
    const cap = 1000;
    const { s } = await run(
      ["sh", "-c", 'i=0; while [ $i -lt 400 ]; do echo "line-$(printf %05d $i)"; i=$((i+1)); done'],
      { logMaxSize: cap, logMaxFiles: 3 },
    );
    assert.deepEqual(s.logFiles(), ["container.log.2", "container.log.1", "container.log"]);
    for (const f of s.logFiles()) assert.ok(statSync(join(s.dir, f)).size <= cap, `${f} under the cap`);
    // The rotated files were filled up to the cap (less than one record short).
    for (const f of ["container.log.2", "container.log.1"])
      assert.ok(statSync(join(s.dir, f)).size > cap - 60);
    const kept = (await s.output()).toString();
    const all = lines(400).join("");
    assert.ok(all.endsWith(kept), "the retained content is the newest, contiguous");
    assert.ok(kept.startsWith("line-"), "the oldest file starts at a line");
  });

  test("a fast writer: every retained file is whole and the content is a contiguous suffix", T, async () => {
    const cap = 64 * 1024;
    const { s } = await run(["seq", "1", "200000"], { logMaxSize: cap, logMaxFiles: 4 });
    const files = s.logFiles();
    assert.equal(files.length, 4);
    for (const f of files) assert.ok(statSync(join(s.dir, f)).size <= cap);
    const kept = (await s.output()).toString();
    const nums = kept.trimEnd().split("\n").map(Number);
    assert.equal(nums.at(-1), 200000);
    assert.deepEqual(
      nums,
      nums.map((_, i) => nums[0]! + i),
    );
  });

  test("a line longer than the cap is cut into P fragments that fit", T, async () => {
    const cap = 500;
    const long = `${"x".repeat(3000)}\n`;
    const { s } = await run(["sh", "-c", `printf '%s' '${long}'; echo short`], {
      logMaxSize: cap,
      logMaxFiles: 20,
    });
    for (const f of s.logFiles()) assert.ok(statSync(join(s.dir, f)).size <= cap, `${f} under the cap`);
    assert.equal((await s.output()).toString(), `${long}short\n`);
  });

  test("--log-max-files 1 truncates instead of rotating", T, async () => {
    const cap = 300;
    const { s } = await run(
      ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo line-$i; done"],
      {
        logMaxSize: cap,
        logMaxFiles: 1,
      },
    );
    assert.deepEqual(s.logFiles(), ["container.log"]);
    const text = readFileSync(join(s.dir, "container.log"));
    assert.ok(text.length <= cap);
    const out = reconstruct(parseRecords(text), "stdout").toString();
    assert.ok(out.endsWith("line-14\nline-15\n"));
  });
});
