import assert from "node:assert/strict";
import { test } from "node:test";
import { type LogRecord, parseLogLine } from "../api/log-record.ts";
import { LogRenderer } from "./log-renderer.ts";

const recs = (lines: string[]): LogRecord[] => lines.map((l) => parseLogLine(l)!);

test("records are rebuilt into the original bytes: F ends a line, P does not", () => {
  const r = new LogRenderer(false);
  const out = recs([
    "2026-11-22T01:02:03.000000001Z stdout P hel",
    "2026-11-22T01:02:03.000000002Z stdout F lo",
    "2026-11-22T01:02:03.000000003Z stdout F ",
    "2026-11-22T01:02:03.000000004Z stdout P no newline",
  ]).map((x) => r.render(x));
  assert.equal(out.join(""), "hello\n\nno newline");
});

test("with timestamps each line starts with the time of its first fragment, per stream", () => {
  const r = new LogRenderer(true);
  const out = recs([
    "2026-11-22T01:02:03.000000001Z stdout P a",
    "2026-11-22T01:02:03.000000002Z stderr F oops",
    "2026-11-22T01:02:03.000000003Z stdout F b",
  ]).map((x) => r.render(x));
  assert.deepEqual(out, ["2026-11-22T01:02:03.000000001Z a", "2026-11-22T01:02:03.000000002Z oops\n", "b\n"]);
});
