import assert from "node:assert/strict";
import { test } from "node:test";
import { loadMigrations, parseMigrations } from "./migrations.ts";

test("migrations are ordered by the number in their file name", () => {
  const m = parseMigrations({ "002-events.sql": "B", "001-init.sql": "A" });
  assert.deepEqual(m, [
    { version: 1, name: "init", sql: "A" },
    { version: 2, name: "events", sql: "B" },
  ]);
});

test("a misnamed migration file or a gap in the numbers is refused", () => {
  assert.throws(() => parseMigrations({ "1-init.sql": "" }), /not named NNN-name.sql/);
  assert.throws(
    () => parseMigrations({ "001-init.sql": "", "003-x.sql": "" }),
    /003-x.sql should be number 2/,
  );
  assert.throws(() => parseMigrations({ "001-a.sql": "", "001-b.sql": "" }), /001-b.sql should be number 2/);
});

test("the sqlite migrations are found beside the sources and start at version 1", () => {
  const m = loadMigrations("sqlite");
  assert.equal(m[0]?.version, 1);
  assert.match(m[0]!.sql, /CREATE TABLE apps/);
});
