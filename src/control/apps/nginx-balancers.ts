// `bosund --lb nginx`: the same routes as the built-in balancer, served by nginx instead: one
// server per exposed port, shared by the apps that expose it, routing by host and path prefix.
// Every change renders the whole configuration, checks it with `nginx -t`, and only then
// reloads nginx; a configuration that fails the check is not used, and the last good one stays.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { applyNginx, type NginxListener, renderNginxConfig } from "../proxy/nginx.ts";
import type { RouteSpec } from "../proxy/route-spec.ts";
import type { App } from "../spec/app-spec.ts";
import type { BalancerPort } from "./controller.ts";
import { type ExposedRoute, exposedRoutes, routeKey } from "./route-conflicts.ts";

export class NginxBalancers implements BalancerPort {
  /** App → one route per exposed port, in the order apps first came (the first keeps a clash). */
  private readonly apps = new Map<string, { exposed: ExposedRoute; route: RouteSpec }[]>();
  private readonly draining = new Set<string>();
  private readonly dir: string;
  private lastError: string | undefined;

  constructor(
    root: string,
    private readonly log: Logger,
    private readonly nginxBin = "nginx",
  ) {
    this.dir = join(root, "nginx");
  }

  update(app: App, serving: { id: string; ports: Record<string, number> }[]): void {
    const routes = exposedRoutes(app).map((p) => ({
      exposed: p,
      route: {
        // One upstream per app and port: a replica listens on a port of its own per port name.
        app: `${app.name}.${p.portName}`,
        ...(p.host !== undefined && { host: p.host }),
        ...(p.path !== undefined && { pathPrefix: p.path }),
        strategy: p.balance,
        ...(p.timeout !== undefined && { responseTimeoutMs: p.timeout }),
        backends: serving
          .filter((s) => s.ports[p.portName] !== undefined)
          .map((s) => ({
            id: s.id,
            host: "127.0.0.1",
            port: s.ports[p.portName]!,
            ready: !this.draining.has(s.id),
          })),
      },
    }));
    this.apps.set(app.name, routes);
    this.forgetGone();
    this.apply();
  }

  drain(id: string): void {
    this.draining.add(id);
    for (const routes of this.apps.values())
      for (const r of routes)
        r.route = {
          ...r.route,
          backends: r.route.backends.map((b) => (b.id === id ? { ...b, ready: false } : b)),
        };
    this.apply();
  }

  remove(app: string): void {
    this.apps.delete(app);
    this.forgetGone();
    this.apply();
  }

  /** A drained replica no route lists any more is gone: its mark goes with it. */
  private forgetGone(): void {
    const listed = new Set<string>();
    for (const routes of this.apps.values())
      for (const r of routes) for (const b of r.route.backends) listed.add(b.id);
    for (const id of this.draining) if (!listed.has(id)) this.draining.delete(id);
  }

  metrics(): Record<string, unknown> {
    return this.lastError ? { nginx: { lastError: this.lastError } } : {};
  }

  async close(): Promise<void> {}

  private apply(): void {
    const { routes, listeners } = sharedListeners([...this.apps.values()].flat());
    const config = renderNginxConfig(routes, listeners, {
      pidPath: join(this.dir, "nginx.pid"),
      errorLogPath: join(this.dir, "error.log"),
      tempDir: this.dir,
    });
    void mkdir(this.dir, { recursive: true })
      .then(() => applyNginx(config, { nginxBin: this.nginxBin, confPath: join(this.dir, "nginx.conf") }))
      .then((r) => {
        if (r.ok) {
          this.lastError = undefined;
          return;
        }
        this.lastError = `${r.stage}: ${r.error}`;
        this.log.error(
          { stage: r.stage, error: r.error },
          "nginx refused the configuration; the last good one stays",
        );
      })
      .catch((err: Error) => this.log.error({ err }, "cannot apply the nginx configuration"));
  }
}

/**
 * One listener per exposed port with every route on it. Two routes claiming one port, host and
 * path (specs stored before apply refused that) would fail `nginx -t`: the first one keeps it.
 */
export function sharedListeners(all: readonly { exposed: ExposedRoute; route: RouteSpec }[]): {
  routes: RouteSpec[];
  listeners: NginxListener[];
} {
  const routes: RouteSpec[] = [];
  const byPort = new Map<number, string[]>();
  const claimed = new Set<string>();
  for (const { exposed, route } of all) {
    const key = routeKey(exposed);
    if (claimed.has(key)) continue;
    claimed.add(key);
    routes.push(route);
    const apps = byPort.get(exposed.expose) ?? [];
    apps.push(route.app);
    byPort.set(exposed.expose, apps);
  }
  return { routes, listeners: [...byPort].map(([port, apps]) => ({ port, apps })) };
}
