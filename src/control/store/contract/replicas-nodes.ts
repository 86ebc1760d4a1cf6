// The store contract: replicas and nodes.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeInfo } from "../store.ts";
import { at, rejectsWith, type WithStore } from "./support.ts";

export function replicasNodesContract(withStore: WithStore): void {
  test(
    "a new replica runs the app's current generation; patches change only what they name",
    withStore(async (s, clock) => {
      await s.putApp("web", { v: 1 });
      await s.putApp("web", { v: 2 });
      const created = await s.upsertReplica({ app: "web", index: 1 });
      assert.deepEqual(created, {
        app: "web",
        index: 1,
        generation: 2,
        containerId: null,
        node: null,
        desired: "running",
        status: null,
        health: "none",
        ready: false,
        ports: {},
        createdAt: at(0),
        updatedAt: at(0),
      });
      clock.advance(100);
      await s.upsertReplica({ app: "web", index: 1, containerId: "c1", node: "local" });
      const observed = await s.upsertReplica({
        app: "web",
        index: 1,
        status: "running",
        health: "healthy",
        ready: true,
        ports: { http: 32768 },
      });
      assert.equal(observed.containerId, "c1");
      assert.equal(observed.node, "local");
      assert.equal(observed.status, "running");
      assert.equal(observed.createdAt, at(0));
      assert.equal(observed.updatedAt, at(100));
      await s.upsertReplica({ app: "web", index: 0, generation: 1, desired: "stopped" });
      const list = await s.listReplicas("web");
      assert.deepEqual(list[1], observed);
      assert.deepEqual(
        list.map((r) => [r.index, r.generation, r.desired]),
        [
          [0, 1, "stopped"],
          [1, 2, "running"],
        ],
      );
      await s.upsertReplica({ app: "web", index: 1, containerId: null });
      assert.equal((await s.listReplicas("web"))[1]!.containerId, null, "null clears a field");
      assert.equal(await s.deleteReplica("web", 0), true);
      assert.equal(await s.deleteReplica("web", 0), false);
      assert.deepEqual(
        (await s.listReplicas("web")).map((r) => r.index),
        [1],
      );
    }),
  );

  test(
    "a replica needs its app and a whole index",
    withStore(async (s) => {
      await rejectsWith("not_found", s.upsertReplica({ app: "nope", index: 0 }));
      await s.putApp("web", {});
      await rejectsWith("bad_request", s.upsertReplica({ app: "web", index: -1 }));
      assert.deepEqual(await s.listReplicas("nope"), []);
    }),
  );

  test(
    "nodes are inserted, replaced by name, and listed by name",
    withStore(async (s) => {
      const local: NodeInfo = {
        name: "local",
        address: null,
        labels: { zone: "a" },
        capacity: { cpus: 2, memory: 24 * 2 ** 30 },
        state: "ready",
        heartbeatAt: at(0),
      };
      await s.upsertNode(local);
      await s.upsertNode({ ...local, name: "b-node", address: "10.0.0.2:7070" });
      await s.upsertNode({ ...local, state: "draining", heartbeatAt: at(1000) });
      assert.deepEqual(await s.listNodes(), [
        { ...local, name: "b-node", address: "10.0.0.2:7070" },
        { ...local, state: "draining", heartbeatAt: at(1000) },
      ]);
    }),
  );
}
