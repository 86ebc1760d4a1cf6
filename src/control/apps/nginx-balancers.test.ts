import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { pino } from "pino";
import { fileAppears, whenInDir } from "../../../test/helpers/wait.ts";
import { type App, AppSpec } from "../spec/app-spec.ts";
import { NginxBalancers } from "./nginx-balancers.ts";

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function app(name: string, ports: Record<string, unknown>[]): App {
  return AppSpec.parse({ kind: "App", name, spec: { command: ["x"], ports } });
}

test("two apps on one port render one nginx server per host on one listen, with both routes", async () => {
  const root = await mkdtemp(join(tmpdir(), "bosun-nginx-lb-"));
  dirs.push(root);
  // `true` stands in for nginx: every check and reload succeeds, and the file is what it got.
  const lb = new NginxBalancers(root, pino({ level: "silent" }), "true");
  lb.update(app("a", [{ name: "http", expose: 8080, host: "a.test" }]), [
    { id: "ra", ports: { http: 7001 } },
  ]);
  lb.update(app("b", [{ name: "web", expose: 8080, path: "/b" }]), [{ id: "rb", ports: { web: 7002 } }]);
  const conf = join(root, "nginx", "nginx.conf");
  let text = "";
  await fileAppears(join(root, "nginx"));
  await whenInDir(join(root, "nginx"), async () => {
    text = await readFile(conf, "utf8").catch(() => "");
    return text.includes("bosun_b_web");
  });
  // Two listeners on one port would fail nginx -t ("duplicate listen options").
  assert.equal(text.match(/listen 8080 default_server;/g)?.length, 1);
  const servers = text.split("  server {").slice(1);
  assert.equal(servers.length, 2);
  const [fallback, hostA] = servers as [string, string];
  assert.match(fallback, /server_name _;\n {4}location = \/b \{ proxy_pass http:\/\/bosun_b_web; \}/);
  assert.match(fallback, /location \/ \{ return 404 /);
  assert.match(
    hostA,
    /listen 8080;\n {4}server_name a\.test;\n {4}location \/ \{ proxy_pass http:\/\/bosun_a_http; \}/,
  );
  assert.match(text, /upstream bosun_a_http \{\n {4}server 127\.0\.0\.1:7001; # ra/);
  assert.match(text, /upstream bosun_b_web \{\n {4}server 127\.0\.0\.1:7002; # rb/);
  const nginx = spawnSync("nginx", ["-t", "-c", conf], { encoding: "utf8" });
  if (nginx.error === undefined) assert.equal(nginx.status, 0, nginx.stderr);
});

test("a port's timeout becomes its location's proxy_read_timeout, which nginx -t accepts", async () => {
  const root = await mkdtemp(join(tmpdir(), "bosun-nginx-lb-"));
  dirs.push(root);
  const lb = new NginxBalancers(root, pino({ level: "silent" }), "true");
  lb.update(
    app("a", [
      { name: "http", expose: 8080, timeout: "90s" },
      { name: "api", expose: 8080, path: "/api", timeout: "1500ms" },
      { name: "admin", expose: 8081 },
    ]),
    [{ id: "ra", ports: { http: 7001, api: 7002, admin: 7003 } }],
  );
  const conf = join(root, "nginx", "nginx.conf");
  let text = "";
  await fileAppears(join(root, "nginx"));
  await whenInDir(join(root, "nginx"), async () => {
    text = await readFile(conf, "utf8").catch(() => "");
    return text.includes("bosun_a_admin");
  });
  assert.match(text, /location \/ \{ proxy_pass http:\/\/bosun_a_http; proxy_read_timeout 90s; \}/);
  assert.match(text, /location \/api\/ \{ proxy_pass http:\/\/bosun_a_api; proxy_read_timeout 1500ms; \}/);
  // A port without one keeps nginx's default, the built-in balancer's too (60 s).
  assert.match(text, /location \/ \{ proxy_pass http:\/\/bosun_a_admin; \}/);
  const nginx = spawnSync("nginx", ["-t", "-c", conf], { encoding: "utf8" });
  if (nginx.error === undefined) assert.equal(nginx.status, 0, nginx.stderr);
});
