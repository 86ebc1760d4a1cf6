// One backend (a replica) as the balancer sees it: whether it takes new requests, how busy it
// is, its pool of idle keep-alive connections, and who waits for it to drain.
import type { Pickable } from "./pick-backend.ts";
import type { ProxySettings } from "./proxy-settings.ts";
import type { BackendSpec } from "./route-spec.ts";
import { TrafficMetrics } from "./traffic-metrics.ts";
import { UpstreamConn } from "./upstream-conn.ts";

export class BackendState implements Pickable {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** The app whose metrics this backend's are part of. */
  readonly app: string;
  readonly metrics: TrafficMetrics;
  readonly settings: ProxySettings;
  ready: boolean;
  /** Set by drain(): takes nothing new, for good. */
  draining = false;
  /** Set when setRoutes() dropped it: drains the same way. */
  retired = false;
  /** Open WebSocket (or other upgraded) tunnels. */
  tunnels = 0;
  /** Every open connection to the backend, idle ones included. */
  readonly conns = new Set<UpstreamConn>();
  /** Idle keep-alive connections; the most recently used is reused first (last). */
  readonly idle: UpstreamConn[] = [];
  #waiters: (() => void)[] = [];

  constructor(spec: BackendSpec, app: string, settings: ProxySettings) {
    this.id = spec.id;
    this.host = spec.host;
    this.port = spec.port;
    this.ready = spec.ready;
    this.app = app;
    this.settings = settings;
    this.metrics = new TrafficMetrics(settings.metricsWindowSeconds, settings.now());
  }

  available(): boolean {
    return this.ready && !this.draining && !this.retired;
  }

  load(): number {
    return this.metrics.inflight + this.tunnels;
  }

  /** Open connections: pooled, busy and tunnels. */
  get connections(): number {
    return this.conns.size + this.tunnels;
  }

  /** An idle connection still within its keep-alive deadline, or a new one. */
  acquire(now: number): UpstreamConn {
    for (let conn = this.idle.pop(); conn !== undefined; conn = this.idle.pop()) {
      // Not writable: the backend's FIN arrived and its 'close' is still on its way.
      if (conn.idleDeadline > now && conn.socket.writable) return conn;
      conn.destroy();
    }
    const conn = new UpstreamConn(this);
    this.conns.add(conn);
    return conn;
  }

  /** A connection whose exchange ended cleanly: back to the pool, or closed. */
  release(conn: UpstreamConn, keepAliveHintMs: number): void {
    if (!this.available() || this.idle.length >= this.settings.maxIdlePerBackend) {
      conn.destroy();
      return;
    }
    let ttl = this.settings.upstreamIdleTimeoutMs;
    // Stay clear of the moment the backend closes it: a request sent then would be lost.
    if (keepAliveHintMs >= 0) ttl = Math.min(ttl, keepAliveHintMs - Math.min(1000, keepAliveHintMs / 2));
    if (ttl <= 0) {
      conn.destroy();
      return;
    }
    conn.idleDeadline = this.settings.now() + ttl;
    this.idle.push(conn);
  }

  /** The connection has closed. */
  closed(conn: UpstreamConn): void {
    this.conns.delete(conn);
    const at = this.idle.lastIndexOf(conn);
    if (at !== -1) this.idle.splice(at, 1);
  }

  drain(): void {
    this.draining = true;
    this.closeIdle();
    this.settle();
  }

  retire(): void {
    this.retired = true;
    this.closeIdle();
    this.settle();
  }

  closeIdle(): void {
    for (const conn of this.idle.splice(0)) conn.destroy();
  }

  /** Closes idle connections past their deadline. */
  sweep(now: number): void {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i]!;
      if (conn.idleDeadline <= now) {
        this.idle.splice(i, 1);
        conn.destroy();
      }
    }
  }

  /** Resolves once nothing is in flight and no tunnel is open. */
  whenIdle(): Promise<void> {
    if (this.load() === 0) {
      this.#closeIdleIfOut();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Called whenever the load drops. */
  settle(): void {
    if (this.#waiters.length === 0 || this.load() !== 0) return;
    this.#closeIdleIfOut();
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  #closeIdleIfOut(): void {
    if (!this.available()) this.closeIdle();
  }
}
