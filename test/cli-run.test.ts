// `bosun run`, end to end against a real bosund and shims.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

/** Resolves with everything the child printed once `done` holds for it. */
function stdoutUntil(child: ChildProcess, done: (out: string) => boolean): Promise<string> {
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
      if (done(out)) ok(out);
    });
    child.once("exit", () => fail(new Error(`the CLI exited before it printed what was expected: ${out}`)));
  });
}

describe("bosun run", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  test("run -d prints the full id, and ps shows the container Up", async () => {
    const r = await d.cli(["run", "-d", "--name", "sleeper", "--", "sleep", "1000"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    const ps = await d.cli(["ps"]);
    assert.equal(ps.code, 0, ps.stderr);
    const id = r.stdout.slice(0, 12);
    assert.match(ps.stdout, /^ID\s+NAME\s+COMMAND\s+STATUS\s+RESTARTS\s+CREATED\n/);
    assert.match(ps.stdout, new RegExp(`^${id}\\s+sleeper\\s+"sleep 1000"\\s+Up .+?\\s+0\\s+.+ ago$`, "m"));
  });

  test("run exits with the container's exit code", async () => {
    const r = await d.cli(["run", "--", "sh", "-c", "exit 3"]);
    assert.equal(r.code, 3, r.stderr);
  });

  test("run takes the command as trailing arguments too, their options included", async () => {
    const r = await d.cli(["run", "sh", "-c", "echo trailing"]);
    assert.equal(r.stdout, "trailing\n");
    assert.equal(r.code, 0);
  });

  test("run sends the container's stdout to stdout and its stderr to stderr", async () => {
    const r = await d.cli(["run", "--", "sh", "-c", "echo out; echo err >&2"]);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal(r.code, 0);
  });

  test("echo hi | bosun run -i -- cat prints hi and exits 0", async () => {
    const r = await d.cli(["run", "-i", "--", "cat"], { input: "hi\n" });
    assert.equal(r.stdout, "hi\n");
    assert.equal(r.code, 0, r.stderr);
  });

  test("run -i passes a large stdin through intact", async () => {
    const input = `${"0123456789abcdef".repeat(64)}\n`.repeat(256);
    const r = await d.cli(["run", "-i", "--", "wc", "-c"], { input });
    assert.equal(r.stdout.trim(), String(input.length));
  });

  test("run --rm leaves nothing in ps -a", async () => {
    const r = await d.cli(["run", "--rm", "--name", "ephemeral", "--", "sh", "-c", "echo bye; exit 4"]);
    assert.equal(r.stdout, "bye\n");
    assert.equal(r.code, 4);
    const ps = await d.cli(["ps", "-a", "--format", "json"]);
    assert.deepEqual(
      (JSON.parse(ps.stdout) as { name: string }[]).map((c) => c.name).filter((n) => n === "ephemeral"),
      [],
    );
  });

  test("run passes -e, --env-file, -l and -w to the container", async () => {
    const envFile = join(d.root, "app.env");
    await writeFile(envFile, "# comment\nFROM_FILE=file\nB=from-file\n");
    const r = await d.cli(
      [
        "run",
        "--name",
        "configured",
        "-l",
        "tier=web",
        "--env-file",
        envFile,
        "-e",
        "B=flag",
        "-e",
        "FROM_CLI",
      ].concat(["-w", "/tmp", "--", "sh", "-c", 'echo "$FROM_FILE $B $FROM_CLI"; pwd']),
      { env: { FROM_CLI: "copied" } },
    );
    assert.equal(r.stdout, "file flag copied\n/tmp\n");
    const inspect = await d.cli(["inspect", "configured"]);
    assert.deepEqual((JSON.parse(inspect.stdout) as { labels: object }[])[0]?.labels, { tier: "web" });
  });

  test("run uses the CLI's current directory by default", async () => {
    const r = await d.cli(["run", "--", "pwd"]);
    assert.equal(r.stdout, `${process.cwd()}\n`);
  });

  test("Ctrl-C in the foreground goes to the container, and run exits with its code", async () => {
    const child = d.spawnCli([
      "run",
      "--",
      "sh",
      "-c",
      "trap 'echo got INT; exit 7' INT; echo ready; while :; do sleep 0.1; done",
    ]);
    try {
      await stdoutUntil(child, (out) => out.includes("ready\n"));
      const exited = once(child, "exit");
      let out = "";
      child.stdout!.on("data", (b) => (out += b));
      child.kill("SIGINT");
      const [code] = await exited;
      assert.equal(code, 7);
      assert.match(out, /got INT/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("a name in use fails with 125, the message and its hint", async () => {
    await d.cli(["create", "--name", "taken", "--", "true"]);
    const r = await d.cli(["run", "--name", "taken", "--", "true"]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^bosun: .*taken.*\nremove it with `bosun rm`, or pick another --name\n$/);
  });

  test("a command that cannot be run fails with 127 and says why, as a shell would", async () => {
    const r = await d.cli(["run", "--", "/nonexistent/binary"]);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /^bosun: .*\/nonexistent\/binary.*\n/);
  });

  test("a command that is not executable fails with 126, with --rm and -d too", async () => {
    assert.equal((await d.cli(["run", "--", "/etc/passwd"])).code, 126);
    assert.equal((await d.cli(["run", "--rm", "--", "/etc/passwd"])).code, 126);
    assert.equal((await d.cli(["run", "-d", "--rm", "--", "/nonexistent/binary"])).code, 127);
  });
});
