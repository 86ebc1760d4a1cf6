// A container as the daemon holds it: its immutable config (config.json, written at create,
// before any process exists) and its observed state, which is always rebuilt from the shim's
// files and events, never kept only in memory.
import type {
  Container,
  ContainerState,
  ContainerStatus,
  CreateContainerSpec,
  ExecInfo,
} from "../api/schemas.ts";
import { heartbeatPath, isolationConfig } from "./isolation.ts";
import { isRunning } from "./state-machine.ts";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const DEFAULT_LOG = { maxSize: 10 * 1024 * 1024, maxFiles: 3 };

/** Limits: bytes, cores, tasks. */
export interface Resources {
  memory?: number | undefined;
  memorySwap?: number | undefined;
  cpu?: number | undefined;
  pids?: number | undefined;
}

export interface ContainerConfig {
  id: string;
  name: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  restart: string;
  stopSignal: string;
  stopTimeout: number;
  log: { maxSize: number; maxFiles: number };
  stdin: boolean;
  /** A pty for the container's stdio (absent in configs written before terminals existed). */
  tty?: boolean;
  autoRemove: boolean;
  created: string;
  // Limits, isolation and sandbox bounds: absent in configs written before they existed, and
  // when not asked for.
  resources?: Resources;
  isolate?: boolean;
  network?: "host" | "none";
  hostname?: string;
  rootfs?: string;
  readOnly?: boolean;
  volumes?: { source: string; target: string; readOnly: boolean }[];
  user?: string;
  capAdd?: string[];
  maxLifetime?: number;
  heartbeatTimeout?: number;
}

/** What the shim writes in exit.json (docs/shim.md); the daemon writes one too for a dead shim. */
export interface ExitFile {
  exitCode: number;
  signal: number | null;
  finishedAt: string;
  reason: string;
  restarts?: number;
  error?: string;
  oomKilled?: boolean;
}

/**
 * The config a create request makes: what it asks for, and the defaults for the rest. `dir` is
 * the container's directory (its heartbeat file's place), `created` the time of the create.
 */
export function newConfig(
  req: CreateContainerSpec,
  { id, name, dir, created }: { id: string; name: string; dir: string; created: string },
): ContainerConfig {
  const config: ContainerConfig = {
    id,
    name,
    command: req.command,
    cwd: req.cwd ?? "/",
    env: { PATH: DEFAULT_PATH, ...req.env },
    labels: req.labels ?? {},
    restart: req.restart ?? "no",
    stopSignal: req.stopSignal ?? "SIGTERM",
    stopTimeout: req.stopTimeout ?? 10,
    log: {
      maxSize: req.log?.maxSize ?? DEFAULT_LOG.maxSize,
      maxFiles: req.log?.maxFiles ?? DEFAULT_LOG.maxFiles,
    },
    stdin: req.stdin ?? false,
    tty: req.tty ?? false,
    autoRemove: req.autoRemove ?? false,
    created,
    ...isolationConfig(req),
  };
  if (config.heartbeatTimeout) config.env.BOSUN_HEARTBEAT_FILE = heartbeatPath(config, dir);
  return config;
}

export interface ObservedState {
  status: ContainerStatus;
  pid: number | null;
  restarts: number;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: number | null;
  reason: string | null;
  error: string | null;
  /** The last exit was an OOM kill. */
  oomKilled: boolean;
  /** The exec sessions that run, as the shim reports them. */
  execs: ExecInfo[];
  /**
   * Ids of this shim's execs that have ended (the newest few). An exec's start and exit reach
   * the daemon twice, on its own connection and on the subscription, in either order: a late
   * copy of the start of an exec already ended must not list it again.
   */
  endedExecs: number[];
}

export function initialState(): ObservedState {
  return {
    status: "created",
    pid: null,
    restarts: 0,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    signal: null,
    reason: null,
    error: null,
    oomKilled: false,
    execs: [],
    endedExecs: [],
  };
}

export function toApi(
  config: ContainerConfig,
  state: ObservedState,
  stateDir: string,
  health?: string,
): Container {
  const { endedExecs: _, ...observed } = state;
  const apiState: ContainerState = { ...observed, running: isRunning(state.status), health: health ?? null };
  return {
    ...config,
    tty: config.tty ?? false,
    resources: config.resources ?? {},
    isolate: config.isolate ?? false,
    network: config.network ?? "host",
    hostname: config.hostname ?? null,
    rootfs: config.rootfs ?? null,
    readOnly: config.readOnly ?? false,
    volumes: config.volumes ?? [],
    user: config.user ?? null,
    capAdd: config.capAdd ?? [],
    maxLifetime: config.maxLifetime ?? null,
    heartbeatTimeout: config.heartbeatTimeout ?? null,
    state: apiState,
    stateDir,
  };
}
