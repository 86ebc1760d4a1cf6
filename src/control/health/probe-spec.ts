// What one replica's health check runs: the app spec's health block with its port names
// resolved to this replica's ports, and its durations named with their unit.
import { BosunError } from "../../api/errors.ts";
import type { App } from "../spec/app-spec.ts";

export interface ProbeSpec {
  /** GET http://127.0.0.1:port/path; healthy on 200–399. */
  http?: { path: string; port: number };
  /** Healthy when a connection to 127.0.0.1:port opens. */
  tcp?: { port: number };
  /** Run in the container; healthy when it exits 0. */
  exec?: string[];
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  /** Failures in this time after the start do not count; a success ends it early. */
  startPeriodMs: number;
}

/** The app spec's health block, after validation (durations in ms, ports by name). */
export type AppHealth = NonNullable<App["spec"]["health"]>;

/** `ports`: the replica's port name → the port it listens on. */
export function probeSpecFor(health: AppHealth, ports: Readonly<Record<string, number>>): ProbeSpec {
  const port = (name: string): number => {
    const p = ports[name];
    // The app spec refuses a probe on an undeclared port, so this is a wiring bug.
    if (p === undefined) throw new BosunError("internal", `health check port "${name}" has no port number`);
    return p;
  };
  return {
    ...(health.http ? { http: { path: health.http.path, port: port(health.http.port) } } : {}),
    ...(health.tcp ? { tcp: { port: port(health.tcp.port) } } : {}),
    ...(health.exec ? { exec: health.exec } : {}),
    intervalMs: health.interval,
    timeoutMs: health.timeout,
    failureThreshold: health.failureThreshold,
    successThreshold: health.successThreshold,
    startPeriodMs: health.startPeriod,
  };
}
