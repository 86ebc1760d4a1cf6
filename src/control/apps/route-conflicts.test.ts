import assert from "node:assert/strict";
import { test } from "node:test";
import { type App, AppSpec } from "../spec/app-spec.ts";
import { exposedRoutes, routeConflict, routeKey } from "./route-conflicts.ts";

function app(name: string, ports: Record<string, unknown>[]): App {
  return AppSpec.parse({ kind: "App", name, spec: { command: ["x"], ports } });
}

test("routeConflict() refuses a second app on a port with neither host nor path", () => {
  const err = routeConflict(app("b", [{ name: "http", expose: 8080 }]), [
    app("a", [{ name: "web", expose: 8080 }]),
  ]);
  assert.equal(err?.code, "conflict");
  assert.equal(err?.status, 409);
  assert.equal(
    err?.message,
    'b: spec.ports[0].expose: port 8080 is already routed to app "a" (its spec.ports[0], "web")',
  );
  assert.match(err?.hint ?? "", /host or path/);
});

test("routeConflict() names the field, the host and path, and the other app's port", () => {
  const a = app("a", [
    { name: "admin", expose: 9000 },
    { name: "web", expose: 8080, host: "a.test", path: "/b" },
  ]);
  const b = app("b", [{ name: "metrics" }, { name: "http", expose: 8080, host: "A.TEST", path: "/b/" }]);
  assert.equal(
    routeConflict(b, [a])?.message,
    'b: spec.ports[1].expose: port 8080 (host a.test, path /b) is already routed to app "a" (its spec.ports[1], "web")',
  );
});

test("routeConflict() lets apps share a port when host or path differ", () => {
  const a = app("a", [{ name: "http", expose: 8080, host: "a.test" }]);
  const b = app("b", [{ name: "http", expose: 8080, path: "/b" }]);
  const c = app("c", [{ name: "http", expose: 8080 }]);
  const d = app("d", [{ name: "http", expose: 8080, host: "a.test", path: "/b" }]);
  const e = app("e", [{ name: "http", expose: 8081 }]);
  assert.equal(routeConflict(d, [a, b, c, e]), undefined);
  assert.equal(routeConflict(c, [a, b, d, e]), undefined);
});

test("routeConflict() ignores the app's own earlier spec and ports that are not exposed", () => {
  const old = app("a", [{ name: "http", expose: 8080 }]);
  assert.equal(routeConflict(app("a", [{ name: "web", expose: 8080 }]), [old]), undefined);
  assert.equal(routeConflict(app("b", [{ name: "http" }]), [old]), undefined);
});

test("routeKey() sees no path as /, and hosts regardless of case", () => {
  assert.equal(routeKey({ expose: 80 }), routeKey({ expose: 80, path: "/" }));
  assert.equal(
    routeKey({ expose: 80, host: "A.test", path: "/x/" }),
    routeKey({ expose: 80, host: "a.test", path: "/x" }),
  );
  assert.notEqual(routeKey({ expose: 80, host: "a.test" }), routeKey({ expose: 80 }));
  assert.notEqual(routeKey({ expose: 80 }), routeKey({ expose: 81 }));
});

test("exposedRoutes() lists exposed ports with their index and balancing", () => {
  const a = app("a", [
    { name: "metrics" },
    { name: "http", expose: 80, path: "/x", balance: "least-connections" },
  ]);
  assert.deepEqual(exposedRoutes(a), [
    { app: "a", index: 1, portName: "http", expose: 80, path: "/x", balance: "least-connections" },
  ]);
});
