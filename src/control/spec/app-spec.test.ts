import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { AppSpec, portEnvName } from "./app-spec.ts";
import { loadSpecs } from "./load-specs.ts";

const minimal = { kind: "App", name: "web", spec: { command: ["node", "server.js"] } };

test("the issue's example loads with durations in ms, sizes in bytes and signals by name", () => {
  const text = readFileSync(new URL("fixtures/web.yaml", import.meta.url), "utf8");
  const [app] = loadSpecs(text, "web.yaml").specs;
  assert.deepEqual(app, {
    kind: "App",
    name: "web",
    labels: { team: "shop" },
    spec: {
      command: ["node", "server.js"],
      cwd: "/srv/web",
      env: { NODE_ENV: "production" },
      replicas: 3,
      ports: [{ name: "http", expose: 8080 }],
      resources: { memory: 256 * 1024 * 1024, cpu: 0.5 },
      restart: { policy: "always" },
      health: {
        http: { path: "/healthz", port: "http" },
        interval: 2000,
        timeout: 1000,
        failureThreshold: 3,
        successThreshold: 1,
        startPeriod: 5000,
      },
      update: { maxSurge: 1, maxUnavailable: 0, minReadySeconds: 2, autoRollback: true },
      stopSignal: "SIGTERM",
      stopTimeout: 10_000,
    },
  });
});

test("an app with only a command gets the defaults", () => {
  assert.deepEqual(AppSpec.parse(minimal).spec, {
    command: ["node", "server.js"],
    replicas: 1,
    restart: { policy: "always" },
    update: { maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, autoRollback: true },
    stopSignal: "SIGTERM",
    stopTimeout: 10_000,
  });
});

test("a health check gets the default interval, timeout, thresholds and start period", () => {
  const app = AppSpec.parse({ ...minimal, spec: { command: ["x"], health: { exec: ["true"] } } });
  assert.deepEqual(app.spec.health, {
    exec: ["true"],
    interval: 10_000,
    timeout: 1000,
    failureThreshold: 3,
    successThreshold: 1,
    startPeriod: 0,
  });
});

test("YAML's booleans and numbers are strings where a string is meant (env values, user)", () => {
  const app = AppSpec.parse({ ...minimal, spec: { command: ["x"], env: { DEBUG: true, N: 3 }, user: 1000 } });
  assert.deepEqual(app.spec.env, { DEBUG: "true", N: "3" });
  assert.equal(app.spec.user, "1000");
});

test("a port name becomes the variable that holds the replica's port", () => {
  assert.equal(portEnvName("http"), "PORT_HTTP");
  assert.equal(portEnvName("admin-api"), "PORT_ADMIN_API");
});

