// What a replica is, as far as the reconciler cares. Every predicate reads only the observed
// record and the clock, so the same replica is classified the same way by every plan.

import type { ObservedReplica } from "./types.ts";

/** Exited for good or failed: nothing left to drain, only to remove and replace. */
export function isDead(r: ObservedReplica): boolean {
  return r.status !== "removing" && (r.status === "failed" || r.exitedFinal === true);
}

/**
 * Restarted in place `threshold` times without a stable run: a crash loop, even if it is up for
 * the moment. It is left to its restart policy's backoff (a new replica of the same spec would
 * crash the same way, without the backoff), but a rollout counts it as failed.
 */
export function isCrashLooping(r: ObservedReplica, threshold: number): boolean {
  return r.status !== "removing" && (r.restarts ?? 0) >= threshold;
}

/** The health check reached its failure threshold (it reports "unhealthy" only then). */
export function isUnhealthy(r: ObservedReplica): boolean {
  return (r.status === "running" || r.status === "starting") && r.health === "unhealthy";
}

/** In the load balancer: taking it out needs a drain, not just a stop. */
export function isServing(r: ObservedReplica): boolean {
  return r.status === "running" && (r.health === "healthy" || r.health === "none") && r.draining !== true;
}

/** When it counts as available, or null while it is not ready at all. */
export function availableAt(r: ObservedReplica, minReadyMs: number): number | null {
  return isServing(r) && r.readySince !== null ? r.readySince + minReadyMs : null;
}

export function isAvailable(r: ObservedReplica, minReadyMs: number, now: number): boolean {
  const at = availableAt(r, minReadyMs);
  return at !== null && at <= now;
}

/**
 * Orders replicas so the first ones are the cheapest to lose: those not available yet (they carry
 * no traffic), then the newest (the last to become ready), then the highest index (keeping the low
 * slots filled, as people expect web-0 to exist).
 */
export function removalOrder(minReadyMs: number, now: number) {
  return (a: ObservedReplica, b: ObservedReplica): number => {
    const aa = isAvailable(a, minReadyMs, now);
    const ba = isAvailable(b, minReadyMs, now);
    if (aa !== ba) return aa ? 1 : -1;
    const ar = a.readySince ?? Number.POSITIVE_INFINITY;
    const br = b.readySince ?? Number.POSITIVE_INFINITY;
    if (ar !== br) return br - ar > 0 ? 1 : -1;
    return b.index - a.index;
  };
}

/** The lowest `count` slots that no replica holds, including the ones still on their way out. */
export function freeIndexes(replicas: readonly ObservedReplica[], count: number): number[] {
  const used = new Set(replicas.map((r) => r.index));
  const free: number[] = [];
  for (let i = 0; free.length < count; i++) if (!used.has(i)) free.push(i);
  return free;
}
