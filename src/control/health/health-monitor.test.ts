import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { ExecFn } from "./exec-probe.ts";
import { type HealthChange, HealthMonitor } from "./health-monitor.ts";
import { ManualClock } from "./manual-clock.ts";
import type { AppHealth } from "./probe-spec.ts";

const execHealth: AppHealth = {
  exec: ["check"],
  interval: 10_000,
  timeout: 1_000,
  failureThreshold: 1,
  successThreshold: 1,
  startPeriod: 0,
};

/** An exec function whose exit code the test sets. */
function exitWith(code: { value: number }): ExecFn {
  return async () => ({ exitCode: code.value });
}

function setup() {
  const clock = new ManualClock();
  const monitor = new HealthMonitor({ clock });
  const changes: HealthChange[] = [];
  monitor.on("change", (c) => changes.push(c));
  return { clock, monitor, changes };
}

test("the monitor reports each replica's changes under its id", async () => {
  const { clock, monitor, changes } = setup();
  const a = { value: 0 };
  monitor.watch("web-1", execHealth, { ports: {}, exec: exitWith(a) });
  monitor.watch("web-2", execHealth, { ports: {}, exec: exitWith({ value: 1 }) });
  assert.equal(monitor.state("web-1"), "starting");
  await clock.advance(0);
  assert.deepEqual(
    changes.map((c) => [c.id, c.state]),
    [
      ["web-1", "healthy"],
      ["web-2", "unhealthy"],
    ],
  );
  a.value = 1;
  await clock.advance(10_000);
  assert.equal(monitor.state("web-1"), "unhealthy");
  assert.equal(changes.at(-1)?.lastError, "exit code 1");
  assert.deepEqual(
    monitor.results("web-1").map((r) => r.ok),
    [true, false],
  );
  monitor.close();
  assert.equal(clock.pending, 0);
});

test("unwatch() stops a replica's checks; watching it again starts over", async () => {
  const { clock, monitor, changes } = setup();
  monitor.watch("web-1", execHealth, { ports: {}, exec: exitWith({ value: 0 }) });
  await clock.advance(0);
  monitor.unwatch("web-1");
  assert.equal(monitor.state("web-1"), undefined);
  assert.deepEqual(monitor.results("web-1"), []);
  assert.equal(clock.pending, 0);

  monitor.watch("web-1", execHealth, { ports: {}, exec: exitWith({ value: 0 }) });
  assert.equal(monitor.state("web-1"), "starting");
  await clock.advance(0);
  assert.deepEqual(
    changes.map((c) => c.state),
    ["healthy", "healthy"],
  );
  monitor.close();
});

test("watch() refuses a check it cannot run", () => {
  const { monitor } = setup();
  const tcp: AppHealth = { ...execHealth, exec: undefined, tcp: { port: "web" } };
  assert.throws(() => monitor.watch("web-1", tcp, { ports: { admin: 9000 } }), /"web" has no port number/);
  assert.throws(() => monitor.watch("web-1", execHealth, { ports: {} }), /needs an exec function/);
  assert.deepEqual(monitor.watched(), []);
});

test("the monitor probes the replica's named port over HTTP", async (t) => {
  const server = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const monitor = new HealthMonitor();
  t.after(() => monitor.close());
  const health: AppHealth = { ...execHealth, exec: undefined, http: { path: "/healthz", port: "web" } };
  monitor.watch("web-1", health, { ports: { web: (server.address() as AddressInfo).port } });
  const [change] = (await once(monitor, "change")) as [HealthChange];
  assert.equal(change.state, "healthy");
  assert.equal(monitor.results("web-1")[0]?.message, "HTTP 200");
});
