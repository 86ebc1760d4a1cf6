import assert from "node:assert/strict";
import { test } from "node:test";
import { type Behaviour, FakeWorld } from "./fake-world.ts";
import { plan } from "./plan.ts";
import type { Action, DesiredApp, ObservedReplica, RolloutState, UpdateStrategy } from "./types.ts";

function app(replicas: number, update: Partial<UpdateStrategy> = {}): DesiredApp {
  return {
    app: "web",
    generation: 1,
    specHash: "v1",
    replicas,
    update: { maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, autoRollback: true, ...update },
  };
}

/** A world already running `replicas` healthy replicas of v1, its first rollout complete. */
function settled(
  replicas: number,
  update: Partial<UpdateStrategy> = {},
  behaviours = new Map<string, Behaviour>(),
) {
  const world = new FakeWorld(app(replicas, update), behaviours);
  world.run();
  assert.equal(world.rollout?.state, "complete");
  assert.equal(world.available(), replicas);
  world.events = [];
  world.log = [];
  world.history = [];
  return world;
}

function replica(index: number, over: Partial<ObservedReplica> = {}): ObservedReplica {
  return {
    id: `c${index}`,
    index,
    generation: 1,
    specHash: "v1",
    status: "running",
    health: "healthy",
    readySince: 0,
    ...over,
  };
}

const what = (a: Action) => `${a.type} ${a.type === "start" ? a.index : a.id}`;
const types = (world: FakeWorld) => world.events.map((e) => e.type);
const specs = (world: FakeWorld) =>
  world
    .observe()
    .map((r) => `${r.index}:${r.specHash}`)
    .sort();
const maxTotal = (world: FakeWorld) => Math.max(...world.history.map((h) => h.total));
const minAvailable = (world: FakeWorld) => Math.min(...world.history.map((h) => h.available));

test("plan() scales 0 → 3 by starting slots 0, 1 and 2, and reports the first rollout complete", () => {
  const world = new FakeWorld(app(3));
  world.run();
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
  assert.equal(world.available(), 3);
  assert.deepEqual(
    world.log.map((l) => l.action),
    [0, 1, 2].map((index) => ({ type: "start", index, generation: 1, specHash: "v1" })),
  );
  assert.deepEqual(types(world), ["rollout.started", "rollout.complete"]);
  assert.match(world.events[1]?.message ?? "", /3 of 3 replicas available/);
});

test("plan() scales 3 → 1 by draining the two highest slots, stopping each only after its drain", () => {
  const world = settled(3);
  world.write({ replicas: 1 });
  world.run();
  assert.deepEqual(specs(world), ["0:v1"]);
  const drains = world.log.filter((l) => l.action.type === "drain");
  const stops = world.log.filter((l) => l.action.type === "stop");
  assert.deepEqual(
    drains.map((l) => l.action),
    [
      { type: "drain", id: "c3" },
      { type: "drain", id: "c2" },
    ],
  );
  assert.deepEqual(
    stops.map((l) => `${what(l.action)}@${l.at}`).sort(),
    drains.map((l) => `stop ${what(l.action).split(" ")[1]}@${l.at + 2_000}`).sort(),
  );
  assert.deepEqual(types(world), ["app.scaled"]);
  assert.equal(world.events[0]?.message, "web: scaled from 3 to 1 replicas");
});

test("plan() scales 1 → 3 into the lowest free slots", () => {
  const world = settled(3);
  world.write({ replicas: 1 });
  world.run();
  world.write({ replicas: 3 });
  world.run();
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
  assert.equal(world.available(), 3);

  const gap = plan(app(4), { replicas: [replica(0), replica(2)] }, 0);
  assert.deepEqual(
    gap.actions.map((a) => a.type === "start" && a.index),
    [1, 3],
  );
  // A slot is held until its replica is gone, so a name is never used twice at once.
  const held = plan(app(3), { replicas: [replica(0), replica(1), replica(2, { status: "removing" })] }, 0);
  assert.deepEqual(
    held.actions.map((a) => a.type === "start" && a.index),
    [3],
  );
});

