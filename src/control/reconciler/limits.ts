// The numbers plan() works with, read once from the desired app. Specs are validated at the edge;
// this only guards the arithmetic (no negative or fractional counts) and fills the defaults.

import type { DesiredApp } from "./types.ts";

export const DEFAULT_PROGRESS_DEADLINE_MS = 60_000;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_STOP_AFTER_DRAIN_MS = 2_000;

export interface Limits {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
  minReadyMs: number;
  progressDeadlineMs: number;
  failureThreshold: number;
}

const count = (n: number): number => (Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0);

export function limitsOf(desired: DesiredApp): Limits {
  const u = desired.update;
  const maxSurge = count(u.maxSurge);
  // Neither surge nor unavailability would leave no room to replace anything: an update could
  // never start. Allowing one replica down is the choice that needs no extra capacity.
  const maxUnavailable = maxSurge === 0 ? Math.max(1, count(u.maxUnavailable)) : count(u.maxUnavailable);
  return {
    replicas: count(desired.replicas),
    maxSurge,
    maxUnavailable,
    minReadyMs: Math.max(0, u.minReadySeconds * 1000),
    progressDeadlineMs: u.progressDeadlineMs ?? DEFAULT_PROGRESS_DEADLINE_MS,
    failureThreshold: Math.max(1, count(u.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD)),
  };
}
