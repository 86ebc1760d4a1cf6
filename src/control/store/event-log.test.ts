import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { Event } from "../../api/schemas.ts";
import { EventBus } from "../../runtime/event-bus.ts";
import { EVENTS_KEPT, EventLog, HISTORY_MAX, type HistoryQuery, nanoAfter } from "./event-log.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { EventInput, StoredEvent } from "./store.ts";

/** A store in memory that counts the batches written, and refuses them when told. */
class CountingStore extends SqliteStore {
  batches: number[] = [];
  refuse = false;
  constructor() {
    super(":memory:");
  }
  override async appendEvents(events: readonly EventInput[]): Promise<StoredEvent[]> {
    this.batches.push(events.length);
    if (this.refuse) throw new Error("disk full");
    return super.appendEvents(events);
  }
}

function setup(batchMax?: number) {
  const store = new CountingStore();
  const errors: string[] = [];
  const log = new EventLog(store, {
    ...(batchMax !== undefined ? { batchMax } : {}),
    onError: (err, what) => errors.push(`${what}: ${err.message}`),
  });
  const bus = new EventBus({ sink: (e) => log.append(e) });
  const start = (name: string, labels: Record<string, string> = {}) =>
    bus.emit({ action: "start", id: `id-${name}`, name, attributes: labels });
  return { store, log, bus, errors, start };
}

const everything = (through = Number.MAX_SAFE_INTEGER): HistoryQuery => ({ filters: new Map(), through });

