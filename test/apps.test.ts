// Apps end to end through the CLI and a real bosund: apply, health, scale, rolling updates and
// their automatic rollback, adoption after kill -9 of the daemon, and the spec's error messages.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { AppView } from "../src/api/apps.ts";
import { combineSpecFiles, readSpecFile } from "../src/control/spec/load-specs.ts";
import { specHash } from "../src/control/spec/spec-hash.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

let d: TestDaemon;
let dir: string;
before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), "bosun-apps-"));
});
after(async () => {
  await d?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A tiny HTTP server on $PORT that answers `greeting`; it never listens when `broken`. The start
 * period keeps a replica that is slow to start on a loaded machine from counting as unhealthy.
 */
function appYaml(name: string, replicas: number, greeting: string, opts: { broken?: boolean } = {}): string {
  const server = opts.broken
    ? "setInterval(() => {}, 1000)"
    : `require('http').createServer((q, s) => s.end('${greeting} ' + process.env.PORT)).listen(process.env.PORT, '127.0.0.1')`;
  return `kind: App
name: ${name}
spec:
  command: [node, -e, "${server}"]
  replicas: ${replicas}
  ports: [{name: http}]
  health: {http: {path: /, port: http}, interval: 200ms, timeout: 1s, failureThreshold: 2, startPeriod: ${opts.broken ? "0s" : "20s"}}
  update: {maxSurge: 1, maxUnavailable: 0}
  stopTimeout: 1s
`;
}

async function apply(file: string, text: string): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, text);
  const r = await d.cli(["apply", "-f", path]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Waits for the rollout to end (the CLI's rollout status) and returns its exit code. */
async function rolloutStatus(name: string): Promise<number> {
  const r = await d.cli(["rollout", "status", name], { timeoutMs: 60_000 });
  if (r.code === 128) {
    // Timed out: say what the app looked like, for the failure's report.
    const a = await d.client.app(name).catch((e: Error) => e.message);
    process.stderr.write(`rollout status ${name} timed out:\n${r.stdout}\n${JSON.stringify(a, null, 1)}\n`);
  }
  return r.code;
}

async function app(name: string): Promise<AppView> {
  return d.client.app(name);
}

test("apply 3 replicas: all run and become healthy; the same spec again changes nothing", async () => {
  assert.equal(await apply("web.yaml", appYaml("web", 3, "v1")), "web: created (generation 1)\n");
  assert.equal(await rolloutStatus("web"), 0);
  const a = await app("web");
  assert.deepEqual([a.ready, a.desired, a.generation], [3, 3, 1]);
  assert.deepEqual(
    a.replicas.map((r) => [r.name, r.health]),
    [
      ["web-0", "healthy"],
      ["web-1", "healthy"],
      ["web-2", "healthy"],
    ],
  );
  // Each replica answers on its own port.
  const answers = await Promise.all(
    a.replicas.map(async (r) => (await fetch(`http://127.0.0.1:${r.ports.http}/`)).text()),
  );
  assert.deepEqual(
    answers,
    a.replicas.map((r) => `v1 ${r.ports.http}`),
  );
  assert.equal(await apply("web.yaml", appYaml("web", 3, "v1")), "web: unchanged\n");
  assert.equal((await app("web")).generation, 1);
  // Health per replica in ps and inspect, as Docker shows it.
  const ps = await d.cli(["ps", "--filter", "label=bosun.app=web"]);
  assert.equal((ps.stdout.match(/Up .*\(healthy\)/g) ?? []).length, 3, ps.stdout);
  assert.equal((await d.client.inspect("web-0")).state.health, "healthy");
  const ls = await d.cli(["apps"]);
  assert.match(ls.stdout, /^web\s+3\/3\s+complete\s+http\s+/m);
});

test("scale 3 → 1 and back to 2, with no new generation", async () => {
  await d.cli(["scale", "web", "1"]);
  assert.equal(await rolloutStatus("web"), 0);
  let a = await app("web");
  assert.deepEqual([a.replicas.length, a.ready, a.generation], [1, 1, 1]);
  await d.cli(["scale", "web", "2"]);
  assert.equal(await rolloutStatus("web"), 0);
  a = await app("web");
  assert.deepEqual([a.replicas.length, a.ready, a.generation], [2, 2, 1]);
});

test("a rolling update replaces every replica with the new spec, never below the count ready", async () => {
  const diff = await d.cli(["diff", "-f", join(dir, "web.yaml")]);
  assert.equal(diff.code, 0, "nothing to apply yet");
  await writeFile(join(dir, "web2.yaml"), appYaml("web", 2, "v2"));
  const changes = await d.cli(["diff", "-f", join(dir, "web2.yaml")]);
  assert.equal(changes.code, 1);
  assert.match(changes.stdout, /spec\.command:/);
  assert.equal(await apply("web2.yaml", appYaml("web", 2, "v2")), "web: configured (generation 2)\n");
  assert.equal(await rolloutStatus("web"), 0);
  const a = await app("web");
  assert.equal(a.replicas.length, 2);
  for (const r of a.replicas) {
    assert.equal(r.generation, 2);
    assert.equal(await (await fetch(`http://127.0.0.1:${r.ports.http}/`)).text(), `v2 ${r.ports.http}`);
  }
});

test("a bad update that never becomes healthy rolls back by itself", async () => {
  await apply("bad.yaml", appYaml("web", 2, "v3", { broken: true }));
  assert.equal(await rolloutStatus("web"), 1, "rollout status fails");
  // Back on the last good spec, as a new generation, with every replica healthy.
  const until = Date.now() + 60_000;
  let a = await app("web");
  while (Date.now() < until && !(a.status === "rolled-back" || a.status === "complete")) a = await app("web");
  assert.ok(a.generation >= 3);
  assert.equal(a.ready, 2);
  for (const r of a.replicas) {
    assert.equal(await (await fetch(`http://127.0.0.1:${r.ports.http}/`)).text(), `v2 ${r.ports.http}`);
  }
});

test("an update that crash-loops under restart: always is reported and rolled back before the deadline", async () => {
  const spec = (command: string) =>
    `kind: App\nname: loop\nspec:\n  command: [sh, -c, '${command}']\n  replicas: 1\n  update: {minReadySeconds: 1}\n  stopTimeout: 1s\n`;
  await apply("loop.yaml", spec("sleep 1000"));
  assert.equal(await rolloutStatus("loop"), 0);
  await apply("loop.yaml", spec("exit 3"));
  assert.equal(await rolloutStatus("loop"), 1, "rollout status fails");
  const r = await d.cli(["events", "--until", "0s", "--filter", "app=loop"]);
  // Three restarts (the shim's backoff: 0, 0.1 and 0.2 s), not the 60 s progress deadline.
  assert.match(r.stdout, /replica\.crash-looping/);
  assert.match(r.stdout, /rollout\.failed.*restarted 3 times without a stable run/);
  const a = await app("loop");
  assert.equal(a.ready, 1);
  assert.deepEqual(
    a.replicas.map((r) => [r.crashLooping, r.restarts]),
    [[false, 0]],
    "the replica rolled back to runs steadily",
  );
  await d.cli(["app", "rm", "loop"]);
  // With nothing to roll back to, the replica stays, paced by the shim's backoff, and says so.
  await apply("crash.yaml", spec("exit 3").replace("name: loop", "name: crash"));
  assert.equal(await rolloutStatus("crash"), 1);
  const [replica] = (await app("crash")).replicas;
  assert.equal(replica?.crashLooping, true);
  assert.ok((replica?.restarts ?? 0) >= 3, `restarts: ${replica?.restarts}`);
  assert.match((await d.cli(["apps"])).stdout, /crash +0\/1 +failed, 1 crash-looping/);
  await d.cli(["app", "rm", "crash"]);
});

test("a replica found created but never started (bosund died between the two) is started", async () => {
  const text = "kind: App\nname: held\nspec:\n  command: [sleep, '1000']\n  replicas: 1\n  stopTimeout: 1s\n";
  const [spec] = combineSpecFiles([readSpecFile(text, "held.yaml")]).specs;
  // What the controller would have created for slot 0 of generation 1, before the app exists.
  const { id } = await d.client.create({
    command: ["sleep", "1000"],
    labels: {
      "bosun.app": "held",
      "bosun.replica": "0",
      "bosun.generation": "1",
      "bosun.spec": specHash(spec!),
    },
  });
  await apply("held.yaml", text);
  assert.equal(await rolloutStatus("held"), 0);
  assert.deepEqual(
    (await app("held")).replicas.map((r) => [r.id, r.status]),
    [[id, "running"]],
  );
  await d.cli(["app", "rm", "held"]);
});

test("after kill -9 of bosund, the app resumes: its replicas are adopted, none duplicated or lost", async () => {
  const before = (await app("web")).replicas.map((r) => r.id).sort();
  await d.kill9();
  await d.restart();
  assert.equal(await rolloutStatus("web"), 0);
  const a = await app("web");
  assert.deepEqual(a.replicas.map((r) => r.id).sort(), before);
  assert.equal(a.ready, 2);
});

test("spec errors name the field and the line; nothing is applied", async () => {
  const path = join(dir, "broken.yaml");
  await writeFile(
    path,
    "kind: App\nname: api\nspec:\n  command: [sleep, '1']\n  replicas: -1\n  health: {tcp: {port: http}, interval: fast}\n",
  );
  const r = await d.cli(["apply", "-f", path]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /spec\.health\.interval: expected a duration like "5s", got "fast" \(.*broken\.yaml:6\)/,
  );
  assert.match(r.stderr, /spec\.replicas: must be at least 0 \(.*broken\.yaml:5\)/);
  await assert.rejects(app("api"), /no app named api/);
});

test("app events are kept across a daemon restart, and filter by app and type", async () => {
  const r = await d.cli([
    "events",
    "--since",
    "10m",
    "--until",
    "0s",
    "--filter",
    "app=web",
    "--filter",
    "type=app",
  ]);
  assert.equal(r.code, 0, r.stderr);
  // Written before the kill -9 above, read back from the store.
  assert.match(r.stdout, /app\.applied/);
  assert.match(r.stdout, /rollout\.rolling-back|rollout\.failed/);
});

test("logs app/NAME interleaves every replica's lines, each with its replica's name", async () => {
  await apply(
    "talk.yaml",
    "kind: App\nname: talk\nspec:\n  command: [sh, -c, 'echo hello; sleep 1000']\n  replicas: 2\n  stopTimeout: 1s\n",
  );
  assert.equal(await rolloutStatus("talk"), 0);
  const until = Date.now() + 20_000;
  let out = "";
  while (Date.now() < until && (out.match(/hello/g) ?? []).length < 2)
    out = (await d.cli(["logs", "app/talk"])).stdout;
  assert.deepEqual(out.split("\n").filter(Boolean).sort(), ["talk-0 | hello", "talk-1 | hello"]);
  await d.cli(["app", "rm", "talk"]);
});

test("app rm stops its replicas and forgets it", async () => {
  await d.cli(["app", "rm", "web"]);
  assert.deepEqual(
    (await d.client.list({ all: true })).filter((c) => c.labels["bosun.app"] === "web"),
    [],
  );
  assert.deepEqual(await d.client.apps(), []);
});
