// What the CLI says when it cannot do anything: no daemon, or flags it refuses. These run the
// real CLI against a socket where nothing listens, so a flag that were sent would show up as
// "cannot reach bosund" instead of the flag's own message.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BOSUN, type RunResult } from "./helpers/daemon.ts";

let dir: string;
let socket: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "bosun-cli-errors-"));
  socket = join(dir, "nobody-listens.sock");
});
after(() => rm(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((ok) => {
    const c = spawn(process.execPath, [BOSUN, ...args], {
      env: { ...process.env, BOSUN_SOCKET: socket, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (b) => (stdout += b));
    c.stderr.on("data", (b) => (stderr += b));
    const guard = setTimeout(() => c.kill("SIGKILL"), 30_000);
    c.on("close", (code) => {
      clearTimeout(guard);
      ok({ code: code ?? 128, stdout, stderr });
    });
  });
}

describe("without a daemon", () => {
  test("every verb says it cannot reach bosund at the socket, and exits 1", async () => {
    for (const args of [["ps"], ["logs", "web"], ["run", "--", "true"], ["attach", "web"]]) {
      const r = await cli(args);
      assert.equal(
        r.stderr,
        `cannot reach bosund at ${socket}: is it running? start it with \`bosund\`\n`,
        args[0],
      );
      assert.equal(r.code, 1, args[0]);
    }
  });

  test("--socket beats BOSUN_SOCKET", async () => {
    const other = join(dir, "other.sock");
    const r = await cli(["--socket", other, "ps"]);
    assert.match(r.stderr, new RegExp(`^cannot reach bosund at ${other}:`));
    const after = await cli(["ps", "--socket", other]);
    assert.match(after.stderr, new RegExp(`^cannot reach bosund at ${other}:`));
  });
});

describe("bad flags are refused before anything is sent", () => {
  const cases: [string[], RegExp][] = [
    [["run", "--restart", "sometimes", "--", "true"], /^bosun: --restart: expected "no", "always"/],
    [["run", "-e", "=oops", "--", "true"], /^bosun: -e: a variable needs a name/],
    [["run", "--log-max-size", "huge", "--", "true"], /^bosun: --log-max-size: expected a size like 10m/],
    [["run", "--stop-timeout", "soon", "--", "true"], /^bosun: --stop-timeout: expected a whole number/],
    [["run", "--stop-signal", "SIGNOPE", "--", "true"], /^bosun: --stop-signal: unknown signal/],
    [["create", "--name", "-bad", "--", "true"], /^bosun: --name: /],
    [["run", "-d"], /^bosun: a command is required/],
  ];
  for (const [args, message] of cases) {
    test(`bosun ${args.join(" ")} exits 125 and names the flag`, async () => {
      const r = await cli(args);
      assert.match(r.stderr, message);
      assert.equal(r.code, 125);
    });
  }

  test("a missing --env-file is refused, naming the file", async () => {
    // Node 20 itself reads `--env-file` anywhere in argv (a node bug), so a missing file is
    // reported by node, before bosun runs; bosun's own message covers node versions without it.
    const r = await cli(["run", "--env-file", join(dir, "missing.env"), "--", "true"]);
    assert.match(r.stderr, /missing\.env/);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /cannot reach bosund/);
  });

  test("an unknown option is a usage error (exit 2) that names it", async () => {
    const r = await cli(["ps", "--bogus"]);
    assert.match(r.stderr, /^bosun: unknown option '--bogus'/);
    assert.equal(r.code, 2);
  });

  test("other verbs refuse bad values with exit 2", async () => {
    for (const [args, message] of [
      [["kill", "-s", "NOPE", "web"], /^bosun: -s: unknown signal "NOPE"/],
      [["stop", "-t", "ten", "web"], /^bosun: -t: expected a whole number/],
      [["logs", "--tail", "many", "web"], /^bosun: --tail: expected a number of lines or "all"/],
      [["logs", "--since", "yesterday", "web"], /^bosun: --since: expected a duration/],
      [["ps", "--filter", "colour=red"], /^bosun: --filter: unknown filter "colour"/],
      [["ps", "--format", "{{.ID}}"], /^bosun: --format: expected "json" or "table"/],
    ] as const) {
      const r = await cli([...args]);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.code, 2, args.join(" "));
    }
  });

  test("--help succeeds", async () => {
    const r = await cli(["run", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: bosun run \[options\] \[--\] COMMAND \[ARG\.\.\.\]/);
  });
});
