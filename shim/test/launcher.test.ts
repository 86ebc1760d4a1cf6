// bosun-shim --launcher: a resident process that forks shims on request (shim/src/launcher.c).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { encodeLaunch } from "../../src/runtime/shim-launcher.ts";
import { adoptShim, alive, cleanup, SHIM, tempDir, track } from "./helpers.ts";

after(cleanup);

const T = { timeout: 30_000 };

/** Starts a launcher; line(tag) resolves with the line it prints under that tag. */
function launcher() {
  const child = spawn(SHIM, ["--launcher"], { stdio: ["pipe", "pipe", "inherit"] });
  track(child.pid!);
  const waiting = new Map<string, (line: string) => void>();
  const early = new Map<string, string>();
  let buf = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    const parts = (buf + s).split("\n");
    buf = parts.pop()!;
    for (const l of parts) {
      const tag = l.slice(0, l.indexOf(" "));
      const rest = l.slice(l.indexOf(" ") + 1);
      const w = waiting.get(tag);
      if (w) w(rest);
      else early.set(tag, rest);
    }
  });
  const line = (tag: string) =>
    new Promise<string>((resolve) => {
      const got = early.get(tag);
      if (got !== undefined) resolve(got);
      else waiting.set(tag, resolve);
    });
  return { child, line };
}

test(
  "starts several shims at once, each answering under its own tag with its own environment",
  T,
  async () => {
    const l = launcher();
    const dirs = await Promise.all([tempDir(), tempDir(), tempDir()]);
    for (const [i, dir] of dirs.entries()) {
      const argv = ["bosun-shim", "--dir", dir, "--", "sh", "-c", 'echo "$WHO"'];
      l.child.stdin.write(encodeLaunch(`t${i}`, argv, { PATH: "/usr/bin:/bin", WHO: `shim ${i}` }));
    }
    for (const [i, dir] of dirs.entries()) {
      const ready = await l.line(`t${i}`);
      assert.match(ready, /^ready \d+ \d+$/);
      const shim = adoptShim(dir, ready);
      const c = await shim.connect();
      await c.request("S");
      await shim.waitExit();
      assert.match(await readFile(join(dir, "container.log"), "utf8"), new RegExp(` stdout F shim ${i}\\n$`));
    }
    l.child.stdin.end();
  },
);

test("a bad request gets a tagged error line and the launcher keeps serving", T, async () => {
  const l = launcher();
  l.child.stdin.write(
    encodeLaunch("bad", ["bosun-shim", "--restart", "sometimes", "--dir", "/tmp", "--", "true"], {}),
  );
  assert.match(await l.line("bad"), /^error invalid --restart sometimes/);
  const dir = await tempDir();
  l.child.stdin.write(encodeLaunch("good", ["bosun-shim", "--dir", dir, "--", "true"], {}));
  const ready = await l.line("good");
  assert.match(ready, /^ready /);
  adoptShim(dir, ready);
  l.child.stdin.end();
});

test("shims outlive the launcher, and the launcher ends at EOF", T, async () => {
  const l = launcher();
  const dir = await tempDir();
  l.child.stdin.write(encodeLaunch("x", ["bosun-shim", "--dir", dir, "--", "sleep", "1000"], {}));
  const shim = adoptShim(dir, await l.line("x"));
  const exited = new Promise((ok) => l.child.once("exit", ok));
  l.child.stdin.end();
  assert.equal(await exited, 0);
  assert.ok(alive(shim.pid), "the shim did not go with its launcher");
});
