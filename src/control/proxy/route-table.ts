// Picks the route for a request: routes naming the request's host first, then routes for any
// host; among those, the longest matching path prefix. Built once per setRoutes(), read on every
// request, so matching allocates nothing.

export interface Routable {
  readonly host?: string;
  readonly pathPrefix?: string;
}

interface Entry<R> {
  /** Normalized: "" for "/", otherwise without a trailing slash. */
  readonly prefix: string;
  readonly route: R;
}

export class RouteTable<R extends Routable> {
  readonly #byHost = new Map<string, Entry<R>[]>();
  readonly #anyHost: Entry<R>[] = [];
  /** Set when one route takes every request: the per-app listener case. */
  readonly #only: R | null;

  constructor(routes: readonly R[]) {
    for (const route of routes) {
      const prefix = normalizePrefix(route.pathPrefix ?? "/");
      const host = route.host === undefined ? "" : route.host.toLowerCase();
      let list = this.#anyHost;
      if (host !== "") {
        list = this.#byHost.get(host) ?? [];
        this.#byHost.set(host, list);
      }
      if (list.some((e) => e.prefix === prefix)) {
        throw new Error(`two routes for host "${host || "*"}" and path prefix "${prefix || "/"}"`);
      }
      list.push({ prefix, route });
    }
    for (const list of [this.#anyHost, ...this.#byHost.values()]) {
      list.sort((a, b) => b.prefix.length - a.prefix.length);
    }
    const first = routes[0];
    this.#only = routes.length === 1 && first !== undefined && this.#anyHost[0]?.prefix === "" ? first : null;
  }

  /** `host` as sent (may carry a port and capitals); `url` as in the request line. */
  match(host: string, url: string): R | null {
    if (this.#only !== null) return this.#only;
    if (this.#byHost.size !== 0 && host !== "") {
      const list = this.#byHost.get(hostKey(host));
      if (list !== undefined) {
        const hit = longest(list, url);
        if (hit !== null) return hit;
      }
    }
    return longest(this.#anyHost, url);
  }
}

function longest<R>(list: readonly Entry<R>[], url: string): R | null {
  for (const e of list) {
    const n = e.prefix.length;
    if (n === 0) return e.route;
    if (!url.startsWith(e.prefix)) continue;
    const next = url.charCodeAt(n);
    // NaN (end of url), "/", "?" or "#": the prefix ends on a segment boundary.
    if (Number.isNaN(next) || next === 47 || next === 63 || next === 35) return e.route;
  }
  return null;
}

function normalizePrefix(p: string): string {
  if (!p.startsWith("/")) throw new Error(`path prefix "${p}" must start with "/"`);
  return p.endsWith("/") ? p.slice(0, -1) : p;
}

/** "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]". */
export function hostKey(host: string): string {
  let end = host.length;
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && host.indexOf("]", colon) === -1) end = colon;
  const h = end === host.length ? host : host.slice(0, end);
  return h.toLowerCase();
}
