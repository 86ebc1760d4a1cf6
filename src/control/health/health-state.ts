// The health state machine, pure: one probe result in, the next counters and state out.
//
//   starting  ──successThreshold successes──▶  healthy
//   starting / healthy  ──failureThreshold failures──▶  unhealthy
//   unhealthy  ──successThreshold successes──▶  healthy
//
// During the start period failures do not count, and the first success ends the period (as
// Docker's --start-period), so a slow starter is not killed while it boots and a fast one is not
// held back.

export type HealthState = "starting" | "healthy" | "unhealthy";

export interface Thresholds {
  successThreshold: number;
  failureThreshold: number;
  startPeriodMs: number;
}

export interface HealthStatus {
  state: HealthState;
  successes: number;
  failures: number;
  /** When the check started (ms); the start period runs from here. */
  startedAt: number;
  /** A success ended the start period early. */
  started: boolean;
}

export function initialStatus(now: number): HealthStatus {
  return { state: "starting", successes: 0, failures: 0, startedAt: now, started: false };
}

export function inStartPeriod(s: HealthStatus, t: Thresholds, at: number): boolean {
  return !s.started && at - s.startedAt < t.startPeriodMs;
}

/** `at`: when the probe began, so a slow probe that began inside the start period is excused. */
export function nextStatus(s: HealthStatus, ok: boolean, at: number, t: Thresholds): HealthStatus {
  if (ok) {
    const successes = s.successes + 1;
    const state = successes >= t.successThreshold ? "healthy" : s.state;
    return { ...s, state, successes, failures: 0, started: true };
  }
  if (inStartPeriod(s, t, at)) return { ...s, successes: 0 };
  const failures = s.failures + 1;
  const state = failures >= t.failureThreshold ? "unhealthy" : s.state;
  return { ...s, state, successes: 0, failures };
}
