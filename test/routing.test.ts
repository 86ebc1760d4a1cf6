// Two apps on one exposed port through a real bosund: one routed by Host, one by path prefix.
// Each gets its own requests, nothing else matches (404), removing one leaves the other, and a
// third app claiming a route already taken is refused at apply (409 conflict) and by diff.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";
import { freePort } from "./helpers/net.ts";

let d: TestDaemon;
let dir: string;
let port: number;

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), "bosun-routing-"));
  port = await freePort();
});
after(async () => {
  await d?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** An app answering "NAME URL" on its port, exposed on the shared port with `route`'s fields. */
function appYaml(name: string, route: string): string {
  const server = `require('http').createServer((q, s) => s.end('${name} ' + q.url)).listen(process.env.PORT, '127.0.0.1')`;
  return `kind: App
name: ${name}
spec:
  command: [node, -e, ${JSON.stringify(server)}]
  ports: [{name: http, expose: ${port}, ${route}}]
  health: {http: {path: /, port: http}, interval: 200ms, timeout: 1s, startPeriod: 20s}
  stopTimeout: 1s
`;
}

async function write(file: string, text: string): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, text);
  return path;
}

/** "NAME URL" from the app that answered, or the status when it is not 200. (fetch() drops Host.) */
function get(path: string, host: string): Promise<string> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => ok(res.statusCode === 200 ? body : String(res.statusCode)));
    });
    req.on("error", fail);
    req.end();
  });
}

test("two apps share an exposed port: Host a.test reaches A, /b reaches B, anything else is 404", async () => {
  const a = await write("a.yaml", appYaml("site-a", "host: A.test"));
  const b = await write("b.yaml", appYaml("site-b", "path: /b"));
  const r = await d.cli(["apply", "-f", a, "-f", b]);
  assert.equal(r.code, 0, r.stderr);
  for (const name of ["site-a", "site-b"])
    assert.equal((await d.cli(["rollout", "status", name], { timeoutMs: 60_000 })).code, 0);
  // The listener binds as the first route arrives; give it a moment on a loaded machine.
  for (let i = 0; i < 50 && (await get("/", "a.test").catch(() => "")) === ""; i++) await sleep(100);

  assert.equal(await get("/", "a.test"), "site-a /");
  assert.equal(await get("/x", "A.TEST:80"), "site-a /x");
  assert.equal(await get("/b/x", "other.test"), "site-b /b/x");
  assert.equal(await get("/b", "other.test"), "site-b /b");
  // Routes for the request's host come first: a.test has every path.
  assert.equal(await get("/b/x", "a.test"), "site-a /b/x");
  assert.equal(await get("/", "other.test"), "404");
  assert.equal(await get("/bx", "other.test"), "404");

  // Each app's inspect shows its own route and traffic.
  const traffic = (await d.client.app("site-b")).traffic.http as {
    port: number;
    path: string;
    requests: number;
  };
  assert.deepEqual([traffic.port, traffic.path, traffic.requests], [port, "/b", 2]);
  const apps = (await d.cli(["apps"])).stdout;
  assert.match(apps, new RegExp(`site-a .* a\\.test:${port}→http`));
  assert.match(apps, new RegExp(`site-b .* ${port}/b→http`));
});

test("a third app claiming a taken route is refused, naming the field, the route and the other app", async () => {
  const c = await write("c.yaml", appYaml("site-c", "host: a.test"));
  const r = await d.cli(["apply", "-f", c]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /site-c: spec\.ports\[0\]\.expose: port \d+ \(host a\.test\) is already routed to app "site-a"/,
  );
  assert.match(r.stderr, /host or path/);
  // As the API says it: 409 conflict. And a dry run (`bosun diff`) reports it the same way.
  const text = appYaml("site-c", "path: /b/");
  const api = await raw(d.socket, "POST", "/v1/apps/apply", { files: [{ name: "c.yaml", text }] });
  assert.equal(api.status, 409);
  assert.equal(api.body.error.code, "conflict");
  assert.match(
    api.body.error.message,
    /spec\.ports\[0\]\.expose: port \d+ \(path \/b\) is already routed to app "site-b"/,
  );
  const dry = await raw(d.socket, "POST", "/v1/apps/apply", {
    files: [{ name: "c.yaml", text }],
    dryRun: true,
  });
  assert.equal(dry.status, 409);
  assert.equal(dry.body.error.message, api.body.error.message);
  const diff = await d.cli(["diff", "-f", c]);
  assert.notEqual(diff.code, 0);
  assert.match(diff.stderr, /is already routed to app "site-a"/);
  await assert.rejects(d.client.app("site-c"), /no app named site-c/);
  assert.equal(await get("/", "a.test"), "site-a /");
});

test("two apps of one batch that claim one route are refused together: neither is applied", async () => {
  const both = await write(
    "both.yaml",
    `${appYaml("dup-1", "host: dup.test")}---\n${appYaml("dup-2", "host: dup.test")}`,
  );
  const r = await d.cli(["apply", "-f", both]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /dup-1: spec\.ports\[0\]\.expose: port \d+ \(host dup\.test\) is already routed to app "dup-2"/,
  );
  for (const name of ["dup-1", "dup-2"]) await assert.rejects(d.client.app(name), /no app named/);
  // One batch may move a route from one app to another, as it leaves them.
  const moved = await write(
    "moved.yaml",
    `${appYaml("site-a", "host: moved.test")}---\n${appYaml("dup-1", "host: a.test")}`,
  );
  const dry = await d.cli(["diff", "-f", moved]);
  assert.equal(dry.code, 1, dry.stderr); // changes, and no conflict
});

test("rollout undo to a spec whose route another app took since is refused", async () => {
  const x1 = await write("x1.yaml", appYaml("undo-x", "host: one.test"));
  const x2 = await write("x2.yaml", appYaml("undo-x", "host: two.test"));
  const y = await write("y.yaml", appYaml("undo-y", "host: one.test"));
  for (const f of [x1, x2, y]) assert.equal((await d.cli(["apply", "-f", f])).code, 0);
  const r = await d.cli(["rollout", "undo", "undo-x"]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /undo-x: spec\.ports\[0\]\.expose: port \d+ \(host one\.test\) is already routed to app "undo-y"/,
  );
  assert.equal((await d.client.app("undo-x")).generation, 2);
  for (const name of ["undo-x", "undo-y"]) await d.cli(["app", "rm", name]);
});

test("removing one app leaves the other's route working", async () => {
  const r = await d.cli(["app", "rm", "site-b"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await get("/b/x", "other.test"), "404");
  assert.equal(await get("/b/x", "a.test"), "site-a /b/x");
  // The route is free again: another app may take it.
  const c = await write("c.yaml", appYaml("site-c", "path: /b"));
  assert.equal((await d.cli(["apply", "-f", c])).code, 0);
  assert.equal((await d.cli(["rollout", "status", "site-c"], { timeoutMs: 60_000 })).code, 0);
  assert.equal(await get("/b/x", "other.test"), "site-c /b/x");
  for (const name of ["site-a", "site-c"]) await d.cli(["app", "rm", name]);
});