test("the events of one turn are written after it, in one batch", async () => {
  const { store, start } = setup();
  for (let i = 0; i < 50; i++) start(`c${i}`);
  assert.deepEqual(await store.listEvents(), [], "nothing is written while the turn runs");
  await nextTurn();
  assert.deepEqual(store.batches, [50]);
  assert.deepEqual(
    (await store.listEvents()).map((e) => e.seq),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  await store.close();
});

test("a full queue is written at once, and batches land in order", async () => {
  const { store, log, start } = setup(10);
  for (let i = 0; i < 25; i++) start(`c${i}`);
  await log.flush();
  assert.deepEqual(store.batches, [10, 10, 5]);
  const seqs = (await store.listEvents()).map((e) => e.seq);
  assert.deepEqual(
    seqs,
    seqs.toSorted((a, b) => a - b),
  );
  assert.equal(seqs.length, 25);
  await store.close();
});

test("events come back from the store exactly as they were emitted", async () => {
  const { store, log, bus, start } = setup();
  const emitted: Event[] = [
    start("web-0", { "bosun.app": "web", "bosun.replica": "0", zeta: "z", alpha: "a" }),
    bus.emit({ type: "daemon", action: "lockdown", id: "bosund", name: "bosund", attributes: { by: "me" } }),
    bus.emit({
      type: "app",
      action: "app.scaled",
      id: "web",
      name: "web",
      attributes: { app: "web", message: "scale to 3", replicas: "3" },
    }),
  ];
  const back = await log.read(everything());
  assert.deepEqual(back, emitted);
  assert.deepEqual(Object.keys(back[0]!.attributes), ["bosun.app", "bosun.replica", "zeta", "alpha"]);
  const rows = await store.listEvents();
  assert.deepEqual(
    rows.map((r) => [r.kind, r.type, r.app, r.replica, r.container, r.message]),
    [
      ["container", "start", "web", 0, "id-web-0", "web-0 start"],
      ["daemon", "lockdown", null, null, null, "bosund lockdown"],
      ["app", "app.scaled", "web", null, null, "scale to 3"],
    ],
  );
  await store.close();
});

test("history includes what is still queued, and leaves out what came after `through`", async () => {
  const { store, log, bus, start } = setup();
  start("a");
  start("b");
  const through = bus.lastSeq;
  start("c");
  const names = (await log.read(everything(through))).map((e) => e.name);
  assert.deepEqual(names, ["a", "b"]);
  await store.close();
});

test("history filters by type, app and action in the store, by container and label here", async () => {
  const { store, log, bus, start } = setup();
  start("web-0", { "bosun.app": "web", "bosun.replica": "0", tier: "front" });
  start("db", { tier: "back" });
  bus.emit({ action: "die", id: "id-db", name: "db", attributes: { tier: "back", exitCode: "3" } });
  bus.emit({ type: "app", action: "app.applied", id: "web", name: "web", attributes: { app: "web" } });
  const names = async (...pairs: [string, string][]) => {
    const filters = new Map<string, string[]>();
    for (const [k, v] of pairs) filters.set(k, [...(filters.get(k) ?? []), v]);
    return (await log.read({ filters, through: bus.lastSeq })).map((e) => `${e.action} ${e.name}`);
  };
  assert.deepEqual(await names(["type", "app"]), ["app.applied web"]);
  assert.deepEqual(await names(["app", "web"]), ["start web-0", "app.applied web"]);
  assert.deepEqual(await names(["event", "die"]), ["die db"]);
  assert.deepEqual(await names(["type", "container"], ["container", "db"]), ["start db", "die db"]);
  assert.deepEqual(await names(["label", "tier=front"]), ["start web-0"]);
  assert.deepEqual(await names(["event", "die"], ["event", "start"], ["label", "tier=back"]), [
    "start db",
    "die db",
  ]);
  await store.close();
});

test("history's since is included and until too, to the nanosecond", async () => {
  const store = new SqliteStore(":memory:");
  const log = new EventLog(store);
  const at = (s: string) => `2026-11-22T12:00:0${s}Z`;
  await store.appendEvents(
    ["1.000000000", "2.000000000", "2.999999999", "3.000000000"].map((t, i) => ({
      seq: i + 1,
      time: at(t),
      kind: "container",
      type: "start",
      message: "",
      details: { id: `c${i}`, name: `c${i}`, attributes: {} },
    })),
  );
  const read = async (since: string, until: string) =>
    (await log.read({ since, until, filters: new Map(), through: 99 })).map((e) => e.name);
  assert.deepEqual(await read(at("2.000000000"), at("2.999999999")), ["c1", "c2"]);
  assert.deepEqual(await read(at("1.5"), at("3")), ["c1", "c2", "c3"]);
  assert.equal(nanoAfter("2026-11-22T12:00:59.999999999Z"), "2026-11-22T12:01:00.000000000Z");
  await store.close();
});

test("history answers at most the newest HISTORY_MAX events, filtered here or not", async () => {
  const { store, log, bus, start } = setup();
  for (let i = 0; i < HISTORY_MAX + 5; i++) start(`c${i}`, { n: String(i) });
  const all = await log.read(everything());
  assert.equal(all.length, HISTORY_MAX);
  assert.equal(all[0]!.name, "c5");
  const labelled = await log.read({ filters: new Map([["label", ["n"]]]), through: bus.lastSeq });
  assert.equal(labelled.length, HISTORY_MAX);
  assert.equal(labelled.at(-1)!.name, `c${HISTORY_MAX + 4}`);
  const first = await log.read({ filters: new Map([["container", ["c0"]]]), through: bus.lastSeq });
  assert.deepEqual(
    first.map((e) => e.name),
    ["c0"],
    "a match found pages back, past every event the store could not filter",
  );
  await store.close();
});

test("a batch the store refuses is reported and dropped, and the next is written", async () => {
  const { store, log, errors, start } = setup();
  store.refuse = true;
  start("lost");
  await log.flush();
  store.refuse = false;
  start("kept");
  await log.flush();
  assert.deepEqual(errors, ["1 events not stored: disk full"]);
  assert.deepEqual(
    (await log.read(everything())).map((e) => e.name),
    ["kept"],
  );
  await store.close();
});

test("close() writes what is queued and stores nothing after", async () => {
  const { store, log, start } = setup();
  start("before");
  await log.close();
  start("after");
  await nextTurn();
  assert.deepEqual(
    (await store.listEvents()).map((e) => e.message),
    ["before start"],
  );
  await store.close();
});

test("run() prunes events older than a week at once, then stops when aborted", async () => {
  const now = Date.UTC(2026, 10, 22);
  const store = new SqliteStore(":memory:");
  const log = new EventLog(store);
  const old = new Date(now - EVENTS_KEPT.ageMs - 1000).toISOString();
  const recent = new Date(now - EVENTS_KEPT.ageMs + 1000).toISOString();
  await store.appendEvent({ time: old, type: "t", message: "old" });
  await store.appendEvent({ time: recent, type: "t", message: "recent" });
  const ac = new AbortController();
  const running = log.run(ac.signal, () => now);
  await nextTurn();
  assert.deepEqual(
    (await store.listEvents()).map((e) => e.message),
    ["recent"],
  );
  ac.abort();
  await running;
  await store.close();
});
