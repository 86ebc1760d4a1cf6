// The store contract: concurrency, reopening, migrations.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HISTORY_LIMIT } from "../store.ts";
import { at, rejectsWith, T0, type WithStore } from "./support.ts";

export function durabilityContract(withStore: WithStore): void {
  test(
    "concurrent puts, through one connection and two, each make exactly one generation",
    withStore(async (s, _clock, h) => {
      const other = await h.connect();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? s : other).putApp("web", { v: i })),
      );
      assert.ok(results.every((r) => r.changed));
      assert.deepEqual(
        results.map((r) => r.app.generation).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const app = (await s.getApp("web"))!;
      assert.equal(app.generation, 20);
      const history = await s.appHistory("web");
      assert.equal(history.length, HISTORY_LIMIT);
      assert.deepEqual(history[0]!.spec, app.spec, "the newest history entry is the current spec");
      const same = await Promise.all([s.putApp("api", { v: 1 }), other.putApp("api", { v: 1 })]);
      assert.deepEqual(same.map((r) => r.changed).sort(), [false, true]);
    }),
  );

  test(
    "of holders racing for a lease, exactly one gets it",
    withStore(async (s, _clock, h) => {
      const other = await h.connect();
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? s : other).acquireLease("l", `h${i}`, 1000, T0)),
      );
      const winners = attempts.filter((a) => a.acquired);
      assert.equal(winners.length, 1);
      assert.ok(attempts.every((a) => a.lease.holder === winners[0]!.lease.holder));
    }),
  );

  test(
    "reopening the database keeps everything",
    withStore(async (s, _clock, h) => {
      await s.putApp("web", { v: 1 }, { tier: "front" });
      await s.putApp("web", { v: 2 }, { tier: "front" });
      await s.setReplicas("web", 3);
      await s.setAppStatus("web", { phase: "complete", message: "", generation: 2 });
      await s.upsertReplica({ app: "web", index: 0, containerId: "c0", ready: true });
      await s.upsertNode({
        name: "local",
        address: null,
        labels: {},
        capacity: { cpus: 1, memory: 1 },
        state: "ready",
        heartbeatAt: at(0),
      });
      const e = await s.appendEvent({ type: "t", message: "m", details: { x: [1, 2] } });
      await s.acquireLease("l", "a", 1000, T0);
      const before = {
        apps: await s.listApps(),
        history: await s.appHistory("web"),
        replicas: await s.listReplicas("web"),
        nodes: await s.listNodes(),
        events: await s.listEvents(),
        version: await s.schemaVersion(),
      };
      await s.close();
      const r = await h.connect();
      assert.deepEqual(
        {
          apps: await r.listApps(),
          history: await r.appHistory("web"),
          replicas: await r.listReplicas("web"),
          nodes: await r.listNodes(),
          events: await r.listEvents(),
          version: await r.schemaVersion(),
        },
        before,
      );
      assert.equal((await r.acquireLease("l", "b", 1000, T0 + 1)).acquired, false, "the lease held");
      assert.equal(await r.lastEventSeq(), e.seq);
      assert.ok((await r.appendEvent({ type: "t", message: "n" })).seq > e.seq);
    }),
  );

  test(
    "a new database is migrated to the latest version, once",
    withStore(async (s, _clock, h) => {
      const version = await s.schemaVersion();
      assert.ok(version >= 1);
      const other = await h.connect();
      assert.equal(await other.schemaVersion(), version);
    }),
  );

  test(
    "a database migrated by a newer bosun is refused",
    withStore(async (s, _clock, h) => {
      await s.putApp("web", {});
      await h.markNewerSchema();
      await rejectsWith("conflict", h.connect());
    }),
  );
}
