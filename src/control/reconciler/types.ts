// The reconciler's own view of an app: what plan() reads and what it returns. The loop maps the
// store and the runtime onto these shapes, so plan() stays pure and imports nothing else.

/** A spec is identified by its hash; the generation says which write of the app produced it. */
export interface SpecRef {
  generation: number;
  specHash: string;
}

export interface UpdateStrategy {
  /** Replicas allowed above `replicas` during an update or a replacement, counting starting and draining ones. */
  maxSurge: number;
  /** Available replicas allowed below `replicas` during an update. 0 together with maxSurge 0 is read as 1. */
  maxUnavailable: number;
  /** How long a replica must stay ready (healthy, or running without a health check) to count as available. */
  minReadySeconds: number;
  /** On a failed rollout, go back to `previous`. */
  autoRollback: boolean;
  /** A rollout fails when no new replica of it becomes available for this long. Default 60 s. */
  progressDeadlineMs?: number;
  /** A rollout also fails after this many of its replicas failed since its last progress. Default 3. */
  failureThreshold?: number;
}

export interface DesiredApp extends SpecRef {
  app: string;
  replicas: number;
  update: UpdateStrategy;
  /** The last generation whose rollout completed: where a failed rollout rolls back to. */
  previous?: SpecRef;
}

export type ReplicaStatus = "created" | "starting" | "running" | "exited" | "failed" | "removing";
export type ReplicaHealth = "starting" | "healthy" | "unhealthy" | "none";

export interface ObservedReplica extends SpecRef {
  /** The container id. */
  id: string;
  /** A stable slot, 0-based; no two replicas of an app share one until the older is gone. */
  index: number;
  status: ReplicaStatus;
  health: ReplicaHealth;
  /** When it became healthy, or running when it has no health check (ms); null when not ready. */
  readySince: number | null;
  /** Out of the load balancer, waiting for its connections to end before the stop. */
  draining?: boolean;
  /** When the drain began (ms). Without it, a draining replica is stopped at the next plan. */
  drainingSince?: number;
  /** Exited for good: the restart policy gave up (or did not apply). */
  exitedFinal?: boolean;
  /** Restarts in place (by its restart policy) since it was last ready, or since it started. */
  restarts?: number;
}

export type RolloutPhase = "progressing" | "complete" | "failed" | "rolling-back" | "rolled-back";

/** Carried from one plan() to the next; the loop stores it with the app. */
export interface RolloutState extends SpecRef {
  state: RolloutPhase;
  /** The replica count last planned for, so a change of it is reported once. */
  replicas: number;
  startedAt: number;
  /** When a replica of the target spec last became available for the first time in this rollout. */
  progressAt: number;
  /** The most replicas of the target spec seen available at once in this rollout (a high-water mark). */
  updated: number;
  /** Replicas of the target spec that failed since the last progress. */
  failures: number;
  failedAt?: number;
  /** Set when the rollout failed and rolls back: the spec now pursued instead of the desired one. */
  rollbackTo?: SpecRef;
}

export interface ObservedApp {
  replicas: ObservedReplica[];
  rollout?: RolloutState;
}

export type Action =
  | ({ type: "start"; index: number } & SpecRef)
  | { type: "drain"; id: string }
  | { type: "stop"; id: string };

export type PlanEventType =
  | "app.scaled"
  | "replica.replaced"
  | "replica.removed"
  | "rollout.started"
  | "rollout.progress"
  | "rollout.complete"
  | "rollout.failed"
  | "rollout.rolling-back"
  | "rollout.rolled-back";

export interface PlanEvent {
  type: PlanEventType;
  message: string;
  details: Record<string, string | number | boolean | null>;
}

export interface Plan {
  /** Stops first, then drains, then starts. */
  actions: Action[];
  rollout: RolloutState;
  /** When time alone would change the plan: a replica reaching minReadySeconds, a drain ending, a deadline. */
  nextWakeAt?: number;
  events: PlanEvent[];
}

export interface PlanOptions {
  /** How long a drained replica keeps its connections before it is stopped. Default 2000 ms. */
  stopAfterDrainMs?: number;
}
