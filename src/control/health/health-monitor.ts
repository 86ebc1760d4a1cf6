// Every replica's health checker, by replica id. The reconciler and the load balancer subscribe
// to "change": the load balancer takes an unhealthy replica out first, the reconciler then
// restarts or replaces it.
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "./clock.ts";
import type { ExecFn } from "./exec-probe.ts";
import { type ChangeInfo, HealthChecker, type ProbeRecord } from "./health-checker.ts";
import type { HealthState } from "./health-state.ts";
import { probeFor } from "./probe-for.ts";
import { type AppHealth, probeSpecFor } from "./probe-spec.ts";

export interface HealthTarget {
  /** The replica's port name → the port it listens on (http and tcp checks name one). */
  ports: Readonly<Record<string, number>>;
  /** Runs a command in the replica's container (exec checks). */
  exec?: ExecFn;
}

export interface HealthChange extends ChangeInfo {
  id: string;
  state: HealthState;
}

export class HealthMonitor extends EventEmitter<{ change: [HealthChange] }> {
  readonly #clock: Clock;
  readonly #checkers = new Map<string, HealthChecker>();

  constructor(deps: { clock?: Clock } = {}) {
    super();
    this.#clock = deps.clock ?? systemClock;
  }

  /** Starts checking a running replica; watching it again (after a restart) starts over. */
  watch(id: string, health: AppHealth, target: HealthTarget): void {
    this.unwatch(id);
    const spec = probeSpecFor(health, target.ports);
    const checker = new HealthChecker(spec, {
      probe: probeFor(spec, target.exec),
      clock: this.#clock,
      onChange: (state, info) => this.emit("change", { id, state, ...info }),
    });
    this.#checkers.set(id, checker);
    checker.start();
  }

  unwatch(id: string): void {
    this.#checkers.get(id)?.stop();
    this.#checkers.delete(id);
  }

  /** undefined when the replica is not watched (it has no health check, or is not running). */
  state(id: string): HealthState | undefined {
    return this.#checkers.get(id)?.state;
  }

  /** The last few results, oldest first, for inspect. */
  results(id: string): readonly ProbeRecord[] {
    return this.#checkers.get(id)?.results ?? [];
  }

  watched(): string[] {
    return [...this.#checkers.keys()];
  }

  /** Stops every checker (shutdown). */
  close(): void {
    for (const id of this.watched()) this.unwatch(id);
  }
}
