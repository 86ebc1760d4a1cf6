// The containers of this node. Each is a directory under <root>/containers/<id>/ holding its
// config (written here, at create) and the facts its shim writes; the daemon keeps one event
// subscription per live shim and rebuilds everything else from those files after a restart.
import { EventEmitter } from "node:events";
import { mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { BosunError } from "../api/errors.ts";
import {
  type Container,
  type ContainerStatus,
  type CreateContainerSpec,
  ID_PATTERN,
} from "../api/schemas.ts";
import { signalNumber } from "../api/signals.ts";
import type { Admission } from "./admission.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { AttachSession } from "./attach-session.ts";
import { validateLimits } from "./cgroup/limits.ts";
import { type ContainerConfig, type ExitFile, initialState, toApi } from "./container.ts";
import { type Entry, Registry } from "./container-registry.ts";
import type { EventBus } from "./event-bus.ts";
import { type ExecOptions, ExecSession } from "./exec-session.ts";
import { generateName, newId } from "./ids.ts";
import {
  cgroupLimits,
  checkPaths,
  checkSupport,
  HEARTBEAT_FILE,
  type HostSupport,
  heartbeatPath,
  isolationConfig,
} from "./isolation.ts";
import { type LogQuery, readLogs } from "./logs.ts";
import { killOrphans } from "./orphans.ts";
import { isAlive, readPidFile } from "./proc.ts";
import { type ExitInfo, reduceShimEvent } from "./shim-events.ts";
import { ShimLauncher } from "./shim-launcher.ts";
import { encodeExec, ShimConnection, type ShimEvent } from "./shim-protocol.ts";
import { type Action, isRunning, transition } from "./state-machine.ts";
import type { StatsTarget } from "./stats.ts";
import { nowIso } from "./time.ts";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const DEFAULT_LOG = { maxSize: 10 * 1024 * 1024, maxFiles: 3 };

export interface RuntimeDeps {
  root: string;
  shimPath: string;
  log: Logger;
  events: EventBus;
  /** What the host can do: its cgroups (a driver, or why there is none) and our uid. */
  host: HostSupport;
  /** Quotas and lockdown, asked before every create and start. */
  admission: Admission;
}

export class Runtime {
  private readonly entries: Registry;
  /** `exit:<id>` fires with an ExitInfo on every exit of a container's process. */
  private readonly exits = new EventEmitter();
  private readonly dir: string;
  private readonly launcher: ShimLauncher;
  private healthOf: (id: string) => string | undefined = () => undefined;

  constructor(private readonly deps: RuntimeDeps) {
    this.dir = join(deps.root, "containers");
    this.entries = new Registry(this.dir);
    this.launcher = new ShimLauncher(deps.shimPath, deps.log);
    this.exits.setMaxListeners(0);
  }

  // ---- queries ----

  /** Where a container's health comes from: the apps' health checks (they know their replicas). */
  setHealthSource(source: (id: string) => string | undefined): void {
    this.healthOf = source;
  }

  private api(e: Entry): Container {
    return toApi(e.config, e.state, e.dir, this.healthOf(e.config.id));
  }

  resolve(ref: string): Entry {
    return this.entries.resolve(ref);
  }

  inspect(ref: string): Container {
    const e = this.resolve(ref);
    return this.api(e);
  }

  /** Filters as Docker's: name=, id=, label=KEY or KEY=VALUE, status=. All must hold. */
  list(all: boolean, filters: Map<string, string[]>): Container[] {
    return this.entries.select(all, filters).map((e) => this.api(e));
  }

  /**
   * The list as a JSON array. Each container's JSON is kept until its state or health changes
   * (states are replaced, never changed in place), so listing 1,000 containers joins strings
   * instead of building and serializing 1,000 objects on every call.
   */
  listJson(all: boolean, filters: Map<string, string[]>): string {
    const parts = this.entries.select(all, filters).map((e) => {
      const health = this.healthOf(e.config.id);
      const c = e.json;
      if (c !== undefined && c.state === e.state && c.health === health) return c.text;
      const text = JSON.stringify(toApi(e.config, e.state, e.dir, health));
      e.json = { state: e.state, health, text };
      return text;
    });
    return `[${parts.join(",")}]`;
  }

  counts(): Record<"total" | ContainerStatus, number> {
    return this.entries.counts();
  }

  // ---- create ----

  async create(req: CreateContainerSpec): Promise<{ id: string; name: string }> {
    if (req.name !== undefined && this.entries.nameTaken(req.name)) {
      throw new BosunError(
        "name_in_use",
        `the name "${req.name}" is already in use by ${this.entries.resolve(req.name).config.id.slice(0, 12)}`,
      );
    }
    if (req.autoRemove && req.restart && req.restart !== "no") {
      throw new BosunError(
        "bad_request",
        'autoRemove: cannot be combined with a restart policy other than "no"',
      );
    }
    checkSupport(req, this.deps.host);
    if (req.resources) validateLimits(cgroupLimits(req.resources));
    await checkPaths(req);
    const id = newId();
    const name = req.name ?? generateName((n) => this.entries.nameTaken(n));
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
      created: nowIso(),
      ...isolationConfig(req),
    };
    if (config.heartbeatTimeout) config.env.BOSUN_HEARTBEAT_FILE = heartbeatPath(config, join(this.dir, id));
    // Checked and added with no await between, so two creates at once cannot both take the last place.
    this.deps.admission.checkCreate(
      { labels: config.labels, memory: config.resources?.memory },
      [...this.entries.all()].map((x) => ({ labels: x.config.labels, memory: x.config.resources?.memory })),
      req.name,
    );
    const entry = this.entries.add(config, initialState());
    // The cgroup is made beside the config file, not in the start's path; a limit the host
    // refuses fails the create.
    entry.cgroup = this.makeCgroup(config);
    try {
      await Promise.all([
        mkdir(entry.dir, { recursive: true, mode: 0o700 }).then(() =>
          writeFileAtomic(join(entry.dir, "config.json"), JSON.stringify(config)),
        ),
        entry.cgroup,
      ]);
    } catch (err) {
      this.entries.forget(entry);
      await Promise.allSettled([entry.cgroup]);
      await Promise.all([
        rm(entry.dir, { recursive: true, force: true }),
        this.deps.host.cgroups.driver?.remove(id),
      ]).catch(() => {});
      throw err;
    }
    this.emit(entry, "create");
    return { id, name };
  }

  // ---- start ----

  start(ref: string): Promise<Container> {
    const e = this.resolve(ref);
    if (e.starting) return e.starting;
    this.move(e, "start");
    this.deps.admission.checkStart(e.config.name);
    e.starting = this.doStart(e).finally(() => {
      e.starting = undefined;
    });
    return e.starting;
  }

  private async doStart(e: Entry): Promise<Container> {
    // The last run's shim removes ctl.sock just after its final exit event, then closes its
    // connections; a new shim refuses a socket that a live shim still serves. Under load the
    // daemon can get here in between: wait for the old shim to let go (it flushes for 1 s at most).
    // But a shim that holds this container's process at the gate (a start bosund did not
    // finish before it died, found again by recovery) is this start's shim: it only needs S.
    const held = e.state.status === "created" && e.conn !== undefined && !e.conn.isClosed;
    if (!held && e.conn && !e.conn.isClosed) {
      await Promise.race([e.conn.gone, delay(2000, undefined, { ref: false })]);
    }
    const subscribed = held ? Promise.resolve(e.conn!) : this.launchAndSubscribe(e);
    if (e.attach.size > 0) {
      // Attach clients that were waiting for this start connect before the process may run.
      await subscribed;
      await Promise.all([...e.attach].map((s) => this.connectAttach(e, s)));
    }
    // An exec failure is reported twice: the reply to S, and the final exit (exit code 127 or
    // 126). The answer waits for the exit so a following `wait` or `inspect` sees it.
    const exited = this.nextFinalExit(e);
    // W and S go out together when no attach must come between: the shim takes frames in
    // order, so the subscription is in place before the process runs.
    const conn = await subscribed;
    try {
      const reply = await conn.request("S");
      // The shim's start event may come after its reply; the answer must already say running.
      if (e.state.status === "created") {
        e.state = {
          ...e.state,
          status: "running",
          pid: Number(reply.split(" ")[1]) || e.state.pid,
          startedAt: nowIso(),
        };
      }
    } catch (err) {
      await Promise.race([exited, delay(2000, undefined, { ref: false })]);
      throw new BosunError("exec_failed", `cannot start ${e.config.name}: ${(err as Error).message}`);
    }
    return this.api(e);
  }

  private async launchAndSubscribe(e: Entry): Promise<ShimConnection> {
    // The shim replaces the previous run's pid and status files and removes its exit.json
    // before it answers, so nothing of that run needs clearing here.
    // Every container gets its cgroup where the host has them (stats, the freezer, kill-all),
    // made before the shim exists, as its child joins it before exec. It is made at create and
    // kept across runs (a stop empties it); after a daemon restart, the first start makes it.
    e.cgroup ??= this.makeCgroup(e.config);
    const cgroupDirs = await e.cgroup.catch((err: unknown) => {
      e.cgroup = undefined;
      throw err;
    });
    // A rootfs gets the heartbeat file by a bind mount, made before the shim's own start-up:
    // the source must exist already.
    if (e.config.heartbeatTimeout) await writeFile(join(e.dir, HEARTBEAT_FILE), "", { flag: "a" });
    const started = await this.launcher.launch(e.config, e.dir, cgroupDirs);
    e.shimPid = started.shimPid;
    e.state = { ...initialState(), pid: started.containerPid };
    return this.subscribe(e).catch((err: Error) => {
      throw new BosunError(
        "shim_failed",
        `cannot start ${e.config.name}: its shim does not answer: ${err.message}`,
      );
    });
  }

  private makeCgroup(config: ContainerConfig): Promise<string[]> {
    const driver = this.deps.host.cgroups.driver;
    return driver ? driver.create(config.id, cgroupLimits(config.resources ?? {})) : Promise.resolve([]);
  }

  private ctlPath(e: Entry): string {
    return join(e.dir, "ctl.sock");
  }

  /**
   * Opens the daemon's event subscription to a live shim. Resolves with the connection once
   * W is sent; `conn.request` calls made after it queue behind W.
   */
  private async subscribe(e: Entry): Promise<ShimConnection> {
    const conn = await ShimConnection.open(this.ctlPath(e), {
      onEvent: (ev) => this.onShimEvent(e, ev),
      onClose: () => {
        if (e.conn === conn) e.conn = undefined;
        void this.onShimGone(e).catch((err) => this.deps.log.error({ err, id: e.config.id }, "shim gone"));
      },
    });
    e.conn = conn;
    const subscribed = conn.request("W");
    subscribed.catch(() => {}); // a close is handled by onClose
    return conn;
  }

  private onShimEvent(e: Entry, ev: ShimEvent): void {
    const r = reduceShimEvent(e.state, ev, e.config.name, e.config.restart);
    e.state = r.state;
    if (r.announce) this.emit(e, r.announce.action, r.announce.attributes);
    if (r.exit) {
      this.exits.emit(`exit:${e.config.id}`, r.exit);
      if (r.exit.final) this.afterFinalExit(e);
    }
  }

  private afterFinalExit(e: Entry): void {
    // A connected session ends on its own connection's exit event, after all the output that
    // came before it; only sessions without a live connection are ended from here.
    for (const s of e.attach) if (!s.isConnected) s.finish(this.exitMessage(e));
    // Exec'd processes end with the container (the shim's leftover kill).
    for (const x of e.execs) x.release();
    e.execs.clear();
    if (e.config.autoRemove && e.state.status !== "removing") {
      void this.remove(e.config.id, false).catch((err) => this.deps.log.error({ err }, "auto-remove failed"));
    }
  }

  private exitMessage(e: Entry) {
    return { type: "exit" as const, exitCode: e.state.exitCode ?? 255, reason: e.state.reason, final: true };
  }

  /** The shim's connection closed: it ended (exit.json says how) or it died (we say so). */
  private async onShimGone(e: Entry): Promise<void> {
    if (e.state.status === "exited" || e.state.status === "created") return;
    const exit = await readJson<ExitFile>(join(e.dir, "exit.json"));
    if (exit) {
      this.applyExitFile(e, exit, true);
      return;
    }
    const shim = await readPidFile(join(e.dir, "shim.pid"));
    if (shim && (await isAlive(shim.pid, shim.startTime))) {
      // Still alive: the connection broke, not the shim. Subscribe again.
      await this.subscribe(e).catch(() => this.onShimGone(e));
      return;
    }
    await this.reportDeadShim(e, shim?.pid);
  }

  private applyExitFile(e: Entry, exit: ExitFile, announce: boolean): void {
    e.state = {
      ...e.state,
      status: transition(e.state.status, "exited", e.config.name),
      pid: null,
      exitCode: exit.exitCode,
      signal: exit.signal,
      finishedAt: exit.finishedAt,
      reason: exit.reason,
      error: exit.error ?? null,
      restarts: exit.restarts ?? e.state.restarts,
      oomKilled: exit.oomKilled === true,
    };
    if (announce) {
      const attributes: Record<string, string> = { exitCode: String(exit.exitCode), reason: exit.reason };
      if (exit.oomKilled) attributes.oomKilled = "true";
      this.emit(e, "die", attributes);
      this.exits.emit(`exit:${e.config.id}`, {
        exitCode: exit.exitCode,
        reason: exit.reason,
        final: true,
      } satisfies ExitInfo);
    }
    this.afterFinalExit(e);
  }

  /** A shim that died without exit.json: kill what it left, and record the fact ourselves. */
  private async reportDeadShim(e: Entry, shimPid: number | undefined): Promise<void> {
    const container = await readPidFile(join(e.dir, "container.pid"));
    const killed = await killOrphans(shimPid ?? e.shimPid, container);
    // It may have written exit.json in its last moment; then that is the truth.
    const late = await readJson<ExitFile>(join(e.dir, "exit.json"));
    if (late) return this.applyExitFile(e, late, true);
    const exit: ExitFile = {
      exitCode: 255,
      signal: null,
      finishedAt: nowIso(),
      reason: "shim-died",
      restarts: e.state.restarts,
      error: `the shim died without recording an exit; ${killed} orphaned process(es) killed`,
    };
    await writeFileAtomic(join(e.dir, "exit.json"), JSON.stringify(exit));
    this.deps.log.warn({ id: e.config.id, killed }, "shim died without an exit file");
    this.applyExitFile(e, exit, true);
  }

  // ---- stop, kill, restart, remove ----

  /** Stops it for good (no restart follows): `signal` (its stop signal), SIGKILL after the timeout. */
  async stop(ref: string, timeoutSeconds?: number, signal?: string): Promise<Container> {
    const e = this.resolve(ref);
    this.move(e, "stop");
    await this.stopEntry(e, signal ?? e.config.stopSignal, timeoutSeconds ?? e.config.stopTimeout);
    this.emit(e, "stop");
    return this.api(e);
  }

  private async stopEntry(e: Entry, signal: string, timeoutSeconds: number): Promise<void> {
    const ended = this.finalExit(e);
    const conn = await this.connection(e);
    await conn.request("T", `${signalNumber(signal)} ${Math.round(timeoutSeconds * 1000)}`);
    await ended;
  }

  /** Resolves at the container's final exit (at once when it is not running). */
  private finalExit(e: Entry): Promise<void> {
    if (e.state.status === "exited" || e.state.status === "created") return Promise.resolve();
    return this.nextFinalExit(e);
  }

  private nextFinalExit(e: Entry): Promise<void> {
    return new Promise((resolve) => {
      const on = (info: ExitInfo) => {
        if (!info.final) return;
        this.exits.off(`exit:${e.config.id}`, on);
        resolve();
      };
      this.exits.on(`exit:${e.config.id}`, on);
    });
  }

  private async connection(e: Entry): Promise<ShimConnection> {
    if (!e.conn || e.conn.isClosed) await this.subscribe(e);
    return e.conn!;
  }

  async kill(ref: string, signal = "SIGKILL"): Promise<Container> {
    const e = this.resolve(ref);
    const n = signalNumber(signal);
    if (n === undefined) throw new BosunError("bad_request", `signal: unknown signal "${signal}"`);
    this.move(e, "kill");
    const conn = await this.connection(e);
    await conn.request("K", String(n)).catch((err: Error) => {
      throw new BosunError("conflict", `cannot kill ${e.config.name}: ${err.message}`);
    });
    this.emit(e, "kill", { signal: String(n) });
    return this.api(e);
  }

  /** Freezes every process of the container (the shim's P); its pause event moves the state. */
  async pause(ref: string): Promise<Container> {
    return this.pauseRequest(ref, "pause", "P", "paused");
  }

  async unpause(ref: string): Promise<Container> {
    return this.pauseRequest(ref, "unpause", "U", "running");
  }

  /** Touches the heartbeat file the shim watches (docs/shim.md, "Sandbox"). */
  async heartbeat(ref: string): Promise<void> {
    const e = this.resolve(ref);
    if (!e.config.heartbeatTimeout)
      throw new BosunError("conflict", `${e.config.name} has no heartbeat timeout`);
    if (!isRunning(e.state.status)) throw new BosunError("conflict", `${e.config.name} is not running`);
    const now = new Date();
    await utimes(join(e.dir, HEARTBEAT_FILE), now, now);
  }

  private async pauseRequest(
    ref: string,
    action: "pause" | "unpause",
    frame: "P" | "U",
    after: "paused" | "running",
  ): Promise<Container> {
    const e = this.resolve(ref);
    const before = e.state.status;
    this.move(e, action);
    const conn = await this.connection(e);
    await conn.request(frame).catch((err: Error) => {
      const why = err.message.replace(/^cannot (un)?pause: /, "");
      throw new BosunError("conflict", `cannot ${action} ${e.config.name}: ${why}`);
    });
    // The shim sends its event before its reply on this connection, so the state has moved
    // already; this only covers a subscription that was replaced in between.
    if (e.state.status === before) e.state = { ...e.state, status: after };
    return this.api(e);
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<Container> {
    const e = this.resolve(ref);
    // Before the stop: a restart that lockdown refuses must not leave the container stopped.
    this.deps.admission.checkStart(e.config.name);
    if (isRunning(e.state.status)) {
      this.move(e, "stop");
      await this.stopEntry(e, e.config.stopSignal, timeoutSeconds ?? e.config.stopTimeout);
    }
    const c = await this.start(e.config.id);
    this.emit(e, "restart", { manual: "true" });
    return c;
  }

  async remove(ref: string, force: boolean): Promise<{ id: string; name: string }> {
    const e = this.resolve(ref);
    const was = e.state.status;
    e.state = { ...e.state, status: transition(was, "remove", e.config.name, force) };
    try {
      if (isRunning(was)) await this.stopEntry(e, "SIGKILL", 0);
      await e.starting?.catch(() => {});
      // Attached clients of an exited container are still being handed its last output and
      // exit (a foreground `run --rm`); let them finish before the directory goes.
      const draining = [...e.attach].filter((s) => s.isConnected).map((s) => s.done);
      if (draining.length > 0)
        await Promise.race([Promise.all(draining), delay(2000, undefined, { ref: false })]);
      for (const s of e.attach) s.fail("conflict", `${e.config.name} was removed`);
      e.conn?.close();
      e.cgroup = undefined; // a failed remove may have taken it: the next start makes it again
      await this.deps.host.cgroups.driver?.remove(e.config.id);
      await rm(e.dir, { recursive: true, force: true });
    } catch (err) {
      e.state = { ...e.state, status: isRunning(was) ? "exited" : was };
      throw err;
    }
    this.entries.forget(e);
    this.emit(e, "destroy");
    // Whoever still waits on it learns its last exit: a removed container never exits again.
    this.exits.emit(`exit:${e.config.id}`, {
      exitCode: e.state.exitCode ?? 0,
      reason: e.state.reason,
      final: true,
    } satisfies ExitInfo);
    return { id: e.config.id, name: e.config.name };
  }

  // ---- wait, logs, attach ----

  wait(ref: string, condition: "not-running" | "next-exit"): Promise<ExitInfo> {
    const e = this.resolve(ref);
    if (condition === "not-running" && !isRunning(e.state.status) && e.state.status !== "removing") {
      return Promise.resolve({ exitCode: e.state.exitCode ?? 0, reason: e.state.reason, final: true });
    }
    return new Promise((resolve) => {
      const on = (info: ExitInfo) => {
        if (condition === "not-running" && !info.final) return;
        this.exits.off(`exit:${e.config.id}`, on);
        resolve(info);
      };
      this.exits.on(`exit:${e.config.id}`, on);
    });
  }

  logs(ref: string, q: LogQuery, follow: AbortSignal | undefined): AsyncGenerator<string[]> {
    const e = this.resolve(ref);
    return readLogs(
      e.dir,
      e.config.log.maxFiles,
      q,
      follow ? { done: this.finalExit(e), signal: follow } : undefined,
    );
  }

  /** Checks that ref can be attached to; throws the API error before any upgrade happens. */
  checkAttach(ref: string): void {
    const e = this.resolve(ref);
    transition(e.state.status, "attach", e.config.name);
  }

  attach(ref: string, ws: WebSocket, opts: { stdin: boolean; tail: number | undefined }): void {
    const e = this.resolve(ref);
    try {
      transition(e.state.status, "attach", e.config.name);
    } catch (err) {
      const be = err as BosunError;
      const s = new AttachSession(ws, opts, () => {});
      s.fail(be.code, be.message);
      return;
    }
    const session = new AttachSession(ws, opts, () => {
      e.attach.delete(session);
      this.emit(e, "detach");
    });
    e.attach.add(session);
    this.emit(e, "attach");
    // A created container's sessions connect in doStart, before the process is let go.
    if (e.state.status !== "created" && !e.starting) void this.connectAttach(e, session);
  }

  private connectAttach(e: Entry, session: AttachSession): Promise<void> {
    const onShimClosed = () => {
      // The container's end finishes the session with its real exit (afterFinalExit); if the
      // container is still running after a grace period, the shim dropped a reader that fell behind.
      const timer = setTimeout(() => {
        session.fail(
          "conflict",
          "attach fell too far behind the output and was dropped; the log has everything",
        );
      }, 2000);
      void this.finalExit(e).then(() => clearTimeout(timer));
    };
    return session
      .connect(this.ctlPath(e), onShimClosed)
      .catch((err: Error) => session.fail("shim_failed", `cannot attach: ${err.message}`));
  }

  // ---- exec ----

  /** Checks that ref can take an exec; throws the API error (409) before any upgrade happens. */
  checkExec(ref: string): void {
    const e = this.resolve(ref);
    const name = e.config.name;
    if (e.state.status === "paused") {
      throw new BosunError(
        "conflict",
        `cannot exec in ${name}: it is paused`,
        `unpause it with \`bosun unpause ${name}\``,
      );
    }
    if (e.state.status !== "running") {
      throw new BosunError(
        "conflict",
        `cannot exec in ${name}: it is not running`,
        `start it with \`bosun start ${name}\``,
      );
    }
  }

  /** Runs a process in ref's container (the shim's X) and bridges it to the WebSocket. */
  exec(ref: string, ws: WebSocket, opts: ExecOptions): void {
    const e = this.resolve(ref);
    const name = e.config.name;
    // The session's own exec-start and exec-exit go through the reducer as the subscription's
    // copies do: whichever comes first counts, so inspect lists the exec as soon as it runs.
    const session = new ExecSession(
      ws,
      opts,
      () => {},
      (ev) => {
        if (ev.type === "exec-start") e.execs.add(session);
        else e.execs.delete(session);
        this.onShimEvent(e, ev);
      },
    );
    try {
      this.checkExec(ref);
    } catch (err) {
      const be = err as BosunError;
      session.fail(be.code, be.message);
      return;
    }
    // The shim closes this connection only when the container ends: its exec'd processes die with it.
    const onShimClosed = () => session.fail("conflict", `${name} stopped; the exec'd process ended with it`);
    session.connect(this.ctlPath(e), onShimClosed).catch((err: Error) => {
      const why = err.message.replace(/^cannot exec: /, "");
      const code = /^(exec|chdir) /.test(why) ? "exec_failed" : "conflict";
      session.fail(code, `cannot exec in ${name}: ${why}`);
    });
  }

  /**
   * Runs a command in ref's container to its end and hands back its exit code and the first
   * 4 KiB of its output (a health check's exec probe). An abort kills the process.
   */
  async execCapture(
    ref: string,
    command: string[],
    signal: AbortSignal,
  ): Promise<{ exitCode: number; output: string }> {
    const e = this.resolve(ref);
    this.checkExec(ref);
    const chunks: Buffer[] = [];
    let size = 0;
    let done: (code: number) => void = () => {};
    const exited = new Promise<number>((resolve) => (done = resolve));
    const conn = await ShimConnection.open(this.ctlPath(e), {
      onOutput: (_stream, data) => {
        if (size < 4096) chunks.push(data.subarray(0, 4096 - size));
        size += data.length;
      },
      onEvent: (ev) => {
        if (ev.type === "exec-exit") done(Number(ev.exitCode));
      },
      onClose: () => done(255),
    });
    try {
      const [, , pid] = (await conn.request("X", encodeExec(command))).split(" ");
      conn.send("C");
      const kill = () => {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {}
      };
      signal.addEventListener("abort", kill, { once: true });
      const exitCode = await exited;
      signal.removeEventListener("abort", kill);
      return { exitCode, output: Buffer.concat(chunks).toString() };
    } finally {
      conn.close();
    }
  }

  // ---- stats, top ----

  /** What stats are read of: ref's container (404 if unknown), else the running ones, or all. */
  statsTargets(ref: string | undefined, all = false): StatsTarget[] {
    const entries =
      ref !== undefined
        ? [this.resolve(ref)]
        : [...this.entries.all()]
            .filter((e) => all || isRunning(e.state.status))
            .sort((a, b) => (a.config.name < b.config.name ? -1 : 1));
    return entries.map((e) => this.statsTarget(e));
  }

  /** The container whose processes `top` lists: it must be running (paused is fine). */
  topTarget(ref: string): StatsTarget {
    const e = this.resolve(ref);
    if (!isRunning(e.state.status)) {
      throw new BosunError("conflict", `cannot list the processes of ${e.config.name}: it is not running`);
    }
    return this.statsTarget(e);
  }

  private statsTarget(e: Entry): StatsTarget {
    const { status } = e.state;
    const driver = this.deps.host.cgroups.driver;
    return {
      id: e.config.id,
      name: e.config.name,
      status,
      shimPid: isRunning(status) ? e.shimPid : undefined,
      dir: e.dir,
      ...(driver && isRunning(status) && { cgroup: () => driver.stats(e.config.id) }),
    };
  }

  // ---- recovery ----

  /** Rebuilds every container from its directory: reconnects live shims, reports dead ones. */
  async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const names = (await readdir(this.dir)).filter((n) => ID_PATTERN.test(n));
    await Promise.all(
      names.map((id) =>
        this.recoverOne(id).catch((err) => this.deps.log.error({ err, id }, "cannot recover container")),
      ),
    );
  }

  private async recoverOne(id: string): Promise<void> {
    const dir = join(this.dir, id);
    const config = await readJson<ContainerConfig>(join(dir, "config.json"));
    if (!config || config.id !== id) {
      this.deps.log.warn({ id }, "no readable config.json; leaving the directory alone");
      return;
    }
    const e = this.entries.add(config, initialState());
    const exit = await readJson<ExitFile>(join(dir, "exit.json"));
    if (exit) return this.applyExitFile(e, exit, false);
    const shim = await readPidFile(join(dir, "shim.pid"));
    if (!shim) return; // created, never started
    e.shimPid = shim.pid;
    const status = await readJson<Record<string, unknown>>(join(dir, "status.json"));
    if (status) this.onShimEvent(e, { ...status, type: "status" });
    if (await isAlive(shim.pid, shim.startTime)) {
      try {
        await this.subscribe(e);
        return;
      } catch (err) {
        this.deps.log.warn({ err, id }, "live shim, but its control socket does not answer");
      }
      if (await isAlive(shim.pid, shim.startTime)) return;
    }
    // Running, so the dead shim is reported.
    if (e.state.status === "created") e.state = { ...e.state, status: "running" };
    await this.reportDeadShim(e, shim.pid);
  }

  /** Closes the daemon's side only: containers and their shims keep running. */
  close(): void {
    this.launcher.close();
    for (const e of this.entries.all()) {
      for (const s of e.attach) s.fail("unreachable", "bosund is shutting down");
      for (const x of e.execs) {
        x.fail("unreachable", "bosund is shutting down");
        x.release();
      }
      e.conn?.close();
    }
  }

  // ---- helpers ----

  private move(e: Entry, action: Action): void {
    e.state = { ...e.state, status: transition(e.state.status, action, e.config.name) };
  }

  private emit(e: Entry, action: string, attrs: Record<string, string> = {}): void {
    this.deps.events.emit({
      action,
      id: e.config.id,
      name: e.config.name,
      attributes: { ...e.config.labels, ...attrs },
    });
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
