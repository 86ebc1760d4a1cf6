// The containers of this node. Each is a directory under <root>/containers/<id>/ holding its
// config (written here, at create) and the facts its shim writes; the daemon keeps one event
// subscription per live shim and rebuilds everything else from those files after a restart
// (shim-observer.ts). Attach and exec clients are bridged in sessions.ts.
import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import { BosunError } from "../api/errors.ts";
import type { Container, ContainerStatus, CreateContainerSpec } from "../api/schemas.ts";
import { signalNumber } from "../api/signals.ts";
import type { Admission } from "./admission.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import type { AttachOptions } from "./attach-session.ts";
import { validateLimits } from "./cgroup/limits.ts";
import { type ContainerConfig, initialState, newConfig, toApi } from "./container.ts";
import { type Entry, Registry } from "./container-registry.ts";
import type { EventBus } from "./event-bus.ts";
import type { ExecOptions } from "./exec-session.ts";
import { ExitWaiters } from "./exit-waiters.ts";
import { generateName, newId } from "./ids.ts";
import { cgroupLimits, checkPaths, checkSupport, HEARTBEAT_FILE, type HostSupport } from "./isolation.ts";
import { type LogQuery, readLogs } from "./logs.ts";
import { Sessions } from "./sessions.ts";
import type { ExitInfo } from "./shim-events.ts";
import { ShimLauncher } from "./shim-launcher.ts";
import { ShimObserver } from "./shim-observer.ts";
import type { ShimConnection } from "./shim-protocol.ts";
import { type Action, isRunning, transition } from "./state-machine.ts";
import type { StatsTarget } from "./stats.ts";
import { nowIso } from "./time.ts";

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

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

export class Runtime {
  private readonly entries: Registry;
  private readonly exits = new ExitWaiters();
  private readonly dir: string;
  private readonly launcher: ShimLauncher;
  private readonly shims: ShimObserver;
  private readonly sessions: Sessions;
  private healthOf: (id: string) => string | undefined = () => undefined;

  constructor(private readonly deps: RuntimeDeps) {
    this.dir = join(deps.root, "containers");
    this.entries = new Registry(this.dir);
    this.launcher = new ShimLauncher(deps.shimPath, deps.log);
    this.shims = new ShimObserver({
      dir: this.dir,
      entries: this.entries,
      exits: this.exits,
      log: deps.log,
      emit: (e, action, attrs) => this.emit(e, action, attrs),
      remove: (id) => this.remove(id, false),
    });
    this.sessions = new Sessions({
      resolve: (ref) => this.resolve(ref),
      emit: (e, action) => this.emit(e, action),
      finalExit: (e) => this.exits.final(e),
      onShimEvent: (e, ev) => this.shims.onShimEvent(e, ev),
    });
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
   * The list as a JSON array, in bytes. Each container's JSON is kept, encoded, until its state
   * or health changes (states are replaced, never changed in place), so a list of 1,000
   * containers hands the socket the same bytes again instead of building and serializing 1,000
   * objects, or one megabyte string (which would wait in V8's old generation for a full
   * collection), on every call. The parts are written as they are, in one writev.
   */
  listJson(all: boolean, filters: Map<string, string[]>): Buffer[] {
    const parts: Buffer[] = [OPEN];
    for (const e of this.entries.select(all, filters)) {
      if (parts.length > 1) parts.push(COMMA);
      const health = this.healthOf(e.config.id);
      const c = e.json;
      if (c !== undefined && c.state === e.state && c.health === health) {
        parts.push(c.bytes);
        continue;
      }
      const bytes = Buffer.from(JSON.stringify(toApi(e.config, e.state, e.dir, health)));
      e.json = { state: e.state, health, bytes };
      parts.push(bytes);
    }
    parts.push(CLOSE);
    return parts;
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
    const config = newConfig(req, { id, name, dir: join(this.dir, id), created: nowIso() });
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
          Promise.all([
            writeFileAtomic(join(entry.dir, "config.json"), JSON.stringify(config)),
            // Made empty here, beside the config's fsync, so the shim opens them rather than
            // creates them on the start's path (a create is 0.3-0.5 ms on a busy disk).
            writeFile(join(entry.dir, "container.log"), "", { flag: "a", mode: 0o640 }),
            writeFile(join(entry.dir, "shim.log"), "", { flag: "a", mode: 0o644 }),
          ]),
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
      await Promise.all([...e.attach].map((s) => this.sessions.connectAttach(e, s)));
    }
    // An exec failure is reported twice: the reply to S, and the final exit (exit code 127 or
    // 126). The answer waits for the exit so a following `wait` or `inspect` sees it.
    const exited = this.exits.next(e, true);
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
    return this.shims.subscribe(e).catch((err: Error) => {
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
    const ended = this.exits.final(e);
    const conn = await this.shims.connection(e);
    await conn.request("T", `${signalNumber(signal)} ${Math.round(timeoutSeconds * 1000)}`);
    await ended;
  }

  async kill(ref: string, signal = "SIGKILL"): Promise<Container> {
    const e = this.resolve(ref);
    const n = signalNumber(signal);
    if (n === undefined) throw new BosunError("bad_request", `signal: unknown signal "${signal}"`);
    this.move(e, "kill");
    const conn = await this.shims.connection(e);
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
    const conn = await this.shims.connection(e);
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
      // Its exit is recorded (it was not running, or the stop above waited for it): the
      // subscription is let go of first, so that its close is not taken for the shim's end.
      const conn = e.conn;
      e.conn = undefined;
      conn?.close();
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
    this.exits.announce(e, { exitCode: e.state.exitCode ?? 0, reason: e.state.reason, final: true });
    return { id: e.config.id, name: e.config.name };
  }

  // ---- wait, logs, attach ----

  wait(ref: string, condition: "not-running" | "next-exit"): Promise<ExitInfo> {
    const e = this.resolve(ref);
    if (condition === "not-running" && !isRunning(e.state.status) && e.state.status !== "removing") {
      return Promise.resolve({ exitCode: e.state.exitCode ?? 0, reason: e.state.reason, final: true });
    }
    return this.exits.next(e, condition === "not-running");
  }

  logs(ref: string, q: LogQuery, follow: AbortSignal | undefined): AsyncGenerator<string[]> {
    const e = this.resolve(ref);
    return readLogs(
      e.dir,
      e.config.log.maxFiles,
      q,
      follow ? { done: this.exits.final(e), signal: follow } : undefined,
    );
  }

  /** Checks that ref can be attached to; throws the API error before any upgrade happens. */
  checkAttach(ref: string): void {
    this.sessions.checkAttach(ref);
  }

  attach(ref: string, ws: WebSocket, opts: AttachOptions): void {
    this.sessions.attach(ref, ws, opts);
  }

  // ---- exec ----

  /** Checks that ref can take an exec; throws the API error (409) before any upgrade happens. */
  checkExec(ref: string): void {
    this.sessions.checkExec(ref);
  }

  /** Runs a process in ref's container (the shim's X) and bridges it to the WebSocket. */
  exec(ref: string, ws: WebSocket, opts: ExecOptions): void {
    this.sessions.exec(ref, ws, opts);
  }

  /** Runs a command in ref's container to its end: its exit code and the start of its output. */
  execCapture(
    ref: string,
    command: string[],
    signal: AbortSignal,
  ): Promise<{ exitCode: number; output: string }> {
    return this.sessions.execCapture(ref, command, signal);
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
  recover(): Promise<void> {
    return this.shims.recover();
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
