// The built-in load balancer: one per listening port. Clients speak to node's HTTP server;
// backends are reached over bosun's own keep-alive connections (upstream-conn.ts), which skip
// node's client machinery on the hot path. Routes are swapped whole by setRoutes(); a backend
// that leaves the routes, or is drained, finishes what it has and gets nothing new.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { BackendState } from "./backend-state.ts";
import { Exchange } from "./exchange.ts";
import { pickBackend } from "./pick-backend.ts";
import { type BalancerOptions, type ProxySettings, proxySettings } from "./proxy-settings.ts";
import { buildRequestHead, type RequestFacts } from "./request-head.ts";
import type { RouteSpec } from "./route-spec.ts";
import type { AppState, RouteState } from "./route-state.ts";
import { RouteTable } from "./route-table.ts";
import { TrafficMetrics, type TrafficSnapshot } from "./traffic-metrics.ts";
import { rawResponse, Tunnel } from "./tunnel.ts";

export interface BackendSnapshot extends TrafficSnapshot {
  ready: boolean;
  /** Drained, or dropped from the routes and still finishing its requests. */
  draining: boolean;
}

export interface AppSnapshot extends TrafficSnapshot {
  backends: Record<string, BackendSnapshot>;
}

export interface BalancerMetrics {
  /** Open client connections. */
  clientConnections: number;
  /** Requests no route matched (answered 404). */
  unrouted: number;
  apps: Record<string, AppSnapshot>;
}

const TEXT = "text/plain; charset=utf-8";
const NO_ROUTE = "no route for this host and path\n";
const NO_ROUTE_HEADERS = ["Content-Type", TEXT, "Content-Length", String(NO_ROUTE.length)];
const NO_BACKEND = "no ready backend for this app\n";
const NO_BACKEND_HEADERS = ["Content-Type", TEXT, "Content-Length", String(NO_BACKEND.length)];

