// The App spec: what `bosun apply -f` reads. One schema validates it, fills in the defaults and
// normalizes it (durations in milliseconds, sizes in bytes, signals by name); the App type, the
// JSON Schema and the diff all derive from it. Output keys are the input keys, so a diff path
// names the field the user wrote.
import { z } from "zod";
import {
  ContainerName,
  CreateContainerRequest,
  Resources,
  RestartPolicy,
  Signal,
} from "../../api/schemas.ts";
import { parseDuration } from "../../api/units.ts";

const container = CreateContainerRequest.shape;

/** Replica containers are named `<app>-<index>`, so an app name leaves room for the suffix. */
export const AppName = ContainerName.max(100, "an app name is at most 100 characters");

/**
 * A duration with its unit ("500ms", "2s", "1m30s"). A bare number is refused (is 5 seconds or
 * milliseconds?), except 0.
 */
const duration = (opts: { allowZero: boolean }) =>
  z
    .union([z.string(), z.number()])
    .meta({ description: 'a duration with its unit: "500ms", "2s", "1m30s"' })
    .transform((v, ctx) => {
      const ms = v === 0 || v === "0" ? 0 : typeof v === "string" ? parseDuration(v) : undefined;
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `expected a duration like "5s", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (ms === 0 && !opts.allowZero) {
        ctx.addIssue({ code: "custom", message: "must be longer than 0" });
        return z.NEVER;
      }
      if (ms > 86_400_000) {
        ctx.addIssue({ code: "custom", message: "must be at most 24h" });
        return z.NEVER;
      }
      return ms;
    });

/** Port names become environment variables: "http" → $PORT_HTTP (as Kubernetes' IANA_SVC_NAME). */
export const PortName = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/, "a port name is 1–15 of [a-z0-9-], starts with a letter");

/** The variable that holds a port's number in each replica ($PORT holds the first port's). */
export function portEnvName(name: string): string {
  return `PORT_${name.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * An exact DNS host name, matched against the request's Host header without its port. The
 * balancer's route table has no wildcards, so neither has the spec. Stored lowercased, as the
 * header is compared.
 */
const RouteHost = z
  .string()
  .max(253, "a host name is at most 253 characters")
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'a host name is dot-separated labels of [a-z0-9-] such as "shop.example.com" (no port, no wildcard)',
  )
  .transform((h) => h.toLowerCase());

/**
 * A path prefix, matched on whole segments ("/api" takes "/api" and "/api/x", not "/apix"). The
 * characters are those nginx's renderer accepts in a location. Stored without a trailing "/",
 * which the route table ignores anyway, so "/api/" and "/api" are seen as the same route.
 */
const RoutePath = z
  .string()
  .max(1024, "a path prefix is at most 1024 characters")
  .regex(
    /^\/[A-Za-z0-9._~!$&'()*+,=:@%/-]*$/,
    'a path prefix starts with "/" and holds only letters, digits and ._~!$&\'()*+,=:@%/-',
  )
  .refine((p) => !p.includes("//"), 'a path prefix has no empty segment ("//")')
  .transform((p) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p));

const Port = z
  .strictObject({
    name: PortName,
    /** The app's public port, where the load balancer listens; each replica listens on its own. */
    expose: z.number().int().min(1).max(65_535).optional(),
    /** How the balancer picks a replica for each request on the exposed port (round-robin by default). */
    balance: z.enum(["round-robin", "least-connections"]).optional(),
    /** Only requests with this Host header (exposed ports may then be shared by several apps). */
    host: RouteHost.optional(),
    /** Only requests under this path prefix (exposed ports may then be shared by several apps). */
    path: RoutePath.optional(),
    /**
     * How long a replica may take to start its response, or pause within it, before the balancer
     * gives up on the request (504); 60s when absent, as nginx's proxy_read_timeout.
     */
    timeout: duration({ allowZero: false }).optional(),
  })
  .superRefine((p, ctx) => {
    for (const field of ["balance", "host", "path", "timeout"] as const)
      if (p[field] !== undefined && p.expose === undefined)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: "needs expose: only an exposed port is routed by the load balancer",
        });
  });

/** "8080", or "8080 (host a.test, path /b)": an exposed port's route, for messages. */
export function describeRoute(p: {
  expose: number;
  host?: string | undefined;
  path?: string | undefined;
}): string {
  const parts = [
    ...(p.host === undefined ? [] : [`host ${p.host}`]),
    ...(p.path === undefined ? [] : [`path ${p.path}`]),
  ];
  return parts.length ? `${p.expose} (${parts.join(", ")})` : `${p.expose}`;
}

const Ports = z
  .array(Port)
  .max(32)
  .superRefine((ports, ctx) => {
    const seen = new Set<unknown>();
    // One route per (port, host, path): requests must have one place to go. A missing path is "/".
    const exposed = new Map<string, number>();
    ports.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${p.name}" is declared twice` });
      seen.add(p.name);
      if (p.expose === undefined) return;
      const key = `${p.expose} ${p.host ?? ""} ${p.path ?? "/"}`;
      const first = exposed.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [i, "expose"],
          message: `${describeRoute({ expose: p.expose, host: p.host, path: p.path })} is exposed twice (also by spec.ports[${first}]): ports that share a number need different host or path`,
        });
      else exposed.set(key, i);
    });
  });

