// The one typed client of bosund's API, shared by the CLI, the dashboard and the agents. It
// speaks through a Transport, so it imports nothing from node: the CLI passes one built on
// node:http over the Unix socket, a web page one built on fetch and WebSocket.
import type { ApplyResult, AppView, DiffResult, SpecText } from "./apps.ts";
import { BosunError } from "./errors.ts";
import { type LogRecord, parseLogLine } from "./log-record.ts";
import type { KillAllRequest, KillAllResponse, LockdownState } from "./policy.ts";
import type {
  Container,
  ContainerStats,
  CreateContainerRequest,
  CreateContainerResponse,
  DaemonInfo,
  Event,
  TopResponse,
  VersionInfo,
  WaitResponse,
} from "./schemas.ts";

export interface TransportResponse {
  status: number;
  body: unknown;
}

/** A message channel (a WebSocket): binary frames carry data, text frames carry JSON control. */
export interface Channel {
  send(data: Uint8Array | string): void;
  close(): void;
  onMessage(cb: (data: Uint8Array | string) => void): void;
  onClose(cb: (code: number, reason: string) => void): void;
}

export interface Transport {
  request(method: string, path: string, body?: unknown): Promise<TransportResponse>;
  /** GET a chunked stream and yield it line by line; a non-2xx status throws a BosunError. */
  lines(path: string, signal?: AbortSignal): AsyncIterable<string>;
  channel(path: string): Promise<Channel>;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === false) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, item === true ? "1" : String(item));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface ExecOptions {
  command: string[];
  env?: Record<string, string>;
  stdin?: boolean;
  /** The channel closes after exec-start; the process runs on. */
  detach?: boolean;
  /** A terminal for the process (all its output comes as stdout), of `size` from the start. */
  tty?: boolean;
  size?: { rows: number; cols: number } | undefined;
}

export interface ListOptions {
  all?: boolean;
  filter?: string[];
}
export interface LogsOptions {
  follow?: boolean;
  tail?: number | "all";
  since?: string;
  until?: string;
  signal?: AbortSignal;
}
export interface EventsOptions {
  since?: string;
  until?: string;
  filter?: string[];
  signal?: AbortSignal;
}
export interface StatsOptions {
  /** One container; without it, every running one (or every one, with `all`). */
  ref?: string;
  all?: boolean;
  /** false: one sample per container, then the end (default: a sample per second, forever). */
  stream?: boolean;
  signal?: AbortSignal;
}
export interface AttachOptions {
  stdin?: boolean;
  /** Replay the last N lines of the log before live output. */
  tail?: number;
}

/** What an attach channel says in its text frames. */
export type AttachControl =
  | { type: "exit"; exitCode: number; reason: string | null; final: boolean }
  | { type: "stdin-closed" }
  | { type: "error"; code: string; message: string };

