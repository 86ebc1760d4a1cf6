// The store in one SQLite file (<stateRoot>/bosun.db by default), for a single server. WAL lets
// readers go on while one connection writes; every write that touches several rows, or reads
// before it writes, runs in an IMMEDIATE transaction, which takes the write lock up front so
// that two connections never both read the old generation and both write the next one.
import { join } from "node:path";
import Database, { type Statement } from "better-sqlite3";
import { BosunError } from "../../../api/errors.ts";
import { canonicalJson, canonicalTime, nanoIso, plainJson } from "../canonical.ts";
import { loadMigrations } from "../migrations.ts";
import {
  type App,
  type AppRevision,
  type AppStatus,
  type EventInput,
  type EventPrune,
  type EventQuery,
  HISTORY_LIMIT,
  type Json,
  type Labels,
  type LeaseAttempt,
  type NodeInfo,
  type PutAppResult,
  type Replica,
  type ReplicaPatch,
  type Store,
  type StoredEvent,
} from "../store.ts";
import { currentVersion, migrate } from "./migrate.ts";
import {
  type AppRow,
  type EventRow,
  type LeaseRow,
  type NodeRow,
  type ReplicaRow,
  toApp,
  toEvent,
  toLease,
  toNode,
  toReplica,
} from "./rows.ts";

export interface SqliteStoreOptions {
  /** Epoch milliseconds, for the times the store stamps itself. */
  now?: () => number;
  /** How long a write waits for another connection's write lock. */
  busyTimeoutMs?: number;
}

