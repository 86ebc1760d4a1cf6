// Brings a SQLite database up to the migrations this code knows, in one IMMEDIATE transaction so
// that two daemons opening the same file at once apply each migration once: the second waits for
// the write lock (busy_timeout), then finds nothing left to do.
import type { Database } from "better-sqlite3";
import { BosunError } from "../../../api/errors.ts";
import type { Migration } from "../migrations.ts";

export function migrate(db: Database, migrations: readonly Migration[], now: string, where: string): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT`);
    const current = currentVersion(db);
    if (current > latest)
      throw new BosunError(
        "conflict",
        `cannot open ${where}: its schema is version ${current}, and this bosun knows versions up to ${latest}`,
        "it was written by a newer bosun: run that version, or use another state directory (--root)",
      );
    const insert = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      insert.run(m.version, m.name, now);
    }
    return latest;
  });
  return run.immediate();
}

export function currentVersion(db: Database): number {
  const row = db.prepare("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}
