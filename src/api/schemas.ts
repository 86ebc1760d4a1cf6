// One schema per shape that crosses the API. The TypeScript types are derived from them, and so
// is the OpenAPI document the daemon serves. Validation happens here, at the edge; inside, the
// daemon trusts the types.
import { z } from "zod";
import { signalName, signalNumber } from "./signals.ts";
import { parseCpus, parseDuration, parseSize } from "./units.ts";

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
export const ID_PATTERN = /^[0-9a-f]{64}$/;
export const RESTART_PATTERN = /^(no|always|unless-stopped|on-failure(:[1-9]\d{0,5})?)$/;

const noNul = (what: string) =>
  z.string().refine((s) => !s.includes("\0"), `${what} must not contain a NUL byte`);

export const ContainerName = z
  .string()
  .regex(NAME_PATTERN, "a name is 1–128 characters of [a-zA-Z0-9_.-] and starts with a letter or digit");

export const RestartPolicy = z
  .string()
  .regex(RESTART_PATTERN, 'expected "no", "always", "unless-stopped", "on-failure" or "on-failure:N"');

export const Signal = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = signalNumber(v);
  if (n === undefined) {
    ctx.addIssue({ code: "custom", message: `unknown signal "${v}"` });
    return z.NEVER;
  }
  return signalName(n);
});

