// The request metrics of one app or one backend: what the autoscaler and `bosun top` read.
// Counters are plain fields bumped on the hot path; snapshot() turns them into JSON.
import { LatencyWindow } from "./latency-window.ts";

export interface StatusClasses {
  "1xx": number;
  "2xx": number;
  "3xx": number;
  "4xx": number;
  "5xx": number;
}

/** Failures the balancer saw or answered itself. */
export interface TrafficErrors {
  /** Connections to the backend that could not be opened (refused, timed out). */
  connect: number;
  /** Backend connections that broke or spoke bad HTTP before the response was complete. */
  upstream: number;
  /** Attempts sent again to another backend after a failure. */
  retried: number;
  /** 502s the balancer answered because every attempt failed. */
  badGateway: number;
  /** Responses that did not come in time: no head, or a body that stalled, for the route's
   * response timeout. Answered 504 when nothing was sent yet, else the client's connection is cut. */
  timeout: number;
  /** 503s the balancer answered because no backend was ready. */
  unavailable: number;
  /** Clients that went away before their response was complete. */
  clientAborted: number;
}

export interface TrafficSnapshot {
  /** Since the balancer started. */
  requests: number;
  /** Requests per second over the window. */
  rate: number;
  /** Over the window, in milliseconds. */
  latencyMs: { p50: number; p95: number; p99: number };
  inflight: number;
  /** Open backend connections: busy, idle in the keep-alive pool, and tunnels. */
  connections: number;
  status: StatusClasses;
  errors: TrafficErrors;
}

export class TrafficMetrics {
  requests = 0;
  inflight = 0;
  readonly status = [0, 0, 0, 0, 0];
  readonly errors: TrafficErrors = {
    connect: 0,
    upstream: 0,
    retried: 0,
    badGateway: 0,
    timeout: 0,
    unavailable: 0,
    clientAborted: 0,
  };
  readonly #window: LatencyWindow;

  constructor(windowSeconds: number, now: number) {
    this.#window = new LatencyWindow(windowSeconds, now);
  }

  /** A response the client received in full (or its head, for an upgrade). */
  record(status: number, latencyUs: number, now: number): void {
    this.requests++;
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) this.status[cls - 1]!++;
    this.#window.record(latencyUs, now);
  }

  snapshot(now: number, connections: number): TrafficSnapshot {
    const w = this.#window.stats(now);
    const s = this.status;
    return {
      requests: this.requests,
      rate: round(w.rate, 2),
      latencyMs: { p50: round(w.p50 / 1000, 3), p95: round(w.p95 / 1000, 3), p99: round(w.p99 / 1000, 3) },
      inflight: this.inflight,
      connections,
      status: { "1xx": s[0]!, "2xx": s[1]!, "3xx": s[2]!, "4xx": s[3]!, "5xx": s[4]! },
      errors: { ...this.errors },
    };
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
