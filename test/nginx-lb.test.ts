// `bosund --lb nginx`: an app's exposed port is served by nginx, from the configuration bosund
// renders, checks and reloads as replicas come and go.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { freePort } from "./helpers/net.ts";

const run = promisify(execFile);
const nginx = await run("sh", ["-c", "command -v nginx"]).then(
  () => true,
  () => false,
);

describe("--lb nginx", {
  skip: nginx ? false : "nginx is not installed (.ci/run installs nginx-light)",
}, () => {
  let d: TestDaemon;
  let dir: string;
  let port: number;
  before(async () => {
    d = await startDaemon(["--lb", "nginx"]);
    dir = await mkdtemp(join(tmpdir(), "bosun-nginx-"));
    port = await freePort();
  });
  after(async () => {
    // nginx outlives bosund by design; the test kills the one it made (its master and workers).
    const pids = async (args: string[]) =>
      (await run("pgrep", args).catch(() => ({ stdout: "" }))).stdout.split("\n").filter(Boolean);
    const masters = await pids(["-f", `nginx -c ${d.root}/`]);
    const workers = (await Promise.all(masters.map((m) => pids(["-P", m])))).flat();
    for (const pid of [...masters, ...workers]) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {}
    }
    await d?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Requests until `done` says so (nginx reloads in the background; there is no event for it). */
  async function until(done: (bodies: Set<string>) => boolean): Promise<Set<string>> {
    const bodies = new Set<string>();
    const end = Date.now() + 30_000;
    while (Date.now() < end && !done(bodies)) {
      const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (r?.ok) bodies.add(await r.text());
      await sleep(50);
    }
    return bodies;
  }

  test("nginx serves the app's replicas on its exposed port, and follows a scale", async () => {
    const server =
      "require('http').createServer((q, s) => s.end('hi ' + process.env.PORT)).listen(process.env.PORT, '127.0.0.1')";
    const path = join(dir, "web.yaml");
    await writeFile(
      path,
      `kind: App\nname: web\nspec:\n  command: [node, -e, ${JSON.stringify(server)}]\n  replicas: 2\n  ports: [{name: http, expose: ${port}}]\n  health: {http: {path: /, port: http}, interval: 200ms, startPeriod: 20s}\n  stopTimeout: 1s\n`,
    );
    assert.equal((await d.cli(["apply", "-f", path])).code, 0);
    assert.equal((await d.cli(["rollout", "status", "web"], { timeoutMs: 60_000 })).code, 0);
    const want = (await d.client.app("web")).replicas.map((r) => `hi ${r.ports.http}`).sort();
    const seen = await until((b) => b.size >= 2);
    assert.deepEqual([...seen].sort(), want);
    const conf = await readFile(join(d.root, "nginx", "nginx.conf"), "utf8");
    assert.match(conf, new RegExp(`listen .*${port}`));

    await d.cli(["scale", "web", "1"]);
    assert.equal((await d.cli(["rollout", "status", "web"], { timeoutMs: 60_000 })).code, 0);
    const [left] = (await d.client.app("web")).replicas.map((r) => `hi ${r.ports.http}`);
    // Once nginx has reloaded, only the remaining replica answers, five times in a row.
    const recent: string[] = [];
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(recent.length === 5 && recent.every((b) => b === left))) {
      const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (r?.ok) recent.push(await r.text());
      if (recent.length > 5) recent.shift();
      await sleep(50);
    }
    assert.deepEqual(recent, [left, left, left, left, left]);
    await d.cli(["app", "rm", "web"]);
  });
});