function issues(spec: Record<string, unknown>, top: Record<string, unknown> = {}): string[] {
  const r = AppSpec.safeParse({ ...minimal, ...top, spec: { command: ["x"], ...spec } });
  assert.equal(r.success, false, "expected the spec to be refused");
  return r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

test("a health check needs exactly one of http, tcp or exec", () => {
  assert.deepEqual(issues({ health: { interval: "5s" } }), [
    "spec.health: needs exactly one of http, tcp or exec",
  ]);
  assert.deepEqual(issues({ ports: [{ name: "http" }], health: { exec: ["true"], tcp: { port: "http" } } }), [
    "spec.health: needs exactly one of http, tcp or exec",
  ]);
});

test("a duration needs its unit, and an interval must be longer than 0", () => {
  assert.deepEqual(issues({ stopTimeout: 10 }), ['spec.stopTimeout: expected a duration like "5s", got 10']);
  assert.deepEqual(issues({ health: { exec: ["true"], interval: "0" } }), [
    "spec.health.interval: must be longer than 0",
  ]);
  assert.equal(AppSpec.parse({ ...minimal, spec: { command: ["x"], stopTimeout: 0 } }).spec.stopTimeout, 0);
});

test("bosun owns $PORT and $PORT_<NAME> when the app has ports", () => {
  assert.deepEqual(issues({ ports: [{ name: "http" }], env: { PORT_HTTP: "80", PORT: "81" } }), [
    "spec.env.PORT: is set by bosun to the replica's port",
    "spec.env.PORT_HTTP: is set by bosun to the replica's port",
  ]);
});

test("two ports cannot expose the same public port", () => {
  assert.deepEqual(
    issues({
      ports: [
        { name: "a", expose: 80 },
        { name: "b", expose: 80 },
      ],
    }),
    [
      "spec.ports.1.expose: 80 is exposed twice (also by spec.ports[0]): ports that share a number need different host or path",
    ],
  );
});

test("ports may share an exposed number when their host or path differ", () => {
  const app = AppSpec.parse({
    ...minimal,
    spec: {
      command: ["x"],
      ports: [
        { name: "web", expose: 80, host: "Shop.Example.COM" },
        { name: "api", expose: 80, path: "/api/" },
        { name: "admin", expose: 80, host: "shop.example.com", path: "/admin" },
        { name: "rest", expose: 80 },
      ],
    },
  });
  // Stored as the balancer compares them: the host lowercased, the path without its last "/".
  assert.deepEqual(app.spec.ports, [
    { name: "web", expose: 80, host: "shop.example.com" },
    { name: "api", expose: 80, path: "/api" },
    { name: "admin", expose: 80, host: "shop.example.com", path: "/admin" },
    { name: "rest", expose: 80 },
  ]);
  // "/api/" and "/api" are one route; so are "/" and no path; hosts compare case-insensitively.
  assert.deepEqual(
    issues({
      ports: [
        { name: "a", expose: 80, path: "/api/" },
        { name: "b", expose: 80, path: "/api" },
        { name: "c", expose: 80, path: "/" },
        { name: "d", expose: 80 },
        { name: "e", expose: 80, host: "A.test" },
        { name: "f", expose: 80, host: "a.TEST" },
      ],
    }),
    [
      "spec.ports.1.expose: 80 (path /api) is exposed twice (also by spec.ports[0]): ports that share a number need different host or path",
      "spec.ports.3.expose: 80 is exposed twice (also by spec.ports[2]): ports that share a number need different host or path",
      "spec.ports.5.expose: 80 (host a.test) is exposed twice (also by spec.ports[4]): ports that share a number need different host or path",
    ],
  );
});

test("balance, host and path route an exposed port only", () => {
  assert.deepEqual(
    issues({ ports: [{ name: "http", balance: "least-connections", host: "a.test", path: "/b" }] }),
    [
      "spec.ports.0.balance: needs expose: only an exposed port is routed by the load balancer",
      "spec.ports.0.host: needs expose: only an exposed port is routed by the load balancer",
      "spec.ports.0.path: needs expose: only an exposed port is routed by the load balancer",
    ],
  );
});

test("a host is an exact DNS name and a path starts with / and has no empty segment", () => {
  const refused = (port: Record<string, unknown>) =>
    issues({ ports: [{ name: "http", expose: 80, ...port }] }).map((i) => i.split(": ")[0]);
  for (const host of [
    "*.example.com",
    "a.test:8080",
    "-a.test",
    "a..test",
    "a_b.test",
    "",
    `${"a".repeat(64)}.test`,
  ])
    assert.deepEqual(refused({ host }), ["spec.ports.0.host"], host);
  for (const path of ["api", "/a b", "/a?q", "/a#x", "/a//b", "/{x}", ""])
    assert.deepEqual(refused({ path }), ["spec.ports.0.path"], path);
  const ok = {
    ...minimal,
    spec: { command: ["x"], ports: [{ name: "h", expose: 80, host: "10.0.0.1", path: "/v1/a-b_c.d~e%20" }] },
  };
  assert.equal(AppSpec.parse(ok).spec.ports?.[0]?.path, "/v1/a-b_c.d~e%20");
});

test("a routing problem in a file names the field and its line", () => {
  const text = [
    "kind: App",
    "name: web",
    "spec:",
    "  command: [x]",
    "  ports:",
    "    - name: a",
    "      expose: 80",
    "      path: /b",
    "    - name: b",
    "      expose: 80",
    "      path: /b/",
    "    - name: c",
    "      host: '*.test'",
    "",
  ].join("\n");
  assert.throws(
    () => loadSpecs(text, "web.yaml"),
    (e: Error) => {
      assert.deepEqual(e.message.split("\n"), [
        "spec.ports[1].expose: 80 (path /b) is exposed twice (also by spec.ports[0]): ports that share a number need different host or path (web.yaml:10)",
        'spec.ports[2].host: a host name is dot-separated labels of [a-z0-9-] such as "shop.example.com" (no port, no wildcard) (web.yaml:13)',
        "spec.ports[2].host: needs expose: only an exposed port is routed by the load balancer (web.yaml:13)",
      ]);
      return true;
    },
  );
});

test("a rollout must be able to make progress", () => {
  assert.match(issues({ update: { maxSurge: 0 } }).join(), /maxSurge and maxUnavailable cannot both be 0/);
});

test("isolation fields follow the container rules: a hostname needs isolate", () => {
  assert.deepEqual(issues({ hostname: "web" }), [
    "spec.hostname: needs isolate (a uts namespace of its own)",
  ]);
  assert.equal(
    AppSpec.parse({ ...minimal, spec: { command: ["x"], isolate: true, hostname: "web" } }).spec.hostname,
    "web",
  );
});

test("an app name leaves room for the replica's -<index>", () => {
  assert.deepEqual(issues({}, { name: "a".repeat(101) }), ["name: an app name is at most 100 characters"]);
  assert.match(issues({}, { name: "-web" }).join(), /starts with a letter or digit/);
});

test("an exposed port picks its balancing: round-robin unless it says least-connections", () => {
  const app = AppSpec.parse({
    ...minimal,
    spec: { command: ["x"], ports: [{ name: "http", expose: 8080, balance: "least-connections" }] },
  });
  assert.equal(app.spec.ports?.[0]?.balance, "least-connections");
  assert.match(issues({ ports: [{ name: "http", balance: "random" }] })[0]!, /^spec\.ports\.0\.balance: /);
});

test("an exposed port's timeout is a duration in ms, and needs expose", () => {
  const app = AppSpec.parse({
    ...minimal,
    spec: { command: ["x"], ports: [{ name: "http", expose: 8080, timeout: "1m30s" }] },
  });
  assert.equal(app.spec.ports?.[0]?.timeout, 90_000);
  for (const timeout of [30, "0", "soon", "25h"])
    assert.match(
      issues({ ports: [{ name: "http", expose: 80, timeout }] }).join("\n"),
      /^spec\.ports\.0\.timeout: /,
      String(timeout),
    );
  const text = [
    "kind: App",
    "name: web",
    "spec:",
    "  command: [x]",
    "  ports:",
    "    - name: http",
    "      timeout: 30s",
    "",
  ].join("\n");
  assert.throws(
    () => loadSpecs(text, "web.yaml"),
    (e: Error) => {
      assert.equal(
        e.message,
        "spec.ports[0].timeout: needs expose: only an exposed port is routed by the load balancer (web.yaml:7)",
      );
      return true;
    },
  );
});
