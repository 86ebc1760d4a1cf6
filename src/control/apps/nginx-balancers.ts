// `bosund --lb nginx`: the same routes as the built-in balancer, served by nginx instead. Every
// change renders the whole configuration, checks it with `nginx -t`, and only then reloads
// nginx; a configuration that fails the check is not used, and the last good one stays.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { applyNginx, type NginxListener, renderNginxConfig } from "../proxy/nginx.ts";
import type { RouteSpec } from "../proxy/route-spec.ts";
import type { App } from "../spec/app-spec.ts";
import type { BalancerPort } from "./controller.ts";

export class NginxBalancers implements BalancerPort {
  /** app → one route and one listener per exposed port. */
  private readonly apps = new Map<string, { routes: RouteSpec[]; listeners: NginxListener[] }>();
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
    const routes: RouteSpec[] = [];
    const listeners: NginxListener[] = [];
    for (const p of app.spec.ports ?? []) {
      if (p.expose === undefined) continue;
      // One upstream per app and port: a replica listens on a port of its own per port name.
      const name = `${app.name}.${p.name}`;
      routes.push({
        app: name,
        strategy: p.balance ?? "round-robin",
        backends: serving
          .filter((s) => s.ports[p.name] !== undefined)
          .map((s) => ({
            id: s.id,
            host: "127.0.0.1",
            port: s.ports[p.name]!,
            ready: !this.draining.has(s.id),
          })),
      });
      listeners.push({ port: p.expose, apps: [name] });
    }
    this.apps.set(app.name, { routes, listeners });
    this.apply();
  }

  drain(id: string): void {
    this.draining.add(id);
    for (const a of this.apps.values())
      a.routes = a.routes.map((r) => ({
        ...r,
        backends: r.backends.map((b) => (b.id === id ? { ...b, ready: false } : b)),
      }));
    this.apply();
  }

  remove(app: string): void {
    this.apps.delete(app);
    this.apply();
  }

  metrics(): Record<string, unknown> {
    return this.lastError ? { nginx: { lastError: this.lastError } } : {};
  }

  async close(): Promise<void> {}

  private apply(): void {
    const all = [...this.apps.values()];
    const config = renderNginxConfig(
      all.flatMap((a) => a.routes),
      all.flatMap((a) => a.listeners),
      {
        pidPath: join(this.dir, "nginx.pid"),
        errorLogPath: join(this.dir, "error.log"),
        tempDir: this.dir,
      },
    );
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