const Health = z
  .strictObject({
    http: z
      .strictObject({
        path: z.string().regex(/^\//, 'must start with "/"').default("/"),
        port: PortName,
      })
      .optional(),
    tcp: z.strictObject({ port: PortName }).optional(),
    /** Run in the replica; healthy when it exits 0. */
    exec: container.command.optional(),
    interval: duration({ allowZero: false }).prefault("10s"),
    timeout: duration({ allowZero: false }).prefault("1s"),
    failureThreshold: z.number().int().min(1).max(1000).default(3),
    successThreshold: z.number().int().min(1).max(1000).default(1),
    /** Failures in this time after a start do not count. */
    startPeriod: duration({ allowZero: true }).prefault("0"),
  })
  .superRefine((h, ctx) => {
    const probes = [h.http, h.tcp, h.exec].filter((p) => p !== undefined).length;
    if (probes !== 1) ctx.addIssue({ code: "custom", message: "needs exactly one of http, tcp or exec" });
  });

const Update = z
  .strictObject({
    /** Replicas started above `replicas` during a rollout. */
    maxSurge: z.number().int().min(0).max(1000).default(1),
    /** Replicas below `replicas` allowed during a rollout. */
    maxUnavailable: z.number().int().min(0).max(1000).default(0),
    /** A new replica counts as available once ready this long. */
    minReadySeconds: z.number().min(0).max(3600).default(0),
    /** Go back to the previous spec when a rollout's replicas do not become ready. */
    autoRollback: z.boolean().default(true),
  })
  .refine((u) => u.maxSurge > 0 || u.maxUnavailable > 0, {
    message: "maxSurge and maxUnavailable cannot both be 0: a rollout could not make progress",
  });

// YAML reads `DEBUG: true` and `user: 1000` as a boolean and a number; people mean the strings.
const scalarString = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const Spec = z
  .strictObject({
    command: container.command,
    cwd: container.cwd,
    env: z.record(z.string(), scalarString).pipe(container.env.unwrap()).optional(),
    replicas: z.number().int().min(0).max(1000).default(1),
    /** Each replica gets a free port per entry, in $PORT_<NAME> (and the first in $PORT). */
    ports: Ports.optional(),
    resources: Resources.optional(),
    restart: z.strictObject({ policy: RestartPolicy.default("always") }).prefault({}),
    health: Health.optional(),
    update: Update.prefault({}),
    stopSignal: Signal.prefault("SIGTERM"),
    stopTimeout: duration({ allowZero: true }).prefault("10s"),
    log: container.log,
    isolate: container.isolate,
    network: container.network,
    hostname: container.hostname,
    rootfs: container.rootfs,
    readOnly: container.readOnly,
    volumes: container.volumes,
    user: z.union([z.string(), z.number()]).transform(String).pipe(container.user.unwrap()).optional(),
    capAdd: container.capAdd,
  })
  .superRefine((s, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const names = (s.ports ?? []).map((p) => p.name);
    for (const probe of ["http", "tcp"] as const) {
      const port = s.health?.[probe]?.port;
      if (port !== undefined && !names.includes(port))
        issue(
          ["health", probe, "port"],
          `names no declared port: "${port}" (${names.length ? `ports: ${names.join(", ")}` : "spec.ports is empty"})`,
        );
    }
    for (const name of names.length ? ["PORT", ...names.map(portEnvName)] : []) {
      if (s.env?.[name] !== undefined) issue(["env", name], "is set by bosun to the replica's port");
    }
    if (names.length && s.network === "none")
      issue(["network"], '"none" leaves the ports unreachable: ports need the host network');
    // The same rules as CreateContainerRequest's, which every replica becomes.
    const needs = (field: string, what: string, ok: boolean) => {
      if (!ok) issue([field], `needs ${what}`);
    };
    const isolated = s.isolate === true;
    needs("hostname", "isolate (a uts namespace of its own)", s.hostname === undefined || isolated);
    needs("rootfs", "isolate (a mount namespace of its own)", s.rootfs === undefined || isolated);
    needs("volumes", "isolate (a mount namespace of its own)", s.volumes === undefined || isolated);
    needs(
      "capAdd",
      "isolate (only isolated containers drop capabilities)",
      s.capAdd === undefined || isolated,
    );
    needs("readOnly", "rootfs", s.readOnly !== true || s.rootfs !== undefined);
    const res = s.resources;
    if (res?.memorySwap !== undefined && (res.memory === undefined || res.memorySwap < res.memory))
      issue(["resources", "memorySwap"], "is memory plus swap: it needs memory, and at least as much");
  });

export const AppSpec = z.strictObject({
  kind: z.literal("App", {
    error: (i) => (i.input === undefined ? "is required" : `expected "App", got ${JSON.stringify(i.input)}`),
  }),
  name: AppName,
  labels: container.labels,
  spec: Spec,
});

/** An App as written in a file. */
export type AppInput = z.input<typeof AppSpec>;
/** An App after validation: defaults filled in, durations in ms, sizes in bytes, signals by name. */
export type App = z.output<typeof AppSpec>;