test("plan() stops a replica that failed for good and starts its replacement in the surge", () => {
  const world = settled(3);
  world.checkFloor = false;
  world.breakReplica(1, "failed");
  world.run();
  assert.deepEqual(world.log.slice(0, 2), [
    { at: world.log[0]?.at, action: { type: "stop", id: "c2" } },
    { at: world.log[0]?.at, action: { type: "start", index: 3, generation: 1, specHash: "v1" } },
  ]);
  assert.deepEqual(specs(world), ["0:v1", "2:v1", "3:v1"]);
  assert.equal(world.available(), 3);
  assert.deepEqual(types(world), ["replica.replaced"]);
  assert.match(world.events[0]?.message ?? "", /replica 1 \(c2\) failed; replacing it/);
});

test("plan() replaces an unhealthy replica by starting the new one before stopping the old", () => {
  const world = settled(3);
  world.checkFloor = false;
  world.breakReplica(0, "unhealthy");
  world.run();
  assert.deepEqual(
    world.log.map((l) => what(l.action)),
    ["drain c1", "start 3", "stop c1"],
  );
  const [drain, start, stop] = world.log.map((l) => l.at);
  assert.equal(start, drain, "the replacement starts with the drain, in the surge");
  assert.equal(stop, (drain ?? 0) + 2_000, "the old one is stopped when its drain ends");
  // Capacity is kept: only the unhealthy replica itself was ever missing.
  assert.equal(minAvailable(world), 2);
  assert.ok(maxTotal(world) <= 4);
  assert.equal(world.available(), 3);
  assert.equal(world.events[0]?.details.reason, "unhealthy");
});

test("plan() waits for the old replica to be gone before replacing it when there is no surge", () => {
  const world = settled(3, { maxSurge: 0, maxUnavailable: 1 });
  world.checkFloor = false;
  world.breakReplica(2, "unhealthy");
  world.run();
  assert.deepEqual(
    world.log.map((l) => `${what(l.action)}@${l.at}`),
    ["drain c3@1300", "stop c3@3300", "start 2@3800"],
  );
  assert.equal(maxTotal(world), 3);
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
  assert.equal(world.available(), 3);
});

test("a rolling update with max surge 1 and max unavailable 0 keeps 3 available and at most 4 replicas", () => {
  const world = settled(3, { minReadySeconds: 5 });
  world.write({ specHash: "v2" });
  world.run();
  // The surge took slot 3; the last old replica to go freed slot 0, which nothing needs.
  assert.deepEqual(specs(world), ["1:v2", "2:v2", "3:v2"]);
  assert.equal(maxTotal(world), 4);
  assert.equal(minAvailable(world), 3);
  assert.equal(world.rollout?.state, "complete");
  assert.deepEqual(types(world), [
    "rollout.started",
    "rollout.progress",
    "rollout.progress",
    "rollout.progress",
    "rollout.complete",
  ]);
  assert.deepEqual(world.desired.previous, { generation: 2, specHash: "v2" });
  // No new replica is counted before it was healthy for minReadySeconds.
  const firstDrain = world.log.find((l) => l.action.type === "drain")?.at ?? 0;
  assert.ok(firstDrain >= 300 + 1_000 + 5_000);
});

test("the progress deadline counts from the last progress, so a slow rollout that keeps progressing completes", () => {
  const world = settled(3, { minReadySeconds: 30, progressDeadlineMs: 45_000 });
  world.write({ specHash: "v2" });
  world.run();
  assert.equal(world.rollout?.state, "complete");
  assert.ok(world.now - (world.rollout?.startedAt ?? 0) > 90_000, "longer than twice the deadline");
  assert.equal(types(world).includes("rollout.failed"), false);
});

test("a rolling update with max surge 0 and max unavailable 1 never exceeds 3 replicas", () => {
  const world = settled(3, { maxSurge: 0, maxUnavailable: 1 });
  world.write({ specHash: "v2" });
  world.run();
  assert.deepEqual(specs(world), ["0:v2", "1:v2", "2:v2"]);
  assert.equal(maxTotal(world), 3);
  assert.equal(minAvailable(world), 2);
  assert.equal(world.rollout?.state, "complete");
});

test("max surge 0 with max unavailable 0 is read as max unavailable 1", () => {
  const desired = { ...app(3, { maxSurge: 0, maxUnavailable: 0 }), generation: 2, specHash: "v2" };
  const p = plan(desired, { replicas: [replica(0), replica(1), replica(2)] }, 10_000);
  assert.deepEqual(p.actions, [{ type: "drain", id: "c2" }]);
});

