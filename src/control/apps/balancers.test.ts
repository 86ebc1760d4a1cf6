// Balancers with real listeners on free ports and real HTTP backends: apps sharing an exposed
// port by host and path, each seeing only its own traffic.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { pino } from "pino";
import { freePort } from "../../../test/helpers/net.ts";
import { type FakeBackend, fetchVia, startBackend, startRawBackend } from "../proxy/fake-backend.ts";
import { type App, AppSpec } from "../spec/app-spec.ts";
import { Balancers, type PortTraffic } from "./balancers.ts";

const log = pino({ level: "silent" });
const opened: { close(): Promise<void> }[] = [];
after(() => Promise.all(opened.map((o) => o.close())));

function app(name: string, ports: Record<string, unknown>[]): App {
  return AppSpec.parse({ kind: "App", name, spec: { command: ["x"], ports } });
}

async function backend(name: string): Promise<FakeBackend> {
  const b = await startBackend(name);
  opened.push(b);
  return b;
}

function balancers(): Balancers {
  const b = new Balancers(log, "127.0.0.1");
  opened.push(b);
  return b;
}

/** The body, or the status when it is not 200. */
async function get(port: number, path: string, host = "other.test"): Promise<string> {
  const r = await fetchVia(port, path, { headers: { host } });
  return r.status === 200 ? r.text : String(r.status);
}

function refused(port: number): Promise<boolean> {
  return fetchVia(port, "/").then(
    () => false,
    (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED",
  );
}

test("two apps on one port: Host reaches one, a path prefix the other, anything else is 404", async () => {
  const port = await freePort();
  const [a0, b0] = [await backend("a-0"), await backend("b-0")];
  const lb = balancers();
  const appA = app("a", [{ name: "http", expose: port, host: "A.test" }]);
  const appB = app("b", [{ name: "web", expose: port, path: "/b" }]);
  lb.update(appA, [{ id: "ra", ports: { http: a0.port } }]);
  lb.update(appB, [{ id: "rb", ports: { web: b0.port } }]);
  await lb.settled();

  assert.equal(await get(port, "/", "a.test:80"), "a-0");
  assert.equal(await get(port, "/b/x"), "b-0");
  assert.equal(await get(port, "/b"), "b-0");
  assert.equal(await get(port, "/bx"), "404");
  assert.equal(await get(port, "/"), "404");

  // Each app sees its own route's traffic, under its port name, by replica id.
  const a = lb.metrics("a").http as PortTraffic;
  const b = lb.metrics("b").web as PortTraffic;
  assert.deepEqual(
    [a.port, a.host, a.path, a.requests, Object.keys(a.backends)],
    [port, "a.test", undefined, 1, ["ra"]],
  );
  assert.deepEqual(
    [b.port, b.host, b.path, b.requests, Object.keys(b.backends)],
    [port, undefined, "/b", 2, ["rb"]],
  );
  // What no route took is the listener's, shared.
  assert.equal(a.listener.unrouted, 2);
  assert.deepEqual(Object.keys(lb.metrics("a")), ["http"]);

  // Removing one app leaves the other's route; removing the last closes the listener.
  lb.remove("b");
  assert.equal(await get(port, "/b/x"), "404");
  assert.equal(await get(port, "/b/x", "a.test"), "a-0");
  assert.deepEqual(lb.metrics("b"), {});
  lb.remove("a");
  await lb.settled();
  assert.ok(await refused(port), "the listener is closed");
});

test("one app exposing two port names on one port: a route per name, a drain covers both", async () => {
  const port = await freePort();
  const [web, api] = [await backend("web"), await backend("api")];
  const lb = balancers();
  const spec = app("shop", [
    { name: "web", expose: port },
    { name: "api", expose: port, path: "/api" },
  ]);
  lb.update(spec, [{ id: "r1", ports: { web: web.port, api: api.port } }]);
  await lb.settled();
  assert.equal(await get(port, "/"), "web");
  assert.equal(await get(port, "/api/v1"), "api");
  const m = lb.metrics("shop") as Record<string, PortTraffic>;
  assert.deepEqual(
    Object.entries(m).map(([name, t]) => [name, t.requests, Object.keys(t.backends)]),
    [
      ["web", 1, ["r1"]],
      ["api", 1, ["r1"]],
    ],
  );
  lb.drain("r1");
  assert.equal(await get(port, "/"), "503");
  assert.equal(await get(port, "/api/v1"), "503");
});

test("an app moving to another port leaves the old listener to the apps still on it", async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const [a0, b0] = [await backend("a-0"), await backend("b-0")];
  const lb = balancers();
  lb.update(app("a", [{ name: "http", expose: p1, path: "/a" }]), [{ id: "ra", ports: { http: a0.port } }]);
  lb.update(app("b", [{ name: "http", expose: p1 }]), [{ id: "rb", ports: { http: b0.port } }]);
  await lb.settled();
  assert.equal(await get(p1, "/a"), "a-0");

  lb.update(app("a", [{ name: "http", expose: p2, path: "/a" }]), [{ id: "ra", ports: { http: a0.port } }]);
  await lb.settled();
  assert.equal(await get(p1, "/a"), "b-0");
  assert.equal(await get(p2, "/a"), "a-0");
  assert.equal(await get(p2, "/"), "404");

  lb.update(app("b", [{ name: "http", expose: p2 }]), [{ id: "rb", ports: { http: b0.port } }]);
  await lb.settled();
  assert.ok(await refused(p1), "no app uses the old port");
  assert.equal(await get(p2, "/"), "b-0");
});

test("a clash the apply check did not stop: the app that came first keeps the route", async () => {
  const port = await freePort();
  const [a0, b0] = [await backend("a-0"), await backend("b-0")];
  const lb = balancers();
  lb.update(app("a", [{ name: "http", expose: port }]), [{ id: "ra", ports: { http: a0.port } }]);
  lb.update(app("b", [{ name: "http", expose: port }]), [{ id: "rb", ports: { http: b0.port } }]);
  lb.update(app("a", [{ name: "http", expose: port }]), [{ id: "ra", ports: { http: a0.port } }]);
  await lb.settled();
  assert.equal(await get(port, "/"), "a-0");
  assert.deepEqual(lb.metrics("b"), {});
  // Once the first lets go, the other gets it.
  lb.remove("a");
  assert.equal(await get(port, "/"), "b-0");
});

test("a port's timeout is its route's response timeout: a replica that never answers is a 504", async () => {
  const port = await freePort();
  const silent = await startRawBackend(() => {});
  opened.push(silent);
  const fast = await backend("fast");
  const lb = balancers();
  lb.update(
    app("slow", [
      { name: "http", expose: port, timeout: "200ms" },
      { name: "api", expose: port, path: "/api" },
    ]),
    [{ id: "r1", ports: { http: silent.port, api: fast.port } }],
  );
  await lb.settled();
  assert.equal(await get(port, "/"), "504");
  assert.equal(await get(port, "/api"), "fast");
  const m = lb.metrics("slow") as Record<string, PortTraffic>;
  assert.equal(m.http?.errors.timeout, 1);
  assert.equal(m.http?.backends.r1?.errors.timeout, 1);
  assert.equal(m.api?.errors.timeout, 0);
});
