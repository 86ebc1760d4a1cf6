import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "../api/schemas.ts";
import { EventBus, eventMatches } from "./event-bus.ts";

test("seqs go on from the last one stored, and lastSeq is the last one emitted", () => {
  const bus = new EventBus({ lastSeq: 41 });
  assert.equal(bus.lastSeq, 41);
  const e = bus.emit({ action: "start", id: "c1", name: "web", attributes: {} });
  assert.equal(e.seq, 42);
  assert.equal(e.type, "container");
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.equal(bus.lastSeq, 42);
});

test("the sink gets every event before the subscribers, and an unsubscribed listener none", () => {
  const seen: string[] = [];
  const bus = new EventBus({ sink: (e) => seen.push(`sink ${e.seq}`) });
  const off = bus.subscribe((e) => seen.push(`live ${e.seq}`));
  bus.emit({ action: "create", id: "c1", name: "web", attributes: {} });
  off();
  bus.emit({ type: "daemon", action: "lockdown", id: "bosund", name: "bosund", attributes: {} });
  assert.deepEqual(seen, ["sink 1", "live 1", "sink 2"]);
});

const ev = (over: Partial<Event>): Event => ({
  seq: 1,
  time: "2026-11-22T12:00:00.000000000Z",
  type: "container",
  action: "start",
  id: "3f2a9c1b2d4e",
  name: "web-0",
  attributes: {},
  ...over,
});
const filters = (...pairs: [string, string][]) => {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
  return m;
};

test("app=NAME matches the app's own events and its replicas', not a container labelled app=NAME", () => {
  const web = filters(["app", "web"]);
  assert.ok(eventMatches(ev({ type: "app", action: "app.scaled", id: "web", name: "web" }), web));
  assert.ok(eventMatches(ev({ attributes: { "bosun.app": "web", "bosun.replica": "0" } }), web));
  assert.ok(!eventMatches(ev({ attributes: { app: "web" } }), web));
  assert.ok(!eventMatches(ev({ type: "app", action: "app.scaled", id: "api", name: "api" }), web));
});

test("filters of one key are alternatives, of different keys all required", () => {
  const e = ev({ attributes: { tier: "front" } });
  assert.ok(eventMatches(e, filters(["event", "die"], ["event", "start"])));
  assert.ok(eventMatches(e, filters(["container", "3f2a"], ["label", "tier=front"], ["type", "container"])));
  assert.ok(eventMatches(e, filters(["container", "web-0"])));
  assert.ok(!eventMatches(e, filters(["container", "web-0"], ["type", "app"])));
  assert.ok(!eventMatches(e, filters(["label", "tier=back"])));
});
