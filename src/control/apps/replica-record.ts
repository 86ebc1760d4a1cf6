// What the controller knows of a replica beyond its container, and how one look at the container
// updates it: since when it has been ready, and how often it restarted since its last stable run
// (a crash loop is reported once, when that count reaches the threshold).
import type { Container } from "../../api/schemas.ts";
import { DEFAULT_FAILURE_THRESHOLD } from "../reconciler/limits.ts";
import type { ReplicaStatus } from "../reconciler/types.ts";

/** The shim resets its restart backoff after a run this long (shim/src/policy.h). */
export const STABLE_RUN_MS = 10_000;

export interface ReplicaRecord {
  /** When it became ready (healthy, or running without a check); null while it is not. */
  readySince: number | null;
  /** The container's restart count at its last stable run, or when it was first seen. */
  restartsAtStableRun?: number;
  /** The container's restart count at the last look. */
  seenRestarts?: number;
  /** A crash loop was reported; cleared by a stable run. */
  crashLoopReported?: boolean;
  drainingSince?: number;
  removing?: boolean;
}

export interface Look {
  /** Restarts in place since its last stable run. */
  restarts: number;
  /** The look that found a crash loop, once per loop: report it. */
  crashLoopFound: boolean;
}

export function replicaStatus(c: Container, r: ReplicaRecord): ReplicaStatus {
  if (r.removing || c.state.status === "removing") return "removing";
  switch (c.state.status) {
    case "created":
      return "created";
    case "running":
    case "paused":
      return "running";
    case "restarting":
      return "starting";
    case "exited":
      return c.state.reason === "exec-failed" ? "failed" : "exited";
  }
}

/** Restarts in place since the last stable run (none known before the record's first look). */
export function restartsSinceStableRun(r: ReplicaRecord | undefined, c: Container): number {
  return c.state.restarts - (r?.restartsAtStableRun ?? c.state.restarts);
}

/** Updates the record from one look at the container, `ready` or not at `now`. */
export function look(r: ReplicaRecord, c: Container, ready: boolean, now: number): Look {
  const count = c.state.restarts;
  // A restart since the last look means it was down in between, however briefly.
  if (r.seenRestarts !== count) r.readySince = null;
  r.seenRestarts = count;
  if (ready && r.readySince === null) r.readySince = now;
  if (!ready) r.readySince = null;
  // First seen (started by us, or adopted after a daemon restart): its past restarts are not a
  // crash loop of this look's making.
  r.restartsAtStableRun ??= count;
  // A stable run (as long as the one that resets the shim's backoff) ends a crash loop; a process
  // that is up for a moment between crashes does not.
  if (r.readySince !== null && now - r.readySince >= STABLE_RUN_MS) {
    r.restartsAtStableRun = count;
    r.crashLoopReported = false;
  }
  const restarts = restartsSinceStableRun(r, c);
  const crashLoopFound = restarts >= DEFAULT_FAILURE_THRESHOLD && r.crashLoopReported !== true;
  if (crashLoopFound) r.crashLoopReported = true;
  return { restarts, crashLoopFound };
}
