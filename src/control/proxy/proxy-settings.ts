// The balancer's tunables, with the defaults it uses when a caller leaves them out.
import { performance } from "node:perf_hooks";

export interface BalancerOptions {
  /** A backend that has not accepted a connection by then counts as down. Default 3 s. */
  connectTimeoutMs?: number;
  /**
   * How long a backend may take to send the response head once the request is sent, and how
   * long a response body may stall between two reads (nginx's `proxy_read_timeout`); then the
   * client gets a 504, or a cut connection when the response was under way. A route may set its
   * own. Upgraded connections (WebSockets) are exempt once the backend answered. Default 60 s.
   */
  responseTimeoutMs?: number;
  /** Idle keep-alive connections kept per backend (nginx's `keepalive`). Default 64. */
  maxIdlePerBackend?: number;
  /** An idle backend connection is closed after this long, or sooner if the backend's
   * Keep-Alive header says it will close it first. Default 30 s. */
  upstreamIdleTimeoutMs?: number;
  /** How long a client connection may sit idle between requests. Default 60 s. */
  clientKeepAliveTimeoutMs?: number;
  /** The window over which rates and latency percentiles are computed. Default 10 s. */
  metricsWindowSeconds?: number;
  /** A monotonic clock in milliseconds. Default performance.now. */
  now?: () => number;
}

export interface ProxySettings {
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly maxIdlePerBackend: number;
  readonly upstreamIdleTimeoutMs: number;
  readonly clientKeepAliveTimeoutMs: number;
  readonly metricsWindowSeconds: number;
  readonly now: () => number;
}

export function proxySettings(o: BalancerOptions): ProxySettings {
  return {
    connectTimeoutMs: o.connectTimeoutMs ?? 3000,
    responseTimeoutMs: o.responseTimeoutMs ?? 60_000,
    maxIdlePerBackend: o.maxIdlePerBackend ?? 64,
    upstreamIdleTimeoutMs: o.upstreamIdleTimeoutMs ?? 30_000,
    clientKeepAliveTimeoutMs: o.clientKeepAliveTimeoutMs ?? 60_000,
    metricsWindowSeconds: o.metricsWindowSeconds ?? 10,
    now: o.now ?? (() => performance.now()),
  };
}
