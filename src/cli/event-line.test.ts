import assert from "node:assert/strict";
import { test } from "node:test";
import type { Event } from "../api/schemas.ts";
import { formatEvent } from "./event-line.ts";

const ev: Event = {
  seq: 7,
  time: "2026-11-22T01:02:03Z",
  type: "container",
  action: "die",
  id: "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789abcd",
  name: "web",
  attributes: { exitCode: "137", name: "web" },
};

test("an event reads as time, type, action, short id and its attributes, name first", () => {
  assert.equal(
    formatEvent(ev),
    "2026-11-22T01:02:03.000000000Z container die 3f2a9c1b2d4e (name=web, exitCode=137)",
  );
});

test("an event keeps its full id when asked not to truncate", () => {
  assert.ok(formatEvent(ev, false).includes(` ${ev.id} `));
});
