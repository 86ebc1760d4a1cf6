import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { storeContract } from "../contract.ts";
import { loadMigrations } from "../migrations.ts";
import type { Store } from "../store.ts";
import { migrate } from "./migrate.ts";
import { openSqliteStore, SqliteStore } from "./sqlite-store.ts";

function tempDb(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "bosun-store-"));
  return { path: join(dir, "bosun.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

storeContract("sqlite", async ({ now }) => {
  const db = tempDb();
  const opened: Store[] = [];
  const connect = async () => {
    const s = new SqliteStore(db.path, { now });
    opened.push(s);
    return s;
  };
  return {
    store: await connect(),
    connect,
    async markNewerSchema() {
      const raw = new Database(db.path);
      raw.prepare("INSERT INTO schema_migrations VALUES (9999, 'from-the-future', '')").run();
      raw.close();
    },
    async cleanup() {
      for (const s of opened) await s.close();
      db.remove();
    },
  };
});

test("the database is one WAL-mode file, and each migration is recorded once", async () => {
  const db = tempDb();
  try {
    await openSqliteStore(dirname(db.path)).close();
    const store = new SqliteStore(db.path);
    const raw = new Database(db.path);
    assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    const rows = raw.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
    assert.deepEqual(
      rows,
      loadMigrations("sqlite").map((m) => ({ version: m.version, name: m.name })),
    );
    assert.equal(await store.schemaVersion(), rows.length);
    raw.close();
    await store.close();
  } finally {
    db.remove();
  }
});

test("a store in memory works for tests that need no file", async () => {
  const store = new SqliteStore(":memory:");
  await store.putApp("web", { v: 1 });
  assert.equal((await store.getApp("web"))?.generation, 1);
  await store.close();
});

test("a database newer than the code is refused with the versions in the message", () => {
  const db = tempDb();
  try {
    new SqliteStore(db.path).close();
    const raw = new Database(db.path);
    raw.prepare("INSERT INTO schema_migrations VALUES (9999, 'from-the-future', '')").run();
    raw.close();
    assert.throws(
      () => new SqliteStore(db.path),
      /schema is version 9999, and this bosun knows versions up to \d+/,
    );
  } finally {
    db.remove();
  }
});

test("app events stored by schema version 1 become app events with the attributes they had live", async () => {
  const db = tempDb();
  try {
    const v1 = new Database(db.path);
    migrate(v1, loadMigrations("sqlite").slice(0, 1), "2026-11-22T12:00:00.000000000Z", db.path);
    v1.prepare(
      "INSERT INTO events (time, app, replica, container, type, message, details) VALUES (?, ?, NULL, NULL, ?, ?, ?)",
    ).run(
      "2026-11-22T12:00:01.000000000Z",
      "web",
      "app.scaled",
      "scale to 3",
      '{"replicas":3,"why":null,"up":true}',
    );
    v1.close();
    const store = new SqliteStore(db.path);
    const [e] = await store.listEvents();
    assert.deepEqual(e, {
      seq: 1,
      time: "2026-11-22T12:00:01.000000000Z",
      kind: "app",
      app: "web",
      replica: null,
      container: null,
      type: "app.scaled",
      message: "scale to 3",
      details: {
        id: "web",
        name: "web",
        attributes: { app: "web", message: "scale to 3", replicas: "3", up: "true" },
      },
    });
    assert.equal(await store.lastEventSeq(), 1);
    await store.close();
  } finally {
    db.remove();
  }
});
