import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container } from "../../api/schemas.ts";
import { initialState, toApi } from "../../runtime/container.ts";
import { psRows } from "./ps.ts";

const now = Date.parse("2026-11-22T01:05:00Z");
// Built as the daemon builds it, so the fixture keeps up with the API's shape.
const c: Container = toApi(
  {
    id: "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd",
    name: "web",
    command: ["sh", "-c", "while true; do date; sleep 1; done"],
    cwd: "/",
    env: {},
    labels: {},
    restart: "always",
    stopSignal: "SIGTERM",
    stopTimeout: 10,
    log: { maxSize: 10_485_760, maxFiles: 3 },
    stdin: false,
    autoRemove: false,
    created: "2026-11-22T01:00:00Z",
  },
  { ...initialState(), status: "running", pid: 42, restarts: 2, startedAt: "2026-11-22T01:04:57Z" },
  "/var/lib/bosun/containers/3f2a",
);

test("a ps row has the short id, name, quoted command, status, restarts and age", () => {
  assert.deepEqual(psRows([c], now, true), [
    ["3f2a9c1b2d4e", "web", `"sh -c 'while true; …"`, "Up 3 seconds", "2", "5 minutes ago"],
  ]);
});

test("--no-trunc keeps the full id and command", () => {
  const [row] = psRows([c], now, false);
  assert.equal(row?.[0], c.id);
  assert.equal(row?.[2], `"sh -c 'while true; do date; sleep 1; done'"`);
});
