// A route as the balancer runs it: the spec's matching rules, the shared state of its backends,
// and the round-robin cursor.
import type { BackendState } from "./backend-state.ts";
import type { Pool } from "./pick-backend.ts";
import type { Strategy } from "./route-spec.ts";
import type { TrafficMetrics } from "./traffic-metrics.ts";

export interface AppState {
  readonly name: string;
  readonly metrics: TrafficMetrics;
}

export interface RouteState extends Pool<BackendState> {
  readonly app: AppState;
  readonly host?: string;
  readonly pathPrefix?: string;
  readonly strategy: Strategy;
  /** The route's own, or the balancer's default. */
  readonly responseTimeoutMs: number;
  readonly backends: readonly BackendState[];
  cursor: number;
}
