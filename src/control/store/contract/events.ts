// The store contract: events: appending, filtering, pruning.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Store } from "../store.ts";
import { at, rejectsWith, T0, type WithStore } from "./support.ts";

export function eventsContract(withStore: WithStore): void {
  test(
    "events get increasing seqs, keep their details, and default to the store's clock",
    withStore(async (s, clock) => {
      clock.advance(42);
      const a = await s.appendEvent({ type: "app.applied", message: "web applied", app: "web" });
      const b = await s.appendEvent({
        time: at(50),
        app: "web",
        replica: 2,
        container: "c2",
        type: "replica.started",
        message: "web-2 started",
        details: { generation: 3, ports: [8080] },
      });
      assert.ok(b.seq > a.seq);
      assert.deepEqual(a, {
        seq: a.seq,
        time: at(42),
        app: "web",
        replica: null,
        container: null,
        type: "app.applied",
        message: "web applied",
        details: {},
      });
      assert.deepEqual(await s.listEvents(), [a, b]);
    }),
  );

  test(
    "events are filtered by app, type and time (since included, until not), oldest first",
    withStore(async (s) => {
      for (let i = 0; i < 6; i++)
        await s.appendEvent({
          time: at(i * 1000),
          app: i % 2 ? "web" : "api",
          type: i < 3 ? "started" : "stopped",
          message: `e${i}`,
        });
      const messages = async (q: Parameters<Store["listEvents"]>[0]) =>
        (await s.listEvents(q)).map((e) => e.message);
      assert.deepEqual(await messages({ app: "web" }), ["e1", "e3", "e5"]);
      assert.deepEqual(await messages({ type: "stopped" }), ["e3", "e4", "e5"]);
      assert.deepEqual(await messages({ app: "web", type: "started" }), ["e1"]);
      assert.deepEqual(await messages({ since: at(2000), until: at(4000) }), ["e2", "e3"]);
      // The same instant written with a shorter fraction.
      const since = new Date(T0 + 2000).toISOString();
      assert.deepEqual(await messages({ since, until: at(3000) }), ["e2"]);
      assert.deepEqual(await messages({ limit: 2 }), ["e4", "e5"]);
      assert.deepEqual(await messages({ app: "api", limit: 2 }), ["e2", "e4"]);
      assert.deepEqual(await messages({ limit: 0 }), []);
      await rejectsWith("bad_request", s.listEvents({ since: "yesterday" }));
    }),
  );

  test(
    "events are ordered by time, whatever order they were appended in",
    withStore(async (s) => {
      await s.appendEvent({ time: at(2000), type: "t", message: "late" });
      await s.appendEvent({ time: at(1000), type: "t", message: "early" });
      assert.deepEqual(
        (await s.listEvents()).map((e) => e.message),
        ["early", "late"],
      );
    }),
  );

  test(
    "pruning removes events older than a time, beyond the newest N, or both; seqs are not reused",
    withStore(async (s) => {
      const seqs = [];
      for (let i = 0; i < 10; i++)
        seqs.push((await s.appendEvent({ time: at(i * 1000), type: "t", message: `e${i}` })).seq);
      assert.equal(await s.pruneEvents({ olderThan: at(3000) }), 3);
      assert.equal(await s.pruneEvents({ keepLast: 5 }), 2);
      assert.deepEqual(
        (await s.listEvents()).map((e) => e.message),
        ["e5", "e6", "e7", "e8", "e9"],
      );
      assert.equal(await s.pruneEvents({ olderThan: at(6000), keepLast: 2 }), 3);
      assert.deepEqual(
        (await s.listEvents()).map((e) => e.message),
        ["e8", "e9"],
      );
      assert.equal(await s.pruneEvents({}), 0);
      const next = await s.appendEvent({ type: "t", message: "after" });
      assert.ok(next.seq > seqs.at(-1)!, "a pruned seq is never handed out again");
    }),
  );
}