test("an update that never turns healthy fails at the progress deadline and rolls back", () => {
  const world = settled(3, {}, new Map([["v2", { startMs: 300, health: "never" }]]));
  world.write({ specHash: "v2" });
  world.run();
  assert.deepEqual(types(world), [
    "rollout.started",
    "rollout.failed",
    "rollout.rolling-back",
    "rollout.rolled-back",
  ]);
  assert.equal(world.rollout?.state, "rolled-back");
  assert.equal(world.rollout?.failedAt, 1_300 + 60_000);
  assert.match(
    world.events[1]?.message ?? "",
    /no new replica became available for 60 s; rolling back to generation 1/,
  );
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
  assert.equal(minAvailable(world), 3);
  assert.equal(maxTotal(world), 4);
  // Still rolled back when scaled: the new replica runs the spec rolled back to.
  world.write({ replicas: 4 });
  world.run();
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1", "3:v1"]);
  assert.equal(world.rollout?.state, "rolled-back");
});

test("an update whose replicas keep failing fails after 3 of them and rolls back before the deadline", () => {
  const world = settled(3, {}, new Map([["v2", { startMs: 300, health: "none", failAfterMs: 200 }]]));
  world.write({ specHash: "v2" });
  world.run();
  assert.equal(world.rollout?.state, "rolled-back");
  assert.ok((world.rollout?.failedAt ?? Number.POSITIVE_INFINITY) < 10_000);
  assert.equal(world.rollout?.failures, 3);
  assert.match(
    world.events.find((e) => e.type === "rollout.failed")?.message ?? "",
    /3 of its replicas failed/,
  );
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
});

test("an update whose replica crash-loops in place fails once it restarted 3 times and rolls back", () => {
  const world = settled(3, {}, new Map([["v2", { startMs: 300, health: "none", crashEveryMs: 500 }]]));
  world.write({ specHash: "v2" });
  world.run();
  assert.equal(world.rollout?.state, "rolled-back");
  const failed = world.events.find((e) => e.type === "rollout.failed");
  assert.match(
    failed?.message ?? "",
    /replica 3 \(c\d+\) restarted 3 times without a stable run; rolling back/,
  );
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1"]);
  assert.equal(minAvailable(world), 3);
});

test("a crash-looping replica of the current spec is left to its restart policy, not replaced", () => {
  const world = new FakeWorld(app(1), new Map([["v1", { startMs: 300, health: "none", crashEveryMs: 500 }]]));
  world.run(30_000);
  assert.deepEqual(
    world.log.map((l) => what(l.action)),
    ["start 0"],
  );
  assert.equal(world.rollout?.state, "failed");
  assert.match(world.events.at(-1)?.message ?? "", /restarted 3 times without a stable run/);
});

test("the loop's write of the spec rolled back to, as a new generation, keeps the rollout rolled back", () => {
  const world = settled(2, {}, new Map([["v2", { startMs: 300, health: "never" }]]));
  world.write({ specHash: "v2" });
  world.run(undefined, () => world.rollout?.state === "rolling-back");
  // What the controller does as the rollback begins: the old spec becomes generation 3.
  world.write({ specHash: "v1" });
  world.run();
  assert.equal(world.rollout?.state, "rolled-back");
  assert.equal(world.rollout?.generation, 3);
  assert.deepEqual(types(world).slice(-2), ["rollout.rolling-back", "rollout.rolled-back"]);
  // A fix is a new rollout again.
  world.write({ specHash: "v3" });
  world.run();
  assert.equal(world.rollout?.state, "complete");
});

test("without autoRollback a failed rollout keeps the old replicas serving and keeps trying", () => {
  const world = settled(3, { autoRollback: false }, new Map([["v2", { startMs: 300, health: "never" }]]));
  world.write({ specHash: "v2" });
  world.run(300_000);
  assert.equal(world.rollout?.state, "failed");
  assert.deepEqual(types(world), ["rollout.started", "rollout.failed"]);
  assert.match(world.events[1]?.message ?? "", /automatic rollback is off; still trying/);
  assert.deepEqual(specs(world), ["0:v1", "1:v1", "2:v1", "3:v2"]);
  assert.equal(world.available(), 3);
});

