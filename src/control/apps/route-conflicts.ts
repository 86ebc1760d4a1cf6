// Apps share an exposed port by routing on the Host header and the path prefix. Two claims on
// one (port, host, path) would leave the balancer no way to choose, so the second is refused
// when it is applied, naming both sides. Within one app the spec's own schema refuses this.
import { BosunError } from "../../api/errors.ts";
import { type App, describeRoute } from "../spec/app-spec.ts";

/** One exposed port of an app: what it claims on the shared listener. */
export interface ExposedRoute {
  app: string;
  /** Its index in spec.ports, for messages. */
  index: number;
  portName: string;
  expose: number;
  host?: string;
  path?: string;
  balance: "round-robin" | "least-connections";
  /** How long the balancer waits for the replica's response (ms); its default when absent. */
  timeout?: number;
}

export function exposedRoutes(app: App): ExposedRoute[] {
  return (app.spec.ports ?? []).flatMap((p, index) =>
    p.expose === undefined
      ? []
      : [
          {
            app: app.name,
            index,
            portName: p.name,
            expose: p.expose,
            ...(p.host !== undefined && { host: p.host }),
            ...(p.path !== undefined && { path: p.path }),
            balance: p.balance ?? "round-robin",
            ...(p.timeout !== undefined && { timeout: p.timeout }),
          },
        ],
  );
}

/**
 * What a route claims: no host is any host, no path is "/". Hosts and paths are compared as the
 * spec stores them (hosts lowercased, paths without a trailing "/"); a spec stored before the
 * rules existed is lowercased here too.
 */
export function routeKey(r: { expose: number; host?: string; path?: string }): string {
  const path = r.path === undefined || r.path === "/" ? "/" : r.path.replace(/\/$/, "");
  return `${r.expose} ${r.host?.toLowerCase() ?? "*"} ${path}`;
}

/** The conflict `app` would cause with the other apps (its own earlier spec excluded), if any. */
export function routeConflict(app: App, others: Iterable<App>): BosunError | undefined {
  const mine = exposedRoutes(app);
  if (mine.length === 0) return undefined;
  const taken = new Map<string, ExposedRoute>();
  for (const other of others) {
    if (other.name === app.name) continue;
    for (const r of exposedRoutes(other)) taken.set(routeKey(r), r);
  }
  for (const r of mine) {
    const holder = taken.get(routeKey(r));
    if (holder === undefined) continue;
    return new BosunError(
      "conflict",
      `${app.name}: spec.ports[${r.index}].expose: port ${describeRoute(r)} is already routed to app "${holder.app}" (its spec.ports[${holder.index}], "${holder.portName}")`,
      "apps can share an exposed port when their host or path differ: give one of them a host or a path, or another port",
    );
  }
  return undefined;
}
