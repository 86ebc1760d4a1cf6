// The control plane's state, as orchestrator operations rather than SQL. Every method returns a
// promise so that a networked database (PostgreSQL) can implement the same interface; SQLite
// answers synchronously inside them. One contract suite (contract.ts) runs against each.
//
// Times are RFC 3339 UTC strings with nanoseconds ("2026-11-22T01:02:03.456000000Z", as the
// runtime and the shim write them), so that they sort and compare as strings; a shorter
// fraction given to the store is padded to that form. Lease times are epoch milliseconds.
// Failures are BosunErrors: `not_found` for an unknown app, `bad_request` for a bad argument,
// `conflict` for a rollback with nowhere to go or a database written by a newer bosun.

/** JSON values: specs, labels and event details go through JSON.stringify on the way in. */
export type Json = unknown;
export type Labels = Record<string, string>;

export type AppPhase = "progressing" | "complete" | "failed" | "rolled-back";

/** What the rollout controller last saw of an app (Kubernetes' status, beside the spec). */
export interface AppStatus {
  phase: AppPhase;
  message: string;
  /** The generation this status describes: older than the app's means it is stale. */
  generation: number;
  /** Stamped by the store. */
  updatedAt: string;
}

export interface App {
  name: string;
  /** 1 when created; +1 each time the spec changes (apply or rollback), never otherwise. */
  generation: number;
  spec: Json;
  /** Metadata: changing them alone does not make a generation, and they have no history. */
  labels: Labels;
  /**
   * The scale, kept beside the spec as Kubernetes' scale subresource is: `scale` sets it without
   * a new generation (so no rollout), and it holds across applies of the same spec. null: the
   * spec's own count. Whoever applies a spec that changes its count decides whether to clear it.
   */
  replicas: number | null;
  status: AppStatus | null;
  createdAt: string;
  /** The last change to the spec, labels or scale (not the status). */
  updatedAt: string;
}

export interface AppRevision {
  generation: number;
  spec: Json;
  createdAt: string;
}

export interface PutAppResult {
  app: App;
  /** False when the same spec and labels were applied again: nothing was written. */
  changed: boolean;
}

export type DesiredState = "running" | "stopped";
export type ReplicaHealth = "none" | "starting" | "healthy" | "unhealthy";

/** One slot of an app: its container changes over time, its (app, index) does not. */
export interface Replica {
  app: string;
  index: number;
  /** The app generation this replica's container runs (or is being made to run). */
  generation: number;
  containerId: string | null;
  node: string | null;
  desired: DesiredState;
  /** Observed: the container's status as the runtime reports it; null before it has one. */
  status: string | null;
  health: ReplicaHealth;
  ready: boolean;
  /** Published ports: port name (or container port) → host port. */
  ports: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

/**
 * A change to a replica: fields left out keep their value, or on creation their default
 * (generation: the app's current one, desired: running, no container, health none, not ready).
 */
export type ReplicaPatch = Pick<Replica, "app" | "index"> &
  Partial<Omit<Replica, "app" | "index" | "createdAt" | "updatedAt">>;

export type NodeState = "ready" | "draining" | "down";

export interface NodeInfo {
  name: string;
  address: string | null;
  labels: Labels;
  capacity: { cpus: number; memory: number };
  state: NodeState;
  heartbeatAt: string;
}

export interface StoredEvent {
  /** Increases with every append and is never reused, even after pruning. */
  seq: number;
  time: string;
  /** What the event is about: "app", "container", "daemon" (the API event's type). */
  kind: string;
  app: string | null;
  replica: number | null;
  container: string | null;
  type: string;
  message: string;
  /** Kept as given, object keys in their order (the API's attributes are shown in it). */
  details: Json;
}

export interface EventInput {
  /**
   * Given by a writer that numbers events itself (the daemon's event bus, so that live and
   * stored events share one sequence): it must be above every seq the store has handed out.
   * Otherwise the store takes the next one.
   */
  seq?: number;
  /** Defaults to the store's clock. */
  time?: string;
  /** Defaults to "app". */
  kind?: string;
  app?: string;
  replica?: number;
  container?: string;
  type: string;
  message: string;
  details?: Json;
}

/** `since <= time < until`; oldest first; `limit` keeps the newest that many. */
export interface EventQuery {
  kind?: string;
  app?: string;
  type?: string;
  since?: string;
  until?: string;
  /** Only the events before this one in the order (time, then seq): to page back from it. */
  before?: { time: string; seq: number };
  limit?: number;
}

/** Both may be given: an event goes if it is older than `olderThan` or not among the last `keepLast`. */
export interface EventPrune {
  olderThan?: string;
  keepLast?: number;
}

export interface Lease {
  name: string;
  holder: string;
  acquiredAt: number;
  expiresAt: number;
}

export interface LeaseAttempt {
  acquired: boolean;
  /** The lease as it stands after the attempt: ours, or the other holder's. */
  lease: Lease;
}

/** How many generations appHistory keeps per app, the current one included. */
export const HISTORY_LIMIT = 10;

export interface Store {
  /**
   * Creates the app, or makes a new generation if the spec differs from the current one. The
   * labels given replace the app's (none given: none); alone they make no generation.
   */
  putApp(name: string, spec: Json, labels?: Labels): Promise<PutAppResult>;
  getApp(name: string): Promise<App | undefined>;
  /** By name. */
  listApps(): Promise<App[]>;
  /** Removes the app with its history and its replicas' records: stop their containers first. */
  deleteApp(name: string): Promise<boolean>;
  /** Newest first, the current generation included, at most HISTORY_LIMIT. */
  appHistory(name: string): Promise<AppRevision[]>;
  /**
   * Makes an earlier spec current again as a NEW generation (as `kubectl rollout undo` does), so
   * generations only grow and every replica can tell it is out of date. Without `toGeneration`,
   * the one before the current. Rolling back to the spec already current changes nothing.
   */
  rollbackApp(name: string, toGeneration?: number): Promise<PutAppResult>;
  setAppStatus(name: string, status: Omit<AppStatus, "updatedAt">): Promise<App>;
  /** The scale; null goes back to the spec's count. */
  setReplicas(name: string, replicas: number | null): Promise<App>;

  upsertReplica(patch: ReplicaPatch): Promise<Replica>;
  /** By index. */
  listReplicas(app: string): Promise<Replica[]>;
  deleteReplica(app: string, index: number): Promise<boolean>;

  upsertNode(node: NodeInfo): Promise<NodeInfo>;
  listNodes(): Promise<NodeInfo[]>;

  appendEvent(event: EventInput): Promise<StoredEvent>;
  /** In one transaction: all are appended, or none (then it rejects). */
  appendEvents(events: readonly EventInput[]): Promise<StoredEvent[]>;
  /** The highest seq handed out so far, pruned events included; 0 before the first. */
  lastEventSeq(): Promise<number>;
  listEvents(query?: EventQuery): Promise<StoredEvent[]>;
  /** Returns how many were removed. */
  pruneEvents(prune: EventPrune): Promise<number>;

  /** Takes the lease if it is free, expired, or already ours (then it is extended). */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseAttempt>;
  /** Extends a lease still held (unexpired) by `holder`; false otherwise. */
  renewLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives up the lease if `holder` has it; false otherwise. */
  releaseLease(name: string, holder: string): Promise<boolean>;

  /** The last migration applied to the database. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