/** The store of a state root: <root>/bosun.db. */
export function openSqliteStore(root: string, options?: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(join(root, "bosun.db"), options);
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly clock: () => number;
  private readonly statements = new Map<string, Statement>();

  /** Opens (or creates) the database at `path` and migrates it; ":memory:" for tests. */
  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.clock = options.now ?? Date.now;
    this.db = new Database(path);
    try {
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db.pragma("journal_mode = WAL");
      // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, which
      // the controllers redo from what they observe.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      migrate(this.db, loadMigrations("sqlite"), this.now(), path);
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  async putApp(name: string, spec: Json, labels: Labels = {}): Promise<PutAppResult> {
    const specText = canonicalJson(spec);
    const labelsText = canonicalJson(labels);
    return this.write(() => {
      const row = this.appRow(name);
      const now = this.now();
      if (!row) {
        this.sql("INSERT INTO apps VALUES (?, 1, ?, ?, NULL, NULL, ?, ?)").run(
          name,
          specText,
          labelsText,
          now,
          now,
        );
        this.sql("INSERT INTO app_history VALUES (?, 1, ?, ?)").run(name, specText, now);
        return { app: this.mustApp(name), changed: true };
      }
      if (row.spec !== specText) return this.newGeneration(row, specText, labelsText);
      if (row.labels === labelsText) return { app: toApp(row), changed: false };
      this.sql("UPDATE apps SET labels = ?, updated_at = ? WHERE name = ?").run(labelsText, now, name);
      return { app: this.mustApp(name), changed: true };
    });
  }

  async getApp(name: string): Promise<App | undefined> {
    const row = this.appRow(name);
    return row && toApp(row);
  }

  async listApps(): Promise<App[]> {
    return (this.sql("SELECT * FROM apps ORDER BY name").all() as AppRow[]).map(toApp);
  }

  async deleteApp(name: string): Promise<boolean> {
    return this.sql("DELETE FROM apps WHERE name = ?").run(name).changes > 0;
  }

  async appHistory(name: string): Promise<AppRevision[]> {
    this.mustApp(name);
    const rows = this.sql(
      "SELECT generation, spec, created_at FROM app_history WHERE app = ? ORDER BY generation DESC",
    ).all(name) as { generation: number; spec: string; created_at: string }[];
    return rows.map((r) => ({ generation: r.generation, spec: JSON.parse(r.spec), createdAt: r.created_at }));
  }

  async rollbackApp(name: string, toGeneration?: number): Promise<PutAppResult> {
    return this.write(() => {
      const row = this.appRow(name);
      if (!row) throw notFound(name);
      const target = (
        toGeneration === undefined
          ? this.sql(
              "SELECT spec FROM app_history WHERE app = ? AND generation < ? ORDER BY generation DESC LIMIT 1",
            ).get(name, row.generation)
          : this.sql("SELECT spec FROM app_history WHERE app = ? AND generation = ?").get(name, toGeneration)
      ) as { spec: string } | undefined;
      if (!target && toGeneration === undefined)
        throw new BosunError("conflict", `cannot roll back ${name}: it has no earlier generation`);
      if (!target) {
        const { oldest } = this.sql("SELECT min(generation) AS oldest FROM app_history WHERE app = ?").get(
          name,
        ) as { oldest: number };
        throw new BosunError(
          "not_found",
          `cannot roll back ${name} to generation ${toGeneration}: generations ${oldest} to ${row.generation} are kept`,
        );
      }
      if (target.spec === row.spec) return { app: toApp(row), changed: false };
      return this.newGeneration(row, target.spec, row.labels);
    });
  }

  async setAppStatus(name: string, status: Omit<AppStatus, "updatedAt">): Promise<App> {
    const text = canonicalJson({ ...status, updatedAt: this.now() });
    if (this.sql("UPDATE apps SET status = ? WHERE name = ?").run(text, name).changes === 0)
      throw notFound(name);
    return this.mustApp(name);
  }

  async setReplicas(name: string, replicas: number | null): Promise<App> {
    if (replicas !== null && !(Number.isSafeInteger(replicas) && replicas >= 0))
      throw new BosunError(
        "bad_request",
        `cannot scale ${name} to ${replicas}: give a whole number, 0 or more`,
      );
    const r = this.sql("UPDATE apps SET replicas = ?, updated_at = ? WHERE name = ?");
    if (r.run(replicas, this.now(), name).changes === 0) throw notFound(name);
    return this.mustApp(name);
  }

  async upsertReplica(patch: ReplicaPatch): Promise<Replica> {
    if (!(Number.isSafeInteger(patch.index) && patch.index >= 0))
      throw new BosunError("bad_request", `replica index ${patch.index} is not a whole number, 0 or more`);
    return this.write(() => {
      const app = this.appRow(patch.app);
      if (!app) throw notFound(patch.app);
      const now = this.now();
      const old = this.replicaRow(patch.app, patch.index);
      const r: Replica = {
        ...(old
          ? toReplica(old)
          : {
              generation: app.generation,
              containerId: null,
              node: null,
              desired: "running",
              status: null,
              health: "none",
              ready: false,
              ports: {},
              createdAt: now,
            }),
        ...patch,
        updatedAt: now,
      };
      this.sql(
        `INSERT INTO replicas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (app, idx) DO UPDATE SET generation = excluded.generation,
           container_id = excluded.container_id, node = excluded.node, desired = excluded.desired,
           status = excluded.status, health = excluded.health, ready = excluded.ready,
           ports = excluded.ports, updated_at = excluded.updated_at`,
      ).run(
        r.app,
        r.index,
        r.generation,
        r.containerId,
        r.node,
        r.desired,
        r.status,
        r.health,
        r.ready ? 1 : 0,
        canonicalJson(r.ports),
        r.createdAt,
        r.updatedAt,
      );
      return r;
    });
  }

  async listReplicas(app: string): Promise<Replica[]> {
    return (this.sql("SELECT * FROM replicas WHERE app = ? ORDER BY idx").all(app) as ReplicaRow[]).map(
      toReplica,
    );
  }

  async deleteReplica(app: string, index: number): Promise<boolean> {
    return this.sql("DELETE FROM replicas WHERE app = ? AND idx = ?").run(app, index).changes > 0;
  }

  async upsertNode(node: NodeInfo): Promise<NodeInfo> {
    const n = { ...node, heartbeatAt: canonicalTime(node.heartbeatAt) };
    this.sql(
      `INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET address = excluded.address, labels = excluded.labels,
         capacity = excluded.capacity, state = excluded.state, heartbeat_at = excluded.heartbeat_at`,
    ).run(n.name, n.address, canonicalJson(n.labels), canonicalJson(n.capacity), n.state, n.heartbeatAt);
    return n;
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (this.sql("SELECT * FROM nodes ORDER BY name").all() as NodeRow[]).map(toNode);
  }

  async appendEvent(e: EventInput): Promise<StoredEvent> {
    const [stored] = await this.appendEvents([e]);
    return stored!;
  }

  async appendEvents(events: readonly EventInput[]): Promise<StoredEvent[]> {
    const rows = events.map((e) => this.eventRow(e));
    return this.write(() => {
      let last = this.lastSeq();
      return rows.map((row) => {
        if (row.seq !== null && row.seq <= last)
          throw new BosunError(
            "conflict",
            `cannot append event ${row.seq}: seqs up to ${last} have been handed out`,
            "another writer numbers events too",
          );
        const { lastInsertRowid } = this.sql(
          "INSERT INTO events (seq, time, kind, app, replica, container, type, message, details) VALUES (@seq, @time, @kind, @app, @replica, @container, @type, @message, @details)",
        ).run(row);
        last = Number(lastInsertRowid);
        return toEvent({ ...row, seq: last });
      });
    });
  }

  async lastEventSeq(): Promise<number> {
    return this.lastSeq();
  }

  async listEvents(q: EventQuery = {}): Promise<StoredEvent[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const filter = (cond: string, value: string | undefined) => {
      if (value === undefined) return;
      where.push(cond);
      params.push(value);
    };
    filter("kind = ?", q.kind);
    filter("app = ?", q.app);
    filter("type = ?", q.type);
    filter("time >= ?", q.since && canonicalTime(q.since));
    filter("time < ?", q.until && canonicalTime(q.until));
    if (q.before !== undefined) {
      const time = canonicalTime(q.before.time);
      where.push("(time < ? OR (time = ? AND seq < ?))");
      params.push(time, time, q.before.seq);
    }
    let sql = `SELECT * FROM events${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
    if (q.limit !== undefined) {
      sql = `SELECT * FROM (${sql} ORDER BY time DESC, seq DESC LIMIT ?)`;
      params.push(count("limit", q.limit));
    }
    return (this.sql(`${sql} ORDER BY time, seq`).all(...params) as EventRow[]).map(toEvent);
  }

  async pruneEvents(p: EventPrune): Promise<number> {
    return this.write(() => {
      let removed = 0;
      if (p.olderThan !== undefined)
        removed += this.sql("DELETE FROM events WHERE time < ?").run(canonicalTime(p.olderThan)).changes;
      if (p.keepLast !== undefined)
        removed += this.sql(
          "DELETE FROM events WHERE seq NOT IN (SELECT seq FROM events ORDER BY time DESC, seq DESC LIMIT ?)",
        ).run(count("keepLast", p.keepLast)).changes;
      return removed;
    });
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseAttempt> {
    const expiresAt = now + ttl(ttlMs);
    return this.write(() => {
      const cur = this.leaseRow(name);
      const live = cur !== undefined && cur.expires_at > now;
      if (live && cur.holder !== holder) return { acquired: false, lease: toLease(cur) };
      const acquiredAt = live ? cur.acquired_at : now;
      this.sql("INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)").run(name, holder, acquiredAt, expiresAt);
      return { acquired: true, lease: { name, holder, acquiredAt, expiresAt } };
    });
  }

  async renewLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const r = this.sql("UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ? AND expires_at > ?");
    return r.run(now + ttl(ttlMs), name, holder, now).changes > 0;
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    return this.sql("DELETE FROM leases WHERE name = ? AND holder = ?").run(name, holder).changes > 0;
  }

  async schemaVersion(): Promise<number> {
    return currentVersion(this.db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** The spec becomes generation n+1; history keeps the newest HISTORY_LIMIT. In a write(). */
  private newGeneration(row: AppRow, specText: string, labelsText: string): PutAppResult {
    const generation = row.generation + 1;
    const now = this.now();
    this.sql("UPDATE apps SET generation = ?, spec = ?, labels = ?, updated_at = ? WHERE name = ?").run(
      generation,
      specText,
      labelsText,
      now,
      row.name,
    );
    this.sql("INSERT INTO app_history VALUES (?, ?, ?, ?)").run(row.name, generation, specText, now);
    this.sql("DELETE FROM app_history WHERE app = ? AND generation <= ?").run(
      row.name,
      generation - HISTORY_LIMIT,
    );
    return { app: this.mustApp(row.name), changed: true };
  }

  /** A row to insert: seq null lets SQLite take the next one. */
  private eventRow(e: EventInput): Omit<EventRow, "seq"> & { seq: number | null } {
    if (e.seq !== undefined && !(Number.isSafeInteger(e.seq) && e.seq > 0))
      throw new BosunError("bad_request", `an event's seq must be a whole number above 0 (got ${e.seq})`);
    return {
      seq: e.seq ?? null,
      time: e.time === undefined ? this.now() : canonicalTime(e.time),
      kind: e.kind ?? "app",
      app: e.app ?? null,
      replica: e.replica ?? null,
      container: e.container ?? null,
      type: e.type,
      message: e.message,
      details: plainJson(e.details ?? {}),
    };
  }

  /** AUTOINCREMENT keeps the highest seq ever used, so pruning does not lower it. */
  private lastSeq(): number {
    const row = this.sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Each distinct SQL text is prepared once. */
  private sql(text: string): Statement {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  private now(): string {
    return nanoIso(this.clock());
  }

  private appRow(name: string): AppRow | undefined {
    return this.sql("SELECT * FROM apps WHERE name = ?").get(name) as AppRow | undefined;
  }

  private mustApp(name: string): App {
    const row = this.appRow(name);
    if (!row) throw notFound(name);
    return toApp(row);
  }

  private replicaRow(app: string, index: number): ReplicaRow | undefined {
    return this.sql("SELECT * FROM replicas WHERE app = ? AND idx = ?").get(app, index) as
      | ReplicaRow
      | undefined;
  }

  private leaseRow(name: string): LeaseRow | undefined {
    return this.sql("SELECT * FROM leases WHERE name = ?").get(name) as LeaseRow | undefined;
  }
}

function notFound(app: string): BosunError {
  // The table's hint for not_found is about containers.
  return new BosunError("not_found", `no app named ${app}`, "apps are made by applying a spec");
}

function count(what: string, n: number): number {
  if (!(Number.isSafeInteger(n) && n >= 0))
    throw new BosunError("bad_request", `${what} must be a whole number, 0 or more (got ${n})`);
  return n;
}

function ttl(ms: number): number {
  if (!(Number.isFinite(ms) && ms > 0))
    throw new BosunError("bad_request", `a lease's ttl must be more than 0 ms (got ${ms})`);
  return ms;
}