export class Balancer {
  readonly #settings: ProxySettings;
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  /** Reused by every request: filled by buildRequestHead and read before the next one. */
  readonly #facts: RequestFacts = { host: "", body: "none" };
  #table = new RouteTable<RouteState>([]);
  #routes: RouteState[] = [];
  #apps = new Map<string, AppState>();
  #backends = new Map<string, BackendState>();
  /** Backends dropped from the routes that still have requests or tunnels open. */
  #retiring = new Set<BackendState>();
  #unrouted = 0;
  #sweeper: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: BalancerOptions = {}) {
    this.#settings = proxySettings(options);
    const server = createServer({ noDelay: true }, this.#onRequest);
    server.keepAliveTimeout = this.#settings.clientKeepAliveTimeoutMs;
    server.on("upgrade", this.#onUpgrade);
    server.on("connection", (socket: Socket) => {
      this.#clients.add(socket);
      socket.once("close", () => this.#clients.delete(socket));
    });
    this.#server = server;
  }

  /** Starts listening; port 0 picks a free one. Resolves with the bound address. */
  listen(at: { port: number; host?: string }): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = this.#server;
      server.once("error", reject);
      server.listen(at.port, at.host ?? "127.0.0.1", () => {
        server.removeListener("error", reject);
        if (this.#closed) {
          // close() came while the address was being looked up.
          server.close();
          reject(new Error("the balancer was closed before it could listen"));
          return;
        }
        const every = Math.max(1000, Math.min(this.#settings.upstreamIdleTimeoutMs / 2, 10_000));
        this.#sweeper = setInterval(() => this.#sweep(), every);
        this.#sweeper.unref();
        const a = server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Stops listening and closes every connection, client and backend, at once. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    this.#sweeper = null;
    const closed = new Promise<void>((resolve) => {
      if (!this.#server.listening) resolve();
      else this.#server.close(() => resolve());
    });
    for (const socket of this.#clients) socket.destroy();
    for (const backend of [...this.#backends.values(), ...this.#retiring]) {
      for (const conn of backend.conns) conn.socket.destroy();
    }
    return closed;
  }

  /**
   * Replaces the routing table at once. Backends keep their state (connections, counters,
   * draining) by id, so a drained backend stays drained while it is listed; a backend no longer
   * listed, or listed at a new address, is drained as by drain(). Throws, changing nothing, when
   * two routes claim the same host and path prefix or one id is given two addresses.
   */
  setRoutes(specs: readonly RouteSpec[]): void {
    const settings = this.#settings;
    const backends = new Map<string, BackendState>();
    const apps = new Map<string, AppState>();
    const readiness: [BackendState, boolean][] = [];
    const routes: RouteState[] = [];
    for (const spec of specs) {
      const timeout = spec.responseTimeoutMs;
      if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
        throw new Error(
          `route of ${spec.app}: the response timeout must be a positive number of ms, got ${timeout}`,
        );
      }
      const app = apps.get(spec.app) ??
        this.#apps.get(spec.app) ?? {
          name: spec.app,
          metrics: new TrafficMetrics(settings.metricsWindowSeconds, settings.now()),
        };
      apps.set(spec.app, app);
      const list: BackendState[] = [];
      for (const b of spec.backends) {
        let state = backends.get(b.id);
        if (state !== undefined && (state.host !== b.host || state.port !== b.port)) {
          throw new Error(
            `backend ${b.id} is given two addresses: ${state.host}:${state.port} and ${b.host}:${b.port}`,
          );
        }
        if (state === undefined) {
          const old = this.#backends.get(b.id);
          const same = old !== undefined && old.host === b.host && old.port === b.port;
          state = same ? old : new BackendState(b, spec.app, settings);
          backends.set(b.id, state);
        }
        readiness.push([state, b.ready]);
        if (!list.includes(state)) list.push(state);
      }
      const old = this.#routes.find(
        (r) => r.app === app && r.host === spec.host && r.pathPrefix === spec.pathPrefix,
      );
      routes.push({
        app,
        ...(spec.host === undefined ? {} : { host: spec.host }),
        ...(spec.pathPrefix === undefined ? {} : { pathPrefix: spec.pathPrefix }),
        strategy: spec.strategy,
        responseTimeoutMs: spec.responseTimeoutMs ?? settings.responseTimeoutMs,
        backends: list,
        cursor: old?.cursor ?? 0,
      });
    }
    const table = new RouteTable(routes); // throws on a clash, before anything changed

    for (const [state, ready] of readiness) state.ready = ready;
    for (const [id, old] of this.#backends) {
      if (backends.get(id) === old) continue;
      old.retire();
      if (old.load() !== 0) this.#retiring.add(old);
    }
    this.#table = table;
    this.#routes = routes;
    this.#backends = backends;
    this.#apps = apps;
  }

  /** The backend takes no new requests or connections from now on; idle connections close. */
  drain(backendId: string): void {
    this.#backends.get(backendId)?.drain();
  }

  /**
   * Resolves when the backend has nothing in flight: no request and no tunnel (a WebSocket
   * stays until one side closes it; callers bound the wait). Resolves at once for an unknown id.
   */
  drained(backendId: string): Promise<void> {
    const waits: Promise<void>[] = [];
    const current = this.#backends.get(backendId);
    if (current !== undefined) waits.push(current.whenIdle());
    for (const b of this.#retiring) if (b.id === backendId) waits.push(b.whenIdle());
    return Promise.all(waits).then(() => this.#pruneRetiring());
  }

  metrics(): BalancerMetrics {
    this.#pruneRetiring();
    const now = this.#settings.now();
    const apps: Record<string, AppSnapshot> = {};
    const byApp = new Map<string, BackendState[]>();
    for (const b of [...this.#backends.values(), ...this.#retiring]) {
      const list = byApp.get(b.app) ?? [];
      list.push(b);
      byApp.set(b.app, list);
    }
    for (const app of this.#apps.values()) {
      const list = byApp.get(app.name) ?? [];
      const backends: Record<string, BackendSnapshot> = {};
      let connections = 0;
      for (const b of list) {
        connections += b.connections;
        backends[b.id] = {
          ...b.metrics.snapshot(now, b.connections),
          ready: b.ready,
          draining: b.draining || b.retired,
        };
      }
      apps[app.name] = { ...app.metrics.snapshot(now, connections), backends };
    }
    return { clientConnections: this.#clients.size, unrouted: this.#unrouted, apps };
  }

  #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const facts = this.#facts;
    const url = req.url!;
    const head = buildRequestHead(
      req.method!,
      url,
      req.rawHeaders,
      req.socket.remoteAddress ?? "",
      false,
      facts,
    );
    const route = this.#table.match(facts.host, url);
    if (route === null) {
      this.#unrouted++;
      res.writeHead(404, NO_ROUTE_HEADERS);
      res.end(NO_ROUTE);
      return;
    }
    const backend = pickBackend(route, null);
    if (backend === null) {
      const m = route.app.metrics;
      m.errors.unavailable++;
      const now = this.#settings.now();
      m.record(503, 0, now);
      res.writeHead(503, NO_BACKEND_HEADERS);
      res.end(NO_BACKEND);
      return;
    }
    new Exchange(req, res, route, head, facts.body, this.#settings).start(backend);
  };

  #onUpgrade = (req: IncomingMessage, socket: Socket, rest: Buffer): void => {
    const facts = this.#facts;
    const url = req.url!;
    const head = buildRequestHead(req.method!, url, req.rawHeaders, socket.remoteAddress ?? "", true, facts);
    const route = this.#table.match(facts.host, url);
    if (route === null) {
      this.#unrouted++;
      rawResponse(socket, 404, NO_ROUTE);
      return;
    }
    const backend = pickBackend(route, null);
    if (backend === null) {
      route.app.metrics.errors.unavailable++;
      route.app.metrics.record(503, 0, this.#settings.now());
      rawResponse(socket, 503, NO_BACKEND);
      return;
    }
    new Tunnel(socket, rest, head, route, this.#settings).start(backend);
  };

  #sweep(): void {
    const now = this.#settings.now();
    for (const b of this.#backends.values()) b.sweep(now);
    this.#pruneRetiring();
  }

  #pruneRetiring(): void {
    for (const b of this.#retiring) if (b.load() === 0) this.#retiring.delete(b);
  }
}
