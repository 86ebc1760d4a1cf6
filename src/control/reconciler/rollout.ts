// The rollout's lifecycle, advanced once per plan from what is observed:
//
//   progressing ──converged──▶ complete
//        │ no progress for the deadline, or too many failed replicas
//        ▼
//      failed ──(autoRollback, with a previous spec)──▶ rolling-back ──converged──▶ rolled-back
//
// A rollout is the pursuit of one spec hash, not one generation: a write that changes only the
// replica count bumps the generation but keeps the rollout (and a rolled-back app stays rolled back
// when it is scaled). A new spec hash starts a new rollout, superseding one in flight. A failed
// rollout without a rollback keeps trying and becomes complete if it ever converges.
//
// Rolling back pursues `rollbackTo` (the desired app's `previous`, captured at the failure)
// directly, so plan() needs nothing written to roll back, and the start actions carry the previous
// generation, whose spec the loop looks up. The loop does write that spec as a new generation, so
// the rollback outlives a daemon restart; a desired spec equal to `rollbackTo` continues the
// rollback (and `rollout undo` to it changes nothing). Any other spec hash (a fix) ends the
// rolled-back state; to retry the same spec, the loop drops the rollout state. A rollback has no
// deadline of its own: it is the way back.
//
// The deadline counts from the last progress (a new high of available replicas of the target
// spec), so a long rollout that keeps moving does not fail; it should exceed minReadySeconds.

import type { Limits } from "./limits.ts";
import { isAvailable, isCrashLooping, isDead, isUnhealthy } from "./replica.ts";
import type { DesiredApp, ObservedApp, PlanEvent, RolloutState, SpecRef } from "./types.ts";

/** The spec plan() converges to: the desired one, or the one rolled back to. */
export function pursuedSpec(rollout: RolloutState, desired: DesiredApp): SpecRef {
  const back = rollout.state === "rolling-back" || rollout.state === "rolled-back";
  if (back && rollout.rollbackTo) return rollout.rollbackTo;
  return { generation: desired.generation, specHash: desired.specHash };
}

