// What the balancer is told: which apps it serves and where their replicas listen. The
// reconciler derives these from the store and hands a whole new set to setRoutes() at once.

export type Strategy = "round-robin" | "least-connections";

export interface BackendSpec {
  /** Unique within one balancer: the replica id. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** False while the replica is starting or failing its health check: it gets no traffic. */
  readonly ready: boolean;
}

export interface RouteSpec {
  readonly app: string;
  /** Matched exactly against the Host header, port stripped, case-insensitive. */
  readonly host?: string;
  /** Matched on whole path segments: "/api" takes "/api", "/api/x" and "/api?q", not "/apix". */
  readonly pathPrefix?: string;
  readonly strategy: Strategy;
  /** Overrides the balancer's responseTimeoutMs for this route. */
  readonly responseTimeoutMs?: number;
  readonly backends: readonly BackendSpec[];
}
