// The built-in load balancer as the controller sees it: one listener per exposed port number,
// shared by every app that exposes it. Each exposed port of an app is a route on that listener,
// matched by host and path prefix, whose backends are the app's serving replicas on that port.
// A listener no app uses any more closes. A replica that leaves the set (or is drained) gets no
// new requests; its in-flight ones finish.
import type { Logger } from "pino";
import { type AppSnapshot, Balancer, type BalancerMetrics } from "../proxy/balancer.ts";
import type { RouteSpec } from "../proxy/route-spec.ts";
import type { App } from "../spec/app-spec.ts";
import type { BalancerPort } from "./controller.ts";
import { type ExposedRoute, exposedRoutes, routeKey } from "./route-conflicts.ts";

interface Listener {
  balancer: Balancer;
  /** Settles once the listener is bound, or could not bind (that is logged). */
  ready: Promise<unknown>;
  closed: boolean;
}

interface AppRoute {
  exposed: ExposedRoute;
  spec: RouteSpec;
}

/** What `app inspect` shows per exposed port: the app's own traffic on its route. */
export interface PortTraffic extends AppSnapshot {
  port: number;
  host?: string;
  path?: string;
  /** The listener's counts, shared by every app on the port. */
  listener: { clientConnections: number; unrouted: number };
}

export class Balancers implements BalancerPort {
  /** Exposed port → its listener. */
  private readonly listeners = new Map<number, Listener>();
  /**
   * App → its routes. A Map keeps the order apps first came in, which settles a clash the apply
   * check could not stop (specs stored before it existed, an undo): the earlier app keeps it.
   */
  private readonly routes = new Map<string, AppRoute[]>();
  /** Closing listeners: a new one on the same port binds once the old one has let go. */
  private readonly closing = new Map<number, Promise<void>>();
  /** Port → the clashes last logged there, so that a reconcile loop does not repeat them. */
  private readonly clashes = new Map<number, Set<string>>();

  constructor(
    private readonly log: Logger,
    /** Where the listeners bind: all interfaces by default, as a published port does. */
    private readonly host = process.env.BOSUN_LB_HOST ?? "0.0.0.0",
  ) {}

  update(app: App, serving: { id: string; ports: Record<string, number> }[]): void {
    const before = this.routes.get(app.name) ?? [];
    const after = exposedRoutes(app).map((r): AppRoute => {
      const backends = serving.flatMap((s) => {
        const port = s.ports[r.portName];
        return port === undefined
          ? []
          : [{ id: backendId(s.id, r.portName), host: "127.0.0.1", port, ready: true }];
      });
      const spec: RouteSpec = {
        app: routeName(r),
        ...(r.host !== undefined && { host: r.host }),
        ...(r.path !== undefined && { pathPrefix: r.path }),
        strategy: r.balance,
        ...(r.timeout !== undefined && { responseTimeoutMs: r.timeout }),
        backends,
      };
      return { exposed: r, spec };
    });
    this.routes.set(app.name, after);
    for (const port of portsOf(before, after)) this.sync(port);
  }

  drain(id: string): void {
    for (const routes of this.routes.values())
      for (const r of routes)
        this.listeners.get(r.exposed.expose)?.balancer.drain(backendId(id, r.exposed.portName));
  }

  remove(app: string): void {
    const before = this.routes.get(app) ?? [];
    this.routes.delete(app);
    for (const port of portsOf(before, [])) this.sync(port);
  }

  /** The app's request metrics per exposed port name: its own route's, not its neighbours'. */
  metrics(app: string): Record<string, PortTraffic> {
    const out: Record<string, PortTraffic> = {};
    const byPort = new Map<number, BalancerMetrics>();
    for (const { exposed: r, spec } of this.routes.get(app) ?? []) {
      const l = this.listeners.get(r.expose);
      if (!l) continue;
      const m = byPort.get(r.expose) ?? l.balancer.metrics();
      byPort.set(r.expose, m);
      const own = m.apps[spec.app];
      if (!own) continue; // lost a clash: it has no route
      const backends: AppSnapshot["backends"] = {};
      for (const [id, b] of Object.entries(own.backends)) backends[replicaOf(id)] = b;
      out[r.portName] = {
        port: r.expose,
        ...(r.host !== undefined && { host: r.host }),
        ...(r.path !== undefined && { path: r.path }),
        ...own,
        backends,
        listener: { clientConnections: m.clientConnections, unrouted: m.unrouted },
      };
    }
    return out;
  }

  /** Settles once every listener is bound (or failed to, which is logged) and closed ones let go. */
  async settled(): Promise<void> {
    await Promise.all([...[...this.listeners.values()].map((l) => l.ready), ...this.closing.values()]);
  }

  async close(): Promise<void> {
    const all = [...this.listeners.values()].map((l) => {
      l.closed = true;
      return l.balancer.close();
    });
    this.listeners.clear();
    this.routes.clear();
    await Promise.all([...all, ...this.closing.values()]);
  }

  /** Gives the port's listener the routes of every app exposing it; opens or closes it. */
  private sync(port: number): void {
    const specs: RouteSpec[] = [];
    const claimed = new Map<string, string>();
    const logged = this.clashes.get(port);
    const clashes = new Set<string>();
    for (const [app, routes] of this.routes) {
      for (const { exposed, spec } of routes) {
        if (exposed.expose !== port) continue;
        const key = routeKey(exposed);
        const holder = claimed.get(key);
        if (holder === undefined) {
          claimed.set(key, app);
          specs.push(spec);
        } else {
          clashes.add(`${key} ${app}`);
          if (logged?.has(`${key} ${app}`)) continue;
          this.log.error(
            { app, port, host: exposed.host, path: exposed.path, holder },
            "two apps claim one route of a shared port; the first keeps it",
          );
        }
      }
    }
    this.clashes.set(port, clashes);
    let l = this.listeners.get(port);
    if (specs.length === 0) {
      if (l) this.closeListener(port, l);
      return;
    }
    if (!l) l = this.openListener(port);
    try {
      l.balancer.setRoutes(specs);
    } catch (err) {
      this.log.error({ err, port }, "the balancer refused the routes; the previous ones stay");
    }
  }

  private openListener(port: number): Listener {
    const balancer = new Balancer();
    const l: Listener = { balancer, ready: Promise.resolve(), closed: false };
    l.ready = (this.closing.get(port) ?? Promise.resolve())
      .then(() => (l.closed ? undefined : balancer.listen({ port, host: this.host })))
      .catch((err: Error) => {
        if (!l.closed) this.log.error({ err, port }, "cannot listen on an exposed port");
      });
    this.listeners.set(port, l);
    return l;
  }

  private closeListener(port: number, l: Listener): void {
    l.closed = true;
    this.listeners.delete(port);
    this.clashes.delete(port);
    const closed = l.ready.then(() => l.balancer.close());
    this.closing.set(port, closed);
    void closed.then(() => {
      if (this.closing.get(port) === closed) this.closing.delete(port);
    });
  }
}

/** Unique in a balancer even when one app exposes two port names on one port (by path). */
function routeName(r: ExposedRoute): string {
  return `${r.app}.${r.portName}`;
}

/** A replica is one backend per port name: its ports differ, and the balancer keys by id. */
function backendId(replica: string, portName: string): string {
  return `${replica}/${portName}`;
}

function replicaOf(backend: string): string {
  return backend.slice(0, backend.lastIndexOf("/"));
}

function portsOf(...lists: AppRoute[][]): Set<number> {
  return new Set(lists.flat().map((r) => r.exposed.expose));
}
