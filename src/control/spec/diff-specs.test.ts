import assert from "node:assert/strict";
import { test } from "node:test";
import { type App, AppSpec } from "./app-spec.ts";
import { diffSpecs, formatDuration, formatSize } from "./diff-specs.ts";
import { specHash } from "./spec-hash.ts";

const web = (spec: Record<string, unknown> = {}, top: Record<string, unknown> = {}): App =>
  AppSpec.parse({ kind: "App", name: "web", ...top, spec: { command: ["node", "server.js"], ...spec } });

test("the same spec written differently is no change, and hashes alike", () => {
  const a = web({ env: { A: "1", B: "2" }, resources: { memory: "256m" }, stopTimeout: "10s", ports: [] });
  const b = AppSpec.parse({
    spec: {
      stopTimeout: "10000ms",
      resources: { memory: 268_435_456 },
      env: { B: "2", A: 1 },
      command: ["node", "server.js"],
    },
    name: "web",
    kind: "App",
    labels: {},
  });
  assert.deepEqual(diffSpecs(a, b), []);
  assert.equal(specHash(a), specHash(b));
});

test("changed fields are listed one per line, in the units people write", () => {
  const before = web({ replicas: 3, env: { DEBUG: "1" }, health: { exec: ["true"], interval: "10s" } });
  const after = web({
    replicas: 5,
    env: { NODE_ENV: "production" },
    health: { exec: ["true"], interval: "1m30s" },
    resources: { memory: "512m" },
    command: ["node", "app.js"],
  });
  assert.deepEqual(diffSpecs(before, after), [
    'spec.command: ["node","server.js"] → ["node","app.js"]',
    'spec.env.NODE_ENV: added "production"',
    'spec.env.DEBUG: removed (was "1")',
    "spec.replicas: 3 → 5",
    "spec.resources.memory: added 512m",
    "spec.health.interval: 10s → 1m30s",
  ]);
});

test("lists of mappings are compared item by item", () => {
  const before = web({ ports: [{ name: "http", expose: 8080 }] });
  const after = web({ ports: [{ name: "http", expose: 8081 }, { name: "admin" }] });
  assert.deepEqual(diffSpecs(before, after), [
    "spec.ports[0].expose: 8080 → 8081",
    'spec.ports[1].name: added "admin"',
  ]);
});

test("a new app lists every field it sets", () => {
  const lines = diffSpecs(undefined, web());
  assert.ok(lines.includes('name: added "web"'));
  assert.ok(lines.includes("spec.stopTimeout: added 10s"));
});

test("the hash changes with what the replicas run, not with their number or the rollout settings", () => {
  assert.equal(specHash(web({ replicas: 1 })), specHash(web({ replicas: 4, update: { maxSurge: 2 } })));
  assert.notEqual(specHash(web()), specHash(web({ env: { A: "1" } })));
  assert.notEqual(specHash(web()), specHash(web({}, { labels: { team: "shop" } })));
  assert.match(specHash(web()), /^[0-9a-f]{16}$/);
});

test("durations and sizes print as they are written", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(1500), "1s500ms");
  assert.equal(formatDuration(3_600_000), "1h");
  assert.equal(formatSize(256 * 1024 * 1024), "256m");
  assert.equal(formatSize(1000), "1000");
});
