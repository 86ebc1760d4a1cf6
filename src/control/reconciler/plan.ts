// plan(desired, observed, now): what to do next for one app. Pure: the loop that calls it observes,
// applies the actions, stores the returned rollout state, and calls it again on the next event or
// at nextWakeAt. The loop must reflect the actions it applied in what it observes next (a started
// replica as "created", a drained one as draining with drainingSince, a stopped one as "removing"
// or gone); given the same world and the same time, plan() returns the same actions.
//
// Every replica is in one of these situations, decided in this order:
//   removing             nothing to do; it still holds its slot and counts toward the surge
//   dead                 failed, or exited for good: stop it (nothing to drain), replace it
//   draining             stop it once stopAfterDrainMs has passed since drainingSince
//   unhealthy            drain it, replace it
//   staying              of the pursued spec ("current") or not ("old")
// Then, with N replicas wanted:
//   1. current replicas beyond N leave (a scale-in, regardless of availability);
//   2. old replicas out of the load balancer leave at once (they carry no traffic); the others
//      leave only while at least N − maxUnavailable replicas stay available;
//   3. current replicas up to N start in the lowest free slots, while all replicas (starting,
//      draining and removing ones included) stay within N + maxSurge.
// A replica that leaves is drained when it is in the load balancer, else stopped directly.
// So a rolling update starts new replicas into the surge, waits for them to be available
// (health and minReadySeconds), drains old ones as the floor allows, and repeats as slots free up.
// A replacement of a failed or unhealthy replica follows the same rules, so with a surge the new
// replica starts while the old one drains, and without one it waits for the old one to be gone.
// Slots are 0-based and held until the replica is gone from observed, so a container name is
// never in use twice; after a surge, the slots in use need not be 0..N−1.

import { DEFAULT_STOP_AFTER_DRAIN_MS, type Limits, limitsOf } from "./limits.ts";
import {
  availableAt,
  freeIndexes,
  isAvailable,
  isDead,
  isServing,
  isUnhealthy,
  removalOrder,
} from "./replica.ts";
import { advanceRollout, pursuedSpec } from "./rollout.ts";
import type {
  Action,
  DesiredApp,
  ObservedApp,
  ObservedReplica,
  Plan,
  PlanEvent,
  PlanOptions,
  SpecRef,
} from "./types.ts";

export function plan(
  desired: DesiredApp,
  observed: ObservedApp,
  now: number,
  options: PlanOptions = {},
): Plan {
  const limits = limitsOf(desired);
  const { rollout, events } = advanceRollout(desired, observed, limits, now);
  const spec = pursuedSpec(rollout, desired);
  const drainMs = options.stopAfterDrainMs ?? DEFAULT_STOP_AFTER_DRAIN_MS;
  const step = converge(desired.app, observed.replicas, spec, limits, drainMs, now);
  const wakes = step.wakes;
  if (rollout.state === "progressing") wakes.push(rollout.progressAt + limits.progressDeadlineMs);
  const future = wakes.filter((t) => t > now);
  const result: Plan = { actions: step.actions, rollout, events: [...events, ...step.events] };
  if (future.length > 0) result.nextWakeAt = Math.min(...future);
  return result;
}

function converge(
  app: string,
  replicas: readonly ObservedReplica[],
  spec: SpecRef,
  limits: Limits,
  drainMs: number,
  now: number,
): { actions: Action[]; events: PlanEvent[]; wakes: number[] } {
  const { replicas: n, minReadyMs } = limits;
  const stops: Action[] = [];
  const drains: Action[] = [];
  const events: PlanEvent[] = [];
  const wakes: number[] = [];
  const failed: { r: ObservedReplica; reason: string }[] = [];
  const staying: ObservedReplica[] = [];

  const drain = (r: ObservedReplica) => {
    drains.push({ type: "drain", id: r.id });
    // The loop records drainingSince as it applies the drain: now.
    wakes.push(now + drainMs);
  };

  for (const r of replicas) {
    if (r.status === "removing") continue;
    if (isDead(r)) {
      stops.push({ type: "stop", id: r.id });
      if (r.draining !== true)
        failed.push({ r, reason: r.status === "failed" ? "failed" : "exited for good" });
    } else if (r.draining === true) {
      const end = (r.drainingSince ?? Number.NEGATIVE_INFINITY) + drainMs;
      if (now >= end) stops.push({ type: "stop", id: r.id });
      else wakes.push(end);
    } else if (isUnhealthy(r)) {
      drain(r);
      failed.push({ r, reason: "unhealthy" });
    } else {
      staying.push(r);
      const at = availableAt(r, minReadyMs);
      if (at !== null && at > now) wakes.push(at);
    }
  }

  const leave = (r: ObservedReplica) => (isServing(r) ? drain(r) : stops.push({ type: "stop", id: r.id }));
  const byCost = removalOrder(minReadyMs, now);
  const available = (r: ObservedReplica) => isAvailable(r, minReadyMs, now);
  const current = staying.filter((r) => r.specHash === spec.specHash).sort(byCost);
  const old = staying.filter((r) => r.specHash !== spec.specHash).sort(byCost);

  // 1. Scale in.
  const extra = current.splice(0, Math.max(0, current.length - n));
  for (const r of extra) leave(r);
  // 2. Old replicas, within the availability floor.
  let budget = current.filter(available).length + old.filter(available).length - (n - limits.maxUnavailable);
  for (const r of old) {
    if (!isServing(r)) leave(r);
    else if (budget > 0) {
      leave(r);
      if (available(r)) budget--;
    }
  }
  // 3. Scale out and replace, within the surge.
  const room = n + limits.maxSurge - replicas.length;
  const count = Math.max(0, Math.min(n - current.length, room));
  const starts: Action[] = freeIndexes(replicas, count).map((index) => ({ type: "start", index, ...spec }));

  for (const { r, reason } of failed) {
    const replaced = current.length < n;
    events.push({
      type: replaced ? "replica.replaced" : "replica.removed",
      message: `${app}: replica ${r.index} (${r.id}) ${reason}; ${replaced ? "replacing" : "removing"} it`,
      details: {
        id: r.id,
        index: r.index,
        generation: r.generation,
        reason,
        status: r.status,
        health: r.health,
      },
    });
  }
  return { actions: [...stops, ...drains, ...starts], events, wakes };
}
