import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container } from "../../api/schemas.ts";
import { look, type ReplicaRecord, STABLE_RUN_MS } from "./replica-record.ts";

/** Only what look() reads of a container. */
const container = (restarts: number) => ({ state: { restarts } }) as Container;

test("a restart between two looks resets readiness, even if both looks found it running", () => {
  const r: ReplicaRecord = { readySince: null };
  look(r, container(0), true, 1_000);
  assert.equal(r.readySince, 1_000);
  look(r, container(0), true, 2_000);
  assert.equal(r.readySince, 1_000, "kept while it stays up");
  look(r, container(1), true, 3_000);
  assert.equal(r.readySince, 3_000, "down in between: ready again from now");
});

test("three restarts without a stable run are a crash loop, found once", () => {
  const r: ReplicaRecord = { readySince: null };
  const found = [0, 1, 2, 3, 4].map((n) => look(r, container(n), true, 1_000 + n * 100));
  assert.deepEqual(
    found.map((f) => [f.restarts, f.crashLoopFound]),
    [
      [0, false],
      [1, false],
      [2, false],
      [3, true],
      [4, false],
    ],
  );
});

test("a stable run ends the crash loop and its count; a new loop is found again", () => {
  const r: ReplicaRecord = { readySince: null };
  for (let n = 0; n <= 3; n++) look(r, container(n), false, n);
  assert.equal(r.crashLoopReported, true);
  look(r, container(3), true, 10);
  assert.deepEqual(look(r, container(3), true, 10 + STABLE_RUN_MS), { restarts: 0, crashLoopFound: false });
  assert.equal(r.crashLoopReported, false);
  for (let n = 4; n <= 6; n++) look(r, container(n), false, 20_000 + n);
  assert.equal(look(r, container(6), false, 30_000).restarts, 3);
  assert.equal(r.crashLoopReported, true);
});

test("restarts from before it was first seen (adopted after a daemon restart) do not count", () => {
  const r: ReplicaRecord = { readySince: null };
  assert.deepEqual(look(r, container(7), false, 0), { restarts: 0, crashLoopFound: false });
  assert.equal(look(r, container(8), false, 1).restarts, 1);
});