test("a failed first rollout has nothing to roll back to", () => {
  const world = new FakeWorld(app(2), new Map([["v1", { startMs: 300, health: "never" }]]));
  world.run();
  assert.equal(world.rollout?.state, "failed");
  assert.match(world.events.at(-1)?.message ?? "", /no earlier complete generation to roll back to/);
});

test("a spec change in the middle of a rollout supersedes it and converges on the newest spec", () => {
  const world = settled(4, { maxSurge: 1, maxUnavailable: 1 });
  world.write({ specHash: "v2" });
  world.run(undefined, () => world.observe().some((r) => r.specHash === "v2" && r.health === "healthy"));
  assert.equal(world.rollout?.state, "progressing");
  world.write({ specHash: "v3" });
  world.run();
  assert.deepEqual(
    world.observe().map((r) => r.specHash),
    ["v3", "v3", "v3", "v3"],
  );
  assert.ok(maxTotal(world) <= 5);
  assert.ok(minAvailable(world) >= 3);
  const started = world.events.filter((e) => e.type === "rollout.started");
  assert.equal(started.length, 2);
  assert.equal(started[1]?.details.superseded, 2);
  assert.equal(world.rollout?.state, "complete");
  assert.equal(world.rollout?.generation, 3);
});

test("plan() is idempotent: replicas it started and is draining are not acted on again", () => {
  const desired = app(3);
  const first = plan(desired, { replicas: [] }, 0);
  assert.equal(first.actions.length, 3);
  const started = first.actions.map((a, i) =>
    replica(a.type === "start" ? a.index : -1, {
      id: `n${i}`,
      status: "created",
      health: "starting",
      readySince: null,
    }),
  );
  const second = plan(desired, { replicas: started, rollout: first.rollout }, 0);
  assert.deepEqual(second.actions, []);
  assert.deepEqual(second.events, []);
  assert.deepEqual(plan(desired, { replicas: started, rollout: first.rollout }, 0), second);

  const draining = [replica(0), replica(1), replica(2), replica(3, { draining: true, drainingSince: 500 })];
  const scaled = plan(desired, { replicas: draining, rollout: second.rollout }, 1_000);
  assert.deepEqual(scaled.actions, []);
  assert.equal(scaled.nextWakeAt, 2_500);
  assert.deepEqual(plan(desired, { replicas: draining, rollout: second.rollout }, 2_500).actions, [
    { type: "stop", id: "c3" },
  ]);
});

test("nextWakeAt is the earliest of minReadySeconds passing, a drain ending and the progress deadline", () => {
  const desired = { ...app(2, { minReadySeconds: 10 }), generation: 2, specHash: "v2" };
  const options = { stopAfterDrainMs: 30_000 };
  const replicas = [
    replica(0, { readySince: 1_000 }),
    replica(1, { readySince: 0, draining: true, drainingSince: 9_000 }),
    replica(2, { specHash: "v2", readySince: 4_000 }),
  ];
  const wakes: (number | undefined)[] = [];
  let rollout: RolloutState | undefined;
  for (const now of [5_000, 11_000, 14_000, 39_000]) {
    const p = plan(desired, rollout ? { replicas, rollout } : { replicas }, now, options);
    if (now < 39_000) assert.deepEqual(p.actions, [], `at ${now}`);
    rollout = p.rollout;
    wakes.push(p.nextWakeAt);
  }
  // Old replica 0 is available at 11 s, new replica 2 at 14 s (progress: the deadline moves to 74 s),
  // replica 1's drain ends at 39 s; then replica 1 is stopped and the deadline is next.
  assert.deepEqual(wakes, [11_000, 14_000, 39_000, 74_000]);
});

test("scaling in during an update removes replicas of the old spec first", () => {
  const desired = { ...app(2, { maxUnavailable: 1 }), generation: 3, specHash: "v2" };
  const replicas = [replica(0), replica(1), replica(2, { specHash: "v2" }), replica(3, { specHash: "v2" })];
  const p = plan(desired, { replicas }, 1_000);
  assert.deepEqual(p.actions, [
    { type: "drain", id: "c1" },
    { type: "drain", id: "c0" },
  ]);
});
