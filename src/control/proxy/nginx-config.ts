// Renders the routes as an nginx configuration, for users who put nginx in front instead of the
// built-in balancer. The rendering keeps the built-in balancer's semantics: routes for a host
// before routes for any host, the longest path prefix on whole segments, 503 for an app with no
// ready backend, 404 when nothing matches.
import type { RouteSpec } from "./route-spec.ts";

export interface NginxListener {
  port: number;
  /** Address to bind; every address when absent. */
  address?: string;
  /** The apps served on this port; all of them when absent. */
  apps?: readonly string[];
}

export interface NginxOptions {
  /** Default "auto". */
  workerProcesses?: number | "auto";
  /** Default: nginx's own. */
  pidPath?: string;
  /** Default: nginx's own. */
  errorLogPath?: string;
  /** A directory for nginx's request-body and proxy buffers; default: nginx's own. */
  tempDir?: string;
  /** Idle connections kept per upstream. Default 64. */
  keepalive?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HOST = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,=:@%/-]*$/;

export function renderNginxConfig(
  routes: readonly RouteSpec[],
  listeners: readonly NginxListener[],
  options: NginxOptions = {},
): string {
  for (const r of routes) check(r);
  const upstreams = upstreamNames(routes);
  const out: string[] = [
    "# Written by bosun from its routes; replaced whole on every change.",
    `worker_processes ${options.workerProcesses ?? "auto"};`,
  ];
  if (options.pidPath !== undefined) out.push(`pid ${options.pidPath};`);
  if (options.errorLogPath !== undefined) out.push(`error_log ${options.errorLogPath};`);
  out.push("events { worker_connections 4096; }", "", "http {", "  access_log off;");
  if (options.tempDir !== undefined) {
    for (const kind of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
      out.push(`  ${kind}_temp_path ${options.tempDir}/${kind};`);
    }
  }
  out.push(
    "  default_type text/plain;",
    "  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }",
    "  proxy_http_version 1.1;",
    "  proxy_set_header Host $http_host;",
    "  proxy_set_header Upgrade $http_upgrade;",
    "  proxy_set_header Connection $connection_upgrade;",
    "  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "  proxy_set_header X-Forwarded-Proto $scheme;",
    "  proxy_set_header X-Forwarded-Host $host;",
    "  proxy_next_upstream error timeout;",
    "  proxy_next_upstream_tries 2;",
    "  proxy_connect_timeout 3s;",
  );
  for (const [app, name] of upstreams) {
    const backends = new Map(
      routes.filter((r) => r.app === app).flatMap((r) => r.backends.map((b) => [b.id, b])),
    );
    if (![...backends.values()].some((b) => b.ready)) continue;
    out.push("", `  upstream ${name} {`);
    if (routes.find((r) => r.app === app)?.strategy === "least-connections") out.push("    least_conn;");
    for (const b of backends.values()) {
      out.push(`    server ${hostPort(b.host, b.port)}${b.ready ? "" : " down"}; # ${b.id}`);
    }
    out.push(`    keepalive ${options.keepalive ?? 64};`, "  }");
  }
  for (const l of listeners) {
    const served = routes.filter((r) => l.apps === undefined || l.apps.includes(r.app));
    const listen = l.address === undefined ? `${l.port}` : hostPort(l.address, l.port);
    const anyHost = served.filter((r) => r.host === undefined);
    const hosts = [...new Set(served.flatMap((r) => (r.host === undefined ? [] : [r.host.toLowerCase()])))];
    out.push("", "  server {", `    listen ${listen} default_server;`, "    server_name _;");
    locations(out, anyHost, upstreams);
    out.push("  }");
    for (const host of hosts) {
      const own = served.filter((r) => r.host?.toLowerCase() === host);
      // Routes for any host still serve the paths this host's own routes leave uncovered.
      const rest = anyHost.filter((r) => !own.some((o) => covers(prefixOf(o), prefixOf(r))));
      out.push("", "  server {", `    listen ${listen};`, `    server_name ${host};`);
      locations(out, [...own, ...rest], upstreams);
      out.push("  }");
    }
  }
  out.push("}", "");
  return out.join("\n");
}

function locations(out: string[], routes: readonly RouteSpec[], upstreams: Map<string, string>): void {
  let root = false;
  for (const r of routes) {
    const prefix = prefixOf(r);
    const name = upstreams.get(r.app)!;
    // nginx's default read timeout is the built-in balancer's: 60 s. nginx applies it to idle
    // WebSockets as well, which the built-in balancer does not.
    const timeout =
      r.responseTimeoutMs === undefined ? "" : ` proxy_read_timeout ${nginxTime(r.responseTimeoutMs)};`;
    const target = r.backends.some((b) => b.ready)
      ? `proxy_pass http://${name};${timeout}`
      : `return 503 "no ready backend for this app\\n";`;
    if (prefix === "") {
      root = true;
      out.push(`    location / { ${target} }`);
    } else {
      out.push(`    location = ${prefix} { ${target} }`, `    location ${prefix}/ { ${target} }`);
    }
  }
  if (!root) out.push(`    location / { return 404 "no route for this host and path\\n"; }`);
}

/** "30s" for 30000, "1500ms" for 1500: nginx's time units. */
function nginxTime(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** "" for "/", otherwise without the trailing slash. */
function prefixOf(r: RouteSpec): string {
  const p = r.pathPrefix ?? "/";
  return p.endsWith("/") ? p.slice(0, -1) : p;
}

/** Whether every path under `inner` is also under `outer`, on whole segments. */
function covers(outer: string, inner: string): boolean {
  return outer === "" || inner === outer || inner.startsWith(`${outer}/`);
}

function upstreamNames(routes: readonly RouteSpec[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const r of routes) {
    if (names.has(r.app)) continue;
    const base = `bosun_${r.app.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    names.set(r.app, name);
  }
  return names;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function check(r: RouteSpec): void {
  if (!NAME.test(r.app)) throw new Error(`app name "${r.app}" cannot go into an nginx configuration`);
  if (r.host !== undefined && !HOST.test(r.host)) throw new Error(`host "${r.host}" is not a host name`);
  if (r.pathPrefix !== undefined && !PATH.test(r.pathPrefix)) {
    throw new Error(`path prefix "${r.pathPrefix}" cannot go into an nginx location`);
  }
  for (const b of r.backends) {
    if (!/^[A-Za-z0-9.:-]+$/.test(b.host) || !Number.isInteger(b.port) || b.port < 1 || b.port > 65535) {
      throw new Error(`backend ${b.id} has a bad address ${b.host}:${b.port}`);
    }
    if (!/^[^\s;{}#]+$/.test(b.id)) throw new Error(`backend id "${b.id}" cannot go into a comment`);
  }
  const t = r.responseTimeoutMs;
  if (t !== undefined && !(Number.isSafeInteger(t) && t > 0)) {
    throw new Error(`route of ${r.app}: response timeout ${t} is not a whole positive number of ms`);
  }
}