export const Size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseSize(v);
  if (n === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a size like 10m or 1g, got "${v}"` });
    return z.NEVER;
  }
  return n;
});

export const LogConfig = z.strictObject({
  maxSize: Size.pipe(z.number().int().min(1024, "must be at least 1k")).optional(),
  maxFiles: z.number().int().min(1).max(100).optional(),
});

/** Milliseconds: a number, or a string like "10m", "1h30m", "500ms". */
export const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `expected a duration like 30s or 10m, got "${v}"` });
    return z.NEVER;
  }
  return Math.round(ms);
});

export const Cpus = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const cores = parseCpus(v);
  if (cores === undefined) {
    ctx.addIssue({ code: "custom", message: `expected cores like 0.5, 2 or 500m, got "${v}"` });
    return z.NEVER;
  }
  return cores;
});

export const MIN_MEMORY = 4 * 1024 * 1024;

/** Limits, enforced by the container's cgroup. */
export const Resources = z.strictObject({
  memory: Size.pipe(z.number().min(MIN_MEMORY, "must be at least 4m")).optional(),
  /** Memory plus swap, as Docker's --memory-swap; without it, no swap. */
  memorySwap: Size.optional(),
  cpu: Cpus.pipe(z.number().min(0.01, "must be at least 0.01 cores")).optional(),
  pids: z.number().int().min(1).max(4_194_304).optional(),
});

const absolutePath = (what: string) =>
  noNul(what).refine((s) => s.startsWith("/"), "must be an absolute path");

export const Volume = z.strictObject({
  source: absolutePath("source"),
  target: absolutePath("target"),
  readOnly: z.boolean().optional(),
});

/** Capability names as Docker writes them: NET_ADMIN or CAP_NET_ADMIN. */
export const CapabilityName = z
  .string()
  .regex(/^(CAP_)?[A-Z_]+$/i, "expected a capability name like NET_ADMIN")
  .transform((s) => s.toUpperCase().replace(/^CAP_/, ""));

export const CreateContainerRequest = z
  .strictObject({
    name: ContainerName.optional(),
    command: z.array(noNul("an argument")).min(1, "a command is required"),
    cwd: noNul("cwd")
      .refine((s) => s.startsWith("/"), "must be an absolute path")
      .optional(),
    env: z
      .record(
        z.string().regex(/^[^=\0]+$/, "an environment variable name must be non-empty without = or NUL"),
        noNul("an environment value"),
      )
      .optional(),
    labels: z.record(z.string().min(1).max(256), z.string().max(4096)).optional(),
    restart: RestartPolicy.optional(),
    stopSignal: Signal.optional(),
    stopTimeout: z.number().int().min(0).max(86_400).optional(),
    log: LogConfig.optional(),
    stdin: z.boolean().optional(),
    /** A terminal (a pty held by the shim) for stdin, stdout and stderr, as `docker run -t`. */
    tty: z.boolean().optional(),
    autoRemove: z.boolean().optional(),
    resources: Resources.optional(),
    /** New pid, mount, uts and ipc namespaces, no_new_privs and Docker's default capabilities. */
    isolate: z.boolean().optional(),
    /** "none": a network namespace of its own with only loopback; "host" (the default): the host's. */
    network: z.enum(["host", "none"]).optional(),
    hostname: z
      .string()
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/, "a hostname is 1–63 letters, digits, dots or dashes")
      .optional(),
    /** A directory that becomes the container's root (needs isolate). */
    rootfs: absolutePath("rootfs").optional(),
    readOnly: z.boolean().optional(),
    volumes: z.array(Volume).max(64).optional(),
    /** UID[:GID], numeric. */
    user: z
      .string()
      .regex(/^\d{1,10}(:\d{1,10})?$/, 'expected "UID" or "UID:GID" (numbers)')
      .optional(),
    capAdd: z.array(CapabilityName).optional(),
    /** Killed when this is up, counted from its start. */
    maxLifetime: Duration.optional(),
    /** Killed as stale unless it checks in (touches its heartbeat file, or the API) this often. */
    heartbeatTimeout: Duration.optional(),
  })
  .superRefine((r, ctx) => {
    const needs = (field: string, what: string, ok: boolean) => {
      if (!ok) ctx.addIssue({ code: "custom", path: [field], message: `needs ${what}` });
    };
    needs("hostname", "isolate (a uts namespace of its own)", r.hostname === undefined || r.isolate === true);
    needs("rootfs", "isolate (a mount namespace of its own)", r.rootfs === undefined || r.isolate === true);
    needs("volumes", "isolate (a mount namespace of its own)", r.volumes === undefined || r.isolate === true);
    needs(
      "capAdd",
      "isolate (only isolated containers drop capabilities)",
      r.capAdd === undefined || r.isolate === true,
    );
    needs("readOnly", "rootfs", r.readOnly !== true || r.rootfs !== undefined);
    const res = r.resources;
    if (res?.memorySwap !== undefined && (res.memory === undefined || res.memorySwap < res.memory)) {
      ctx.addIssue({
        code: "custom",
        path: ["resources", "memorySwap"],
        message: "is memory plus swap: it needs memory, and at least as much",
      });
    }
  });
export type CreateContainerRequest = z.input<typeof CreateContainerRequest>;
/** The request after validation: sizes in bytes, signals by name. */
export type CreateContainerSpec = z.output<typeof CreateContainerRequest>;

export const ContainerStatus = z.enum(["created", "running", "paused", "restarting", "exited", "removing"]);
export type ContainerStatus = z.infer<typeof ContainerStatus>;

/** A running exec session (docs/shim.md, "Exec"), listed by inspect while it runs. */
export const ExecInfo = z.object({
  id: z.number(),
  pid: z.number(),
  command: z.array(z.string()),
  tty: z.boolean(),
});
export type ExecInfo = z.infer<typeof ExecInfo>;

export const ContainerState = z.object({
  status: ContainerStatus,
  running: z.boolean(),
  pid: z.number().nullable(),
  restarts: z.number(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  exitCode: z.number().nullable(),
  signal: z.number().nullable(),
  /** Why it exited: exited, stopped, exec-failed, shim-died, lifetime, stale. */
  reason: z.string().nullable(),
  error: z.string().nullable(),
  /** The last exit was the kernel's OOM killer (the memory limit was hit). */
  oomKilled: z.boolean(),
  /** starting, healthy or unhealthy for an app's replica with a health check; else null. */
  health: z.string().nullable(),
  /** Exec sessions that still run, as the shim lists them (so also after a daemon restart). */
  execs: z.array(ExecInfo),
});
export type ContainerState = z.infer<typeof ContainerState>;

export const Container = z.object({
  id: z.string(),
  name: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  env: z.record(z.string(), z.string()),
  labels: z.record(z.string(), z.string()),
  restart: z.string(),
  stopSignal: z.string(),
  stopTimeout: z.number(),
  log: z.object({ maxSize: z.number(), maxFiles: z.number() }),
  stdin: z.boolean(),
  tty: z.boolean(),
  autoRemove: z.boolean(),
  /** Limits in bytes and cores; {} for none. */
  resources: z.object({
    memory: z.number().optional(),
    memorySwap: z.number().optional(),
    cpu: z.number().optional(),
    pids: z.number().optional(),
  }),
  isolate: z.boolean(),
  network: z.enum(["host", "none"]),
  hostname: z.string().nullable(),
  rootfs: z.string().nullable(),
  readOnly: z.boolean(),
  volumes: z.array(z.object({ source: z.string(), target: z.string(), readOnly: z.boolean() })),
  user: z.string().nullable(),
  capAdd: z.array(z.string()),
  /** Milliseconds, or null. */
  maxLifetime: z.number().nullable(),
  heartbeatTimeout: z.number().nullable(),
  created: z.string(),
  state: ContainerState,
  stateDir: z.string(),
});
export type Container = z.infer<typeof Container>;

export const CreateContainerResponse = z.object({ id: z.string(), name: z.string() });
export type CreateContainerResponse = z.infer<typeof CreateContainerResponse>;

export const WaitResponse = z.object({ exitCode: z.number(), reason: z.string().nullable() });
export type WaitResponse = z.infer<typeof WaitResponse>;

export const Event = z.object({
  seq: z.number(),
  time: z.string(),
  /** "daemon" for bosund's own events (lockdown, kill-all): id and name are then "bosund". */
  type: z.enum(["container", "daemon", "app"]),
  action: z.string(),
  id: z.string(),
  name: z.string(),
  attributes: z.record(z.string(), z.string()),
});
export type Event = z.infer<typeof Event>;

/** One sample of a container's use (GET /v1/stats, /v1/containers/{ref}/stats). */
export const ContainerStats = z.object({
  id: z.string(),
  name: z.string(),
  status: ContainerStatus,
  /** When the sample was read (the later of its two readings). */
  read: z.string(),
  /** CPU use since the previous reading, in percent of one core (two busy cores: 200). */
  cpuPercent: z.number(),
  /** CPU time used since the shim started, its ended processes included. */
  cpuSeconds: z.number(),
  /** The sum of the processes' resident memory (shared pages count once per process). */
  memoryBytes: z.number(),
  /** null until containers have memory limits. */
  memoryLimitBytes: z.number().nullable(),
  /** Tasks: processes and their threads, as a cgroup counts them. */
  pids: z.number(),
  /** The size of container.log and its rotated files. */
  logBytes: z.number(),
});
export type ContainerStats = z.infer<typeof ContainerStats>;

export const TopProcess = z.object({
  pid: z.number(),
  ppid: z.number(),
  /** The effective user's name, or its uid when it has no name. */
  user: z.string(),
  /** The state letter of /proc/PID/stat: R, S, D, T, Z, … */
  state: z.string(),
  cpuSeconds: z.number(),
  rssBytes: z.number(),
  /** From /proc/PID/cmdline; [comm] for a process without one (a zombie). */
  command: z.array(z.string()),
});
export type TopProcess = z.infer<typeof TopProcess>;

export const TopResponse = z.object({ id: z.string(), name: z.string(), processes: z.array(TopProcess) });
export type TopResponse = z.infer<typeof TopResponse>;

export const VersionInfo = z.object({
  version: z.string(),
  apiVersion: z.string(),
  node: z.string(),
  os: z.string(),
  arch: z.string(),
});
export type VersionInfo = z.infer<typeof VersionInfo>;

export const DaemonInfo = z.object({
  version: z.string(),
  root: z.string(),
  socket: z.string(),
  pid: z.number(),
  shim: z.string(),
  kernel: z.string(),
  /** "v1 (memory, cpu, …)", "v2 (…)", or "none: why". */
  cgroup: z.string(),
  /** What isolation this host allows, or "none: why". */
  isolation: z.string(),
  containers: z.object({
    total: z.number(),
    running: z.number(),
    paused: z.number(),
    restarting: z.number(),
    exited: z.number(),
    created: z.number(),
  }),
  memoryRss: z.number(),
  uptimeSeconds: z.number(),
});
export type DaemonInfo = z.infer<typeof DaemonInfo>;

// Query strings: values arrive as strings (or arrays of strings when repeated).
const flag = z
  .enum(["1", "0", "true", "false", ""])
  .transform((v) => v === "1" || v === "true" || v === "")
  .optional();
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional();
const seconds = z.string().regex(/^\d+$/, "expected a whole number of seconds").transform(Number).optional();

export const ListQuery = z.strictObject({ all: flag, filter: list });
export const StopQuery = z.strictObject({ t: seconds });
export const KillQuery = z.strictObject({ signal: z.string().optional() });
export const RemoveQuery = z.strictObject({ force: flag });
export const WaitQuery = z.strictObject({ condition: z.enum(["not-running", "next-exit"]).optional() });
export const LogsQuery = z.strictObject({
  follow: flag,
  tail: z
    .string()
    .regex(/^(\d+|all)$/, 'expected a number of lines or "all"')
    .optional(),
  since: z.string().optional(),
  until: z.string().optional(),
});
export const AttachQuery = z.strictObject({
  stdin: flag,
  logs: flag,
  tail: z.string().regex(/^\d+$/).optional(),
});
const cells = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected a number of ${what}`)
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(65_535, "must be at most 65535"));

export const ExecQuery = z
  .strictObject({
    cmd: z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    env: list,
    stdin: flag,
    detach: flag,
    tty: flag,
    rows: cells("rows").optional(),
    cols: cells("columns").optional(),
  })
  .refine((q) => (q.rows === undefined) === (q.cols === undefined), {
    message: "rows and cols go together",
    path: ["rows"],
  });

/** A text message on an attach or exec channel: the client's terminal changed size. */
export const ResizeMessage = z.strictObject({
  type: z.literal("resize"),
  rows: z.number().int().min(1).max(65_535),
  cols: z.number().int().min(1).max(65_535),
});
export const StatsQuery = z.strictObject({ stream: flag, all: flag });
export const ContainerStatsQuery = z.strictObject({ stream: flag });
export const EventsQuery = z.strictObject({
  since: z.string().optional(),
  until: z.string().optional(),
  filter: list,
});

/** Renders a zod error as one line that names each bad field: `command: a command is required`. */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== "").join(".");
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}
