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
        kind: "app",
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
    "events are filtered by kind, app, type and time (since included, until not), oldest first",
    withStore(async (s) => {
      for (let i = 0; i < 6; i++)
        await s.appendEvent({
          time: at(i * 1000),
          kind: i === 4 ? "container" : "app",
          app: i % 2 ? "web" : "api",
          type: i < 3 ? "started" : "stopped",
          message: `e${i}`,
        });
      const messages = async (q: Parameters<Store["listEvents"]>[0]) =>
        (await s.listEvents(q)).map((e) => e.message);
      assert.deepEqual(await messages({ app: "web" }), ["e1", "e3", "e5"]);
      assert.deepEqual(await messages({ type: "stopped" }), ["e3", "e4", "e5"]);
      assert.deepEqual(await messages({ app: "web", type: "started" }), ["e1"]);
      assert.deepEqual(await messages({ kind: "container" }), ["e4"]);
      assert.deepEqual(await messages({ kind: "app", type: "stopped" }), ["e3", "e5"]);
      assert.deepEqual(await messages({ since: at(2000), until: at(4000) }), ["e2", "e3"]);
      // The same instant written with a shorter fraction.
      const since = new Date(T0 + 2000).toISOString();
      assert.deepEqual(await messages({ since, until: at(3000) }), ["e2"]);
      assert.deepEqual(await messages({ limit: 2 }), ["e4", "e5"]);
      assert.deepEqual(await messages({ app: "api", limit: 2 }), ["e2", "e4"]);
      assert.deepEqual(await messages({ limit: 0 }), []);
      const e3 = (await s.listEvents())[3];
      assert.deepEqual(await messages({ before: { time: e3!.time, seq: e3!.seq } }), ["e0", "e1", "e2"]);
      assert.deepEqual(await messages({ before: { time: e3!.time, seq: e3!.seq }, limit: 2 }), ["e1", "e2"]);
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
    "paging back with `before` and `limit` visits every event once, those of one instant too",
    withStore(async (s) => {
      for (let i = 0; i < 7; i++)
        await s.appendEvent({ time: at(i < 5 ? 1000 : 2000), type: "t", message: `e${i}` });
      const seen: string[] = [];
      let page = await s.listEvents({ limit: 2 });
      while (page.length > 0) {
        seen.unshift(...page.map((e) => e.message));
        page = await s.listEvents({ limit: 2, before: { time: page[0]!.time, seq: page[0]!.seq } });
      }
      assert.deepEqual(seen, ["e0", "e1", "e2", "e3", "e4", "e5", "e6"]);
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

  test(
    "a batch is appended in order, keeping the seqs, kinds and times it gives",
    withStore(async (s) => {
      assert.equal(await s.lastEventSeq(), 0);
      assert.deepEqual(await s.appendEvents([]), []);
      const batch = await s.appendEvents([
        {
          seq: 10,
          time: at(1),
          kind: "container",
          container: "c1",
          app: "web",
          replica: 0,
          type: "start",
          message: "web-0 start",
        },
        {
          seq: 11,
          time: at(2),
          kind: "daemon",
          type: "lockdown",
          message: "bosund lockdown",
          details: { reason: "x" },
        },
      ]);
      assert.deepEqual(
        batch.map((e) => [e.seq, e.kind, e.type, e.time]),
        [
          [10, "container", "start", at(1)],
          [11, "daemon", "lockdown", at(2)],
        ],
      );
      assert.deepEqual(await s.listEvents(), batch);
      assert.equal(await s.lastEventSeq(), 11);
      const next = await s.appendEvent({ type: "t", message: "numbered by the store" });
      assert.equal(next.seq, 12, "the store's own numbering goes on after the given seqs");
      assert.equal(await s.lastEventSeq(), 12);
    }),
  );

  test(
    "a batch with a seq already handed out appends nothing, and the seq is refused even after pruning",
    withStore(async (s) => {
      await s.appendEvents([
        { seq: 5, type: "t", message: "e5" },
        { seq: 6, type: "t", message: "e6" },
      ]);
      await rejectsWith(
        "conflict",
        s.appendEvents([
          { seq: 7, type: "t", message: "e7" },
          { seq: 6, type: "t", message: "again" },
        ]),
      );
      await rejectsWith(
        "conflict",
        s.appendEvents([
          { seq: 7, type: "t", message: "twice" },
          { seq: 7, type: "t", message: "twice" },
        ]),
      );
      assert.deepEqual(
        (await s.listEvents()).map((e) => e.message),
        ["e5", "e6"],
      );
      await rejectsWith("bad_request", s.appendEvents([{ seq: 0, type: "t", message: "zero" }]));
      await rejectsWith("bad_request", s.appendEvents([{ seq: 1.5, type: "t", message: "half" }]));
      assert.equal(await s.pruneEvents({ keepLast: 0 }), 2);
      assert.equal(await s.lastEventSeq(), 6, "pruning does not lower the last seq");
      await rejectsWith("conflict", s.appendEvent({ seq: 6, type: "t", message: "reused" }));
      assert.equal((await s.appendEvent({ seq: 7, type: "t", message: "e7" })).seq, 7);
    }),
  );

  test(
    "details keep their keys in the order given",
    withStore(async (s) => {
      const details = { name: "web-0", zeta: "1", alpha: "2", nested: { b: 1, a: 2 } };
      await s.appendEvent({ type: "t", message: "m", details });
      const [e] = await s.listEvents();
      assert.deepEqual(Object.keys(e!.details as object), ["name", "zeta", "alpha", "nested"]);
      assert.deepEqual(Object.keys((e!.details as { nested: object }).nested), ["b", "a"]);
    }),
  );
}