export function advanceRollout(
  desired: DesiredApp,
  observed: ObservedApp,
  limits: Limits,
  now: number,
): { rollout: RolloutState; events: PlanEvent[] } {
  const { app, generation, specHash } = desired;
  const n = limits.replicas;
  const replicas = observed.replicas;
  const prev = observed.rollout;
  const events: PlanEvent[] = [];
  const converged = (spec: SpecRef) =>
    replicas.length === n &&
    replicas.every((r) => r.specHash === spec.specHash && isAvailable(r, limits.minReadyMs, now));

  let r: RolloutState;
  // The loop writes the spec rolled back to as a new generation (so the rollback outlives a
  // daemon restart): that is the same rollback going on, not a new rollout.
  const backTo = prev?.rollbackTo?.specHash;
  const goingBack = (prev?.state === "rolling-back" || prev?.state === "rolled-back") && backTo === specHash;
  if (prev !== undefined && goingBack) {
    r = { ...prev, generation, replicas: n };
  } else if (prev === undefined || prev.specHash !== specHash) {
    r = {
      generation,
      specHash,
      state: "progressing",
      replicas: n,
      startedAt: now,
      progressAt: now,
      updated: 0,
      failures: 0,
    };
    const others = replicas.filter((x) => x.status !== "removing" && x.specHash !== specHash).length;
    // A loop that lost its state (or an app adopted as it runs) is not a new deployment.
    if (prev === undefined && others === 0 && converged(desired)) {
      return { rollout: { ...r, state: "complete", updated: n }, events };
    }
    const superseded = prev !== undefined && prev.state !== "complete" && prev.state !== "rolled-back";
    events.push({
      type: "rollout.started",
      message:
        `${app}: rolling out generation ${generation} to ${n} replicas` +
        (others > 0 ? `, replacing ${others} of another spec` : "") +
        ` (max surge ${limits.maxSurge}, max unavailable ${limits.maxUnavailable})` +
        (superseded ? `; supersedes the unfinished rollout of generation ${prev.generation}` : ""),
      details: {
        generation,
        specHash,
        replicas: n,
        replacing: others,
        maxSurge: limits.maxSurge,
        maxUnavailable: limits.maxUnavailable,
        superseded: superseded ? prev.generation : null,
      },
    });
  } else {
    r = { ...prev, generation, replicas: n };
    if (prev.replicas !== n) {
      events.push({
        type: "app.scaled",
        message: `${app}: scaled from ${prev.replicas} to ${n} replicas`,
        details: { generation, from: prev.replicas, to: n },
      });
    }
  }

  if (r.state === "progressing" || r.state === "failed") {
    const updated = replicas.filter(
      (x) => x.specHash === specHash && isAvailable(x, limits.minReadyMs, now),
    ).length;
    if (converged(desired)) {
      events.push({
        type: "rollout.complete",
        message: `${app}: generation ${generation} is complete, ${n} of ${n} replicas available`,
        details: { generation, specHash, replicas: n, tookMs: now - r.startedAt },
      });
      return { rollout: { ...r, state: "complete", updated: n }, events };
    }
    if (updated > r.updated) {
      r = { ...r, updated, progressAt: now, failures: 0 };
      events.push({
        type: "rollout.progress",
        message: `${app}: ${updated} of ${n} replicas of generation ${generation} available`,
        details: { generation, updated, replicas: n },
      });
    }
    if (r.state === "progressing") {
      // Counted when first seen: the plan that sees them drains or stops them, so they are not
      // seen as failing again.
      const failing = replicas.filter(
        (x) => x.specHash === specHash && x.draining !== true && (isDead(x) || isUnhealthy(x)),
      ).length;
      r = { ...r, failures: r.failures + failing };
      // Restarted in place as often as replicas may fail: as good as that many failed replicas.
      const looping = replicas.find(
        (x) => x.specHash === specHash && x.draining !== true && isCrashLooping(x, limits.failureThreshold),
      );
      const stalled = now >= r.progressAt + limits.progressDeadlineMs;
      if (stalled || looping || r.failures >= limits.failureThreshold) {
        const why = looping
          ? `replica ${looping.index} (${looping.id}) restarted ${looping.restarts} times without a stable run`
          : stalled
            ? `no new replica became available for ${limits.progressDeadlineMs / 1000} s`
            : `${r.failures} of its replicas failed`;
        r = fail(r, desired, now, why, events);
      }
    }
  }

  if (r.state === "rolling-back" && r.rollbackTo && converged(r.rollbackTo)) {
    const back = r.rollbackTo;
    events.push({
      type: "rollout.rolled-back",
      message: `${app}: rolled back to generation ${back.generation}, ${n} of ${n} replicas available`,
      details: { generation, rolledBackTo: back.generation, specHash: back.specHash, replicas: n },
    });
    r = { ...r, state: "rolled-back" };
  }
  return { rollout: r, events };
}

function fail(
  r: RolloutState,
  desired: DesiredApp,
  now: number,
  why: string,
  events: PlanEvent[],
): RolloutState {
  const { app, generation, previous } = desired;
  const canRollBack =
    desired.update.autoRollback && previous !== undefined && previous.specHash !== r.specHash;
  const after = canRollBack
    ? `rolling back to generation ${previous.generation}`
    : desired.update.autoRollback
      ? "no earlier complete generation to roll back to; still trying"
      : "automatic rollback is off; still trying";
  events.push({
    type: "rollout.failed",
    message: `${app}: the rollout of generation ${generation} failed: ${why}; ${after}`,
    details: {
      generation,
      specHash: r.specHash,
      updated: r.updated,
      replicas: r.replicas,
      failures: r.failures,
      reason: why,
    },
  });
  if (!canRollBack) return { ...r, state: "failed", failedAt: now };
  const rollbackTo = { generation: previous.generation, specHash: previous.specHash };
  events.push({
    type: "rollout.rolling-back",
    message: `${app}: rolling back from generation ${generation} to generation ${previous.generation}`,
    details: { generation, to: previous.generation, specHash: previous.specHash },
  });
  return { ...r, state: "rolling-back", failedAt: now, rollbackTo };
}