export class BosunClient {
  constructor(private readonly transport: Transport) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.transport.request(method, path, body);
    if (res.status === 304) throw new BosunError("not_modified", `${method} ${path}: nothing to do`);
    if (res.status >= 400) throw BosunError.fromBody(res.status, res.body);
    return res.body as T;
  }

  ping(): Promise<{ ok: boolean }> {
    return this.call("GET", "/v1/ping");
  }
  version(): Promise<VersionInfo> {
    return this.call("GET", "/v1/version");
  }
  info(): Promise<DaemonInfo> {
    return this.call("GET", "/v1/info");
  }

  create(spec: CreateContainerRequest): Promise<CreateContainerResponse> {
    return this.call("POST", "/v1/containers", spec);
  }
  list(opts: ListOptions = {}): Promise<Container[]> {
    return this.call("GET", withQuery("/v1/containers", { all: opts.all, filter: opts.filter }));
  }
  inspect(ref: string): Promise<Container> {
    return this.call("GET", `/v1/containers/${encodeURIComponent(ref)}`);
  }
  start(ref: string): Promise<Container> {
    return this.call("POST", `/v1/containers/${encodeURIComponent(ref)}/start`);
  }
  stop(ref: string, timeoutSeconds?: number): Promise<Container> {
    return this.call(
      "POST",
      withQuery(`/v1/containers/${encodeURIComponent(ref)}/stop`, { t: timeoutSeconds }),
    );
  }
  restart(ref: string, timeoutSeconds?: number): Promise<Container> {
    return this.call(
      "POST",
      withQuery(`/v1/containers/${encodeURIComponent(ref)}/restart`, { t: timeoutSeconds }),
    );
  }
  kill(ref: string, signal?: string): Promise<Container> {
    return this.call("POST", withQuery(`/v1/containers/${encodeURIComponent(ref)}/kill`, { signal }));
  }
  /** The kill switch: signal (SIGKILL by default) every running container that passes the filters. */
  killAll(req: KillAllRequest = {}): Promise<KillAllResponse> {
    return this.call("POST", "/v1/containers/kill", req);
  }
  lockdown(): Promise<LockdownState> {
    return this.call("GET", "/v1/lockdown");
  }
  /** While on, bosund refuses every create and start (locked_down); it outlives a daemon restart. */
  setLockdown(on: boolean): Promise<LockdownState> {
    return this.call("POST", "/v1/lockdown", { on });
  }
  pause(ref: string): Promise<Container> {
    return this.call("POST", `/v1/containers/${encodeURIComponent(ref)}/pause`);
  }
  unpause(ref: string): Promise<Container> {
    return this.call("POST", `/v1/containers/${encodeURIComponent(ref)}/unpause`);
  }
  /** Checks in for a container with a heartbeat timeout. */
  async heartbeat(ref: string): Promise<void> {
    await this.call("POST", `/v1/containers/${encodeURIComponent(ref)}/heartbeat`);
  }
  remove(ref: string, opts: { force?: boolean } = {}): Promise<{ id: string; name: string }> {
    return this.call("DELETE", withQuery(`/v1/containers/${encodeURIComponent(ref)}`, { force: opts.force }));
  }
  wait(ref: string, condition: "not-running" | "next-exit" = "not-running"): Promise<WaitResponse> {
    return this.call("POST", withQuery(`/v1/containers/${encodeURIComponent(ref)}/wait`, { condition }));
  }

  async *logs(ref: string, opts: LogsOptions = {}): AsyncIterable<LogRecord> {
    const path = withQuery(`/v1/containers/${encodeURIComponent(ref)}/logs`, {
      follow: opts.follow,
      tail: opts.tail,
      since: opts.since,
      until: opts.until,
    });
    for await (const line of this.transport.lines(path, opts.signal)) {
      const rec = parseLogLine(line);
      if (rec) yield rec;
    }
  }

  async *events(opts: EventsOptions = {}): AsyncIterable<Event> {
    const path = withQuery("/v1/events", { since: opts.since, until: opts.until, filter: opts.filter });
    for await (const line of this.transport.lines(path, opts.signal)) {
      if (line.trim()) yield JSON.parse(line) as Event;
    }
  }

  /** Samples of containers' use, one per container per second (or one each, without stream). */
  async *stats(opts: StatsOptions = {}): AsyncIterable<ContainerStats> {
    const base =
      opts.ref === undefined ? "/v1/stats" : `/v1/containers/${encodeURIComponent(opts.ref)}/stats`;
    const path = withQuery(base, { stream: opts.stream === false ? "0" : undefined, all: opts.all });
    for await (const line of this.transport.lines(path, opts.signal)) {
      if (line.trim()) yield JSON.parse(line) as ContainerStats;
    }
  }

  // ---- apps ----

  /** Creates or updates the apps of these files (YAML or JSON, several documents each). */
  apply(files: SpecText[]): Promise<ApplyResult[]> {
    return this.call("POST", "/v1/apps/apply", { files });
  }
  /** What apply would change, changing nothing. */
  diff(files: SpecText[]): Promise<DiffResult[]> {
    return this.call("POST", "/v1/apps/apply", { files, dryRun: true });
  }
  apps(): Promise<AppView[]> {
    return this.call("GET", "/v1/apps");
  }
  app(name: string): Promise<AppView> {
    return this.call("GET", `/v1/apps/${encodeURIComponent(name)}`);
  }
  async removeApp(name: string): Promise<void> {
    await this.call("DELETE", `/v1/apps/${encodeURIComponent(name)}`);
  }
  scale(name: string, replicas: number): Promise<AppView> {
    return this.call("POST", `/v1/apps/${encodeURIComponent(name)}/scale`, { replicas });
  }
  rollback(name: string, generation?: number): Promise<AppView> {
    return this.call(
      "POST",
      `/v1/apps/${encodeURIComponent(name)}/rollback`,
      generation === undefined ? {} : { generation },
    );
  }

  top(ref: string): Promise<TopResponse> {
    return this.call("GET", `/v1/containers/${encodeURIComponent(ref)}/top`);
  }

  /**
   * Attach to a container's output (and stdin). Binary frames from the daemon start with a
   * stream byte (1 stdout, 2 stderr); text frames are AttachControl JSON. Send stdin as binary
   * frames and end it with the text frame {"type":"close-stdin"}; for a terminal container,
   * {"type":"resize","rows","cols"} sets its window size.
   */
  attach(ref: string, opts: AttachOptions = {}): Promise<Channel> {
    return this.transport.channel(
      withQuery(`/v1/containers/${encodeURIComponent(ref)}/attach`, { stdin: opts.stdin, tail: opts.tail }),
    );
  }

  /**
   * Run a process in a running container. The channel speaks as attach's does, plus a first text
   * frame {"type":"exec-start","id","pid"}; its {"type":"exit"} carries the process's exit code.
   * With a tty, the text frame {"type":"resize","rows","cols"} resizes its terminal.
   * A paused or stopped container fails with a 409 before the channel opens.
   */
  exec(ref: string, opts: ExecOptions): Promise<Channel> {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    return this.transport.channel(
      withQuery(`/v1/containers/${encodeURIComponent(ref)}/exec`, {
        cmd: opts.command,
        env,
        stdin: opts.stdin,
        detach: opts.detach,
        tty: opts.tty,
        rows: opts.tty ? opts.size?.rows : undefined,
        cols: opts.tty ? opts.size?.cols : undefined,
      }),
    );
  }
}

export const STDOUT = 1;
export const STDERR = 2;
