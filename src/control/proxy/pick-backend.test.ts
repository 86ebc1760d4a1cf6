import assert from "node:assert/strict";
import { test } from "node:test";
import { type Pickable, type Pool, pickBackend } from "./pick-backend.ts";
import type { Strategy } from "./route-spec.ts";

class B implements Pickable {
  constructor(
    readonly name: string,
    public inflight = 0,
    public up = true,
  ) {}
  available(): boolean {
    return this.up;
  }
  load(): number {
    return this.inflight;
  }
}

function pool(strategy: Strategy, ...backends: B[]): Pool<B> {
  return { strategy, backends, cursor: 0 };
}

function picks(p: Pool<B>, n: number): string[] {
  return Array.from({ length: n }, () => pickBackend(p, null)?.name ?? "-");
}

test("round-robin takes each available backend in turn", () => {
  const p = pool("round-robin", new B("a"), new B("b", 0, false), new B("c"));
  assert.deepEqual(picks(p, 5), ["a", "c", "a", "c", "a"]);
});

test("least-connections takes the least loaded, and rotates among equals", () => {
  const a = new B("a", 3);
  const b = new B("b", 1);
  const c = new B("c", 1);
  const p = pool("least-connections", a, b, c);
  assert.deepEqual(picks(p, 4), ["b", "c", "b", "c"]);
  const idle = pool("least-connections", new B("x"), new B("y"), new B("z"));
  assert.deepEqual(picks(idle, 3), ["x", "y", "z"]);
});

test("a retry excludes the backend that failed; none available gives null", () => {
  const a = new B("a");
  const b = new B("b");
  for (const s of ["round-robin", "least-connections"] as const) {
    const p = pool(s, a, b);
    assert.equal(pickBackend(p, a)?.name, "b");
    assert.equal(pickBackend(pool(s, a), a), null);
    assert.equal(pickBackend(pool(s, new B("down", 0, false)), null), null);
    assert.equal(pickBackend(pool(s), null), null);
  }
});
