import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { deadPort, fetchVia, startBackend } from "./fake-backend.ts";
import { applyNginx, renderNginxConfig } from "./nginx.ts";
import type { RouteSpec } from "./route-spec.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "bosun-nginx-"));
  dirs.push(d);
  return d;
}

const web: RouteSpec = {
  app: "web",
  strategy: "round-robin",
  backends: [
    { id: "web-1", host: "127.0.0.1", port: 8001, ready: true },
    { id: "web-2", host: "127.0.0.1", port: 8002, ready: false },
  ],
};

test("renderNginxConfig() writes an upstream per app with keep-alive and the upgrade headers", () => {
  const text = renderNginxConfig(
    [
      web,
      {
        app: "api",
        strategy: "least-connections",
        backends: [{ id: "api-1", host: "::1", port: 9000, ready: true }],
      },
    ],
    [
      { port: 8080, apps: ["web"] },
      { port: 9090, address: "127.0.0.1", apps: ["api"] },
    ],
  );
  assert.match(
    text,
    /upstream bosun_web \{\n {4}server 127\.0\.0\.1:8001; # web-1\n {4}server 127\.0\.0\.1:8002 down; # web-2\n {4}keepalive 64;\n {2}\}/,
  );
  assert.match(text, /upstream bosun_api \{\n {4}least_conn;\n {4}server \[::1\]:9000; # api-1/);
  assert.match(text, /proxy_http_version 1\.1;/);
  assert.match(text, /proxy_set_header Upgrade \$http_upgrade;/);
  assert.match(text, /proxy_set_header Connection \$connection_upgrade;/);
  assert.match(text, /map \$http_upgrade \$connection_upgrade \{ default upgrade; '' ''; \}/);
  assert.match(
    text,
    /listen 8080 default_server;\n {4}server_name _;\n {4}location \/ \{ proxy_pass http:\/\/bosun_web; \}/,
  );
  assert.match(
    text,
    /listen 127\.0\.0\.1:9090 default_server;\n {4}server_name _;\n {4}location \/ \{ proxy_pass http:\/\/bosun_api; \}/,
  );
  assert.equal(text.match(/server \{/g)?.length, 2);
});

test("renderNginxConfig() turns host and path routes into server blocks and whole-segment locations", () => {
  const route = (app: string, extra: Partial<RouteSpec>): RouteSpec => ({
    app,
    strategy: "round-robin",
    backends: [{ id: `${app}-1`, host: "127.0.0.1", port: 7000, ready: true }],
    ...extra,
  });
  const text = renderNginxConfig(
    [
      route("api", { host: "api.example.com", pathPrefix: "/v2" }),
      route("assets", { pathPrefix: "/static/" }),
      route("site", {}),
      route("admin", { host: "admin.example.com" }),
    ],
    [{ port: 80 }],
  );
  const servers = text.split("  server {").slice(1);
  assert.equal(servers.length, 3);
  const [fallback, api, admin] = servers as [string, string, string];
  assert.match(fallback, /server_name _;/);
  assert.match(fallback, /location = \/static \{ proxy_pass http:\/\/bosun_assets; \}/);
  assert.match(fallback, /location \/static\/ \{ proxy_pass http:\/\/bosun_assets; \}/);
  assert.match(fallback, /location \/ \{ proxy_pass http:\/\/bosun_site; \}/);
  // api.example.com has only /v2 of its own: the other paths fall back to the any-host routes.
  assert.match(api, /server_name api\.example\.com;/);
  assert.match(api, /location \/v2\/ \{ proxy_pass http:\/\/bosun_api; \}/);
  assert.match(api, /location \/static\/ \{ proxy_pass http:\/\/bosun_assets; \}/);
  assert.match(api, /location \/ \{ proxy_pass http:\/\/bosun_site; \}/);
  // admin.example.com takes every path itself.
  assert.match(admin, /location \/ \{ proxy_pass http:\/\/bosun_admin; \}/);
  assert.doesNotMatch(admin, /bosun_assets|bosun_site/);
});

test("renderNginxConfig() answers 503 for an app with no ready backend and 404 where nothing matches", () => {
  const text = renderNginxConfig(
    [{ app: "down", host: "down.test", strategy: "round-robin", backends: [{ ...web.backends[1]! }] }],
    [{ port: 80 }],
  );
  assert.doesNotMatch(text, /upstream bosun/);
  assert.match(
    text,
    /server_name down\.test;\n {4}location \/ \{ return 503 "no ready backend for this app\\n"; \}/,
  );
  assert.match(
    text,
    /server_name _;\n {4}location \/ \{ return 404 "no route for this host and path\\n"; \}/,
  );
});

test("renderNginxConfig() gives a route with a response timeout its proxy_read_timeout", () => {
  const text = renderNginxConfig(
    [
      { ...web, responseTimeoutMs: 30_000 },
      { ...web, app: "api", pathPrefix: "/api", responseTimeoutMs: 1500 },
      { ...web, app: "plain", pathPrefix: "/plain" },
    ],
    [{ port: 80 }],
  );
  assert.match(text, /location \/ \{ proxy_pass http:\/\/bosun_web; proxy_read_timeout 30s; \}/);
  assert.match(text, /location = \/api \{ proxy_pass http:\/\/bosun_api; proxy_read_timeout 1500ms; \}/);
  assert.match(text, /location \/api\/ \{ proxy_pass http:\/\/bosun_api; proxy_read_timeout 1500ms; \}/);
  assert.match(text, /location \/plain\/ \{ proxy_pass http:\/\/bosun_plain; \}/);
  assert.equal(text.match(/proxy_read_timeout/g)?.length, 3);
  for (const bad of [0, -1, 1.5, Number.NaN])
    assert.throws(
      () => renderNginxConfig([{ ...web, responseTimeoutMs: bad }], [{ port: 80 }]),
      /response timeout/,
      String(bad),
    );
});

test("renderNginxConfig() refuses names that would break out of the configuration", () => {
  assert.throws(
    () => renderNginxConfig([{ ...web, host: "a.test; evil" }], [{ port: 80 }]),
    /not a host name/,
  );
  assert.throws(
    () => renderNginxConfig([{ ...web, pathPrefix: "/x { }" }], [{ port: 80 }]),
    /nginx location/,
  );
});

/** A stand-in nginx: `-t` fails when the file says BROKEN; reload works once it was started. */
async function fakeNginx(dir: string): Promise<string> {
  const bin = join(dir, "nginx");
  await writeFile(
    bin,
    `#!/bin/sh
state=${dir}/state
echo "$*" >> ${dir}/calls
case "$1" in
  -t) if grep -q BROKEN "$3"; then echo "nginx: [emerg] unknown directive \\"BROKEN\\" in $3:1" >&2; exit 1; fi
      echo "nginx: configuration file $3 test is successful" >&2; exit 0 ;;
  -s) if [ -f "$state" ]; then exit 0; fi
      echo 'nginx: [error] invalid PID number "" in "/run/nginx.pid"' >&2; exit 1 ;;
  -c) touch "$state"; exit 0 ;;
esac
exit 2
`,
  );
  await chmod(bin, 0o755);
  return bin;
}

test("applyNginx() starts nginx, then reloads it, and keeps the last good config when the check fails", async () => {
  const dir = await tempDir();
  const nginxBin = await fakeNginx(dir);
  const confPath = join(dir, "nginx.conf");

  assert.deepEqual(await applyNginx("# one\n", { nginxBin, confPath }), { ok: true, action: "started" });
  assert.deepEqual(await applyNginx("# two\n", { nginxBin, confPath }), { ok: true, action: "reloaded" });
  assert.equal(await readFile(confPath, "utf8"), "# two\n");

  const bad = await applyNginx("BROKEN\n", { nginxBin, confPath });
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.stage === "check" && bad.error.includes('unknown directive "BROKEN"'));
  assert.equal(await readFile(confPath, "utf8"), "# two\n");
  assert.deepEqual((await readdir(dir)).sort(), ["calls", "nginx", "nginx.conf", "state"]);

  const calls = (await readFile(join(dir, "calls"), "utf8")).trim().split("\n");
  assert.equal(calls.filter((c) => c.startsWith("-s reload")).length, 2);
  assert.equal(calls.filter((c) => c.startsWith("-t")).length, 3);
  assert.ok(
    calls.every((c) => !c.startsWith("-t") || c.includes(".tmp")),
    "checks run on the candidate file",
  );
});

test("applyNginx() reports an nginx that can neither reload nor start", async () => {
  const dir = await tempDir();
  const nginxBin = join(dir, "nginx");
  await writeFile(
    nginxBin,
    `#!/bin/sh\n[ "$1" = -t ] && exit 0\necho "nginx: [emerg] bind() failed" >&2\nexit 1\n`,
  );
  await chmod(nginxBin, 0o755);
  const r = await applyNginx("# x\n", { nginxBin, confPath: join(dir, "nginx.conf") });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.stage === "load" && r.error.includes("bind() failed"));
});

const realNginx = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" }).stdout.trim();

test("a rendered configuration runs on a real nginx and proxies to the backend", {
  skip: realNginx === "",
}, async (t) => {
  const dir = await tempDir();
  const backend = await startBackend("real");
  t.after(() => backend.close());
  const port = await deadPort();
  const confPath = join(dir, "nginx.conf");
  const config = renderNginxConfig(
    [{ app: "web", strategy: "round-robin", backends: [backend.spec()] }],
    [{ port, address: "127.0.0.1" }],
    {
      workerProcesses: 1,
      pidPath: join(dir, "nginx.pid"),
      errorLogPath: join(dir, "error.log"),
      tempDir: dir,
    },
  );
  const r = await applyNginx(config, { nginxBin: realNginx, confPath });
  t.after(async () => {
    const pid = Number((await readFile(join(dir, "nginx.pid"), "utf8").catch(() => "")).trim());
    if (!(pid > 0)) return;
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  assert.deepEqual(r, { ok: true, action: "started" });
  let reply = await fetchVia(port, "/hello").catch(() => null);
  for (let i = 0; reply === null && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    reply = await fetchVia(port, "/hello").catch(() => null);
  }
  assert.equal(reply?.status, 200);
  assert.equal(reply?.text, "real");
  const bad = await applyNginx(`${config}\nBROKEN;\n`, { nginxBin: realNginx, confPath });
  assert.equal(bad.ok, false);
  assert.equal(await readFile(confPath, "utf8"), config);
  assert.deepEqual(await applyNginx(config, { nginxBin: realNginx, confPath }), {
    ok: true,
    action: "reloaded",
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
