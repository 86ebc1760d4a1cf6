// The built-in load balancer in front of an app's replicas, under steady load: requests reach
// every replica, and a killed replica, a failing health check, a rolling update and a scale-in
// all pass with no failed request.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { freePort } from "./helpers/net.ts";

let d: TestDaemon;
let dir: string;
let port: number;

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), "bosun-lb-"));
  port = await freePort();
});
after(async () => {
  await d?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Answers "VERSION PORT"; /healthz fails while the file `sick-PORT` exists in the test's dir. */
function appYaml(replicas: number, version: string): string {
  const server = [
    "const fs = require('fs');",
    "require('http').createServer((q, s) => {",
    `  if (q.url === '/healthz') { s.statusCode = fs.existsSync('${dir}/sick-' + process.env.PORT) ? 500 : 200; return s.end(); }`,
    `  s.end('${version} ' + process.env.PORT);`,
    "}).listen(process.env.PORT, '127.0.0.1');",
  ].join(" ");
  return `kind: App
name: lb
spec:
  command: [node, -e, ${JSON.stringify(server)}]
  replicas: ${replicas}
  ports: [{name: http, expose: ${port}}]
  health: {http: {path: /healthz, port: http}, interval: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: 20s}
  update: {maxSurge: 1, maxUnavailable: 0}
  stopTimeout: 2s
`;
}

async function apply(text: string): Promise<void> {
  const path = join(dir, "lb.yaml");
  await writeFile(path, text);
  const r = await d.cli(["apply", "-f", path]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await d.cli(["rollout", "status", "lb"], { timeoutMs: 60_000 })).code, 0);
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function get(): Promise<string> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () =>
        res.statusCode === 200 ? ok(body) : fail(new Error(`HTTP ${res.statusCode}: ${body}`)),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

/** Runs `during` while 4 clients send requests through the balancer; counts answers and errors. */
async function underLoad(
  during: () => Promise<void>,
): Promise<{ ok: number; errors: string[]; seen: Set<string> }> {
  const result = { ok: 0, errors: [] as string[], seen: new Set<string>() };
  let running = true;
  const client = async () => {
    while (running) {
      try {
        result.seen.add(await get());
        result.ok++;
      } catch (e) {
        result.errors.push((e as Error).message);
      }
    }
  };
  const clients = [client(), client(), client(), client()];
  try {
    await during();
  } finally {
    running = false;
    await Promise.all(clients);
  }
  return result;
}

test("requests through the balancer reach all three replicas", async () => {
  await apply(appYaml(3, "v1"));
  const r = await underLoad(() => sleep(1000));
  assert.deepEqual(r.errors, []);
  const ports = (await d.client.app("lb")).replicas.map((x) => `v1 ${x.ports.http}`).sort();
  assert.deepEqual([...r.seen].sort(), ports);
  const traffic = (await d.client.app("lb")).traffic.http as { app?: { requests?: number } } | undefined;
  assert.ok(traffic, "the app's metrics are in inspect");
});

test("a killed replica is replaced and no request fails", async () => {
  const victim = (await d.client.app("lb")).replicas[0]!;
  const r = await underLoad(async () => {
    await sleep(200);
    process.kill((await d.client.inspect(victim.id)).state.pid!, "SIGKILL");
    // Back in rotation once healthy again.
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const a = await d.client.app("lb");
      if (a.ready === 3 && (await d.client.inspect(victim.id)).state.restarts > 0) break;
      await sleep(100);
    }
    await sleep(300);
  });
  assert.deepEqual(r.errors, []);
  assert.ok(r.ok > 0);
});

test("a replica whose health check fails leaves the rotation before it is replaced", async () => {
  const sick = (await d.client.app("lb")).replicas[1]!;
  const r = await underLoad(async () => {
    await writeFile(join(dir, `sick-${sick.ports.http}`), "");
    const until = Date.now() + 30_000;
    // Replaced: the sick one is gone, three healthy others serve.
    while (Date.now() < until) {
      const a = await d.client.app("lb");
      if (a.ready === 3 && !a.replicas.some((x) => x.id === sick.id)) break;
      await sleep(100);
    }
  });
  assert.deepEqual(r.errors, []);
  assert.ok(!(await d.client.app("lb")).replicas.some((x) => x.id === sick.id), "it was replaced");
});

test("a rolling update under load completes with no failed request", async () => {
  const r = await underLoad(() => apply(appYaml(3, "v2")));
  assert.deepEqual(r.errors, []);
  const after = await underLoad(() => sleep(500));
  assert.ok(
    [...after.seen].every((s) => s.startsWith("v2 ")),
    [...after.seen].join(", "),
  );
});

test("scale 3 → 1 under load: no failed request", async () => {
  const r = await underLoad(async () => {
    await d.cli(["scale", "lb", "1"]);
    assert.equal((await d.cli(["rollout", "status", "lb"], { timeoutMs: 60_000 })).code, 0);
  });
  assert.deepEqual(r.errors, []);
  assert.equal((await d.client.app("lb")).replicas.length, 1);
  await d.cli(["app", "rm", "lb"]);
  agent.destroy();
});
