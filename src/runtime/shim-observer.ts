// What the daemon learns from its shims: one event subscription per live shim, whose events move
// the container's observed state, and the files a shim leaves (exit.json, status.json, its pid
// files), read when its connection closes and when the daemon starts again. A shim that died
// without an exit file is reported here, and what it left running is killed.
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { ID_PATTERN } from "../api/schemas.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { type ContainerConfig, type ExitFile, initialState } from "./container.ts";
import { ctlPath, type Entry, type Registry } from "./container-registry.ts";
import type { ExitWaiters } from "./exit-waiters.ts";
import { killOrphans } from "./orphans.ts";
import { isAlive, readPidFile } from "./proc.ts";
import { reduceShimEvent } from "./shim-events.ts";
import { ShimConnection, type ShimEvent } from "./shim-protocol.ts";
import { transition } from "./state-machine.ts";
import { nowIso } from "./time.ts";

/** What the observer needs of the runtime around it. */
export interface ShimObserverDeps {
  /** The containers directory; recovery adds what it finds there to `entries`. */
  dir: string;
  entries: Registry;
  exits: ExitWaiters;
  log: Logger;
  /** Announces a container event. */
  emit(e: Entry, action: string, attrs?: Record<string, string>): void;
  /** Removes a container whose autoRemove asks for it, after its final exit. */
  remove(id: string): Promise<unknown>;
}

export class ShimObserver {
  constructor(private readonly deps: ShimObserverDeps) {}

  /**
   * Opens the daemon's event subscription to a live shim. Resolves with the connection once
   * W is sent; `conn.request` calls made after it queue behind W.
   */
  async subscribe(e: Entry): Promise<ShimConnection> {
    const conn = await ShimConnection.open(ctlPath(e), {
      onEvent: (ev) => this.onShimEvent(e, ev),
      onClose: () => {
        // A connection the entry let go of (a remove closes it; a new run's replaced it) says
        // nothing of the shim: its exit is already recorded.
        if (e.conn !== conn) return;
        e.conn = undefined;
        void this.onShimGone(e).catch((err) => this.deps.log.error({ err, id: e.config.id }, "shim gone"));
      },
    });
    e.conn = conn;
    const subscribed = conn.request("W");
    subscribed.catch(() => {}); // a close is handled by onClose
    return conn;
  }

  /** The live subscription, opened again if it was lost: requests to the shim go on it. */
  async connection(e: Entry): Promise<ShimConnection> {
    if (!e.conn || e.conn.isClosed) await this.subscribe(e);
    return e.conn!;
  }

  /** Applies one of the shim's events: the subscription's, or an exec session's own copy. */
  onShimEvent(e: Entry, ev: ShimEvent): void {
    const r = reduceShimEvent(e.state, ev, e.config.name, e.config.restart);
    e.state = r.state;
    if (r.announce) this.deps.emit(e, r.announce.action, r.announce.attributes);
    if (r.exit) {
      this.deps.exits.announce(e, r.exit);
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
      void this.deps.remove(e.config.id).catch((err) => this.deps.log.error({ err }, "auto-remove failed"));
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
      this.deps.emit(e, "die", attributes);
      this.deps.exits.announce(e, { exitCode: exit.exitCode, reason: exit.reason, final: true });
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

  // ---- recovery ----

  /** Rebuilds every container from its directory: reconnects live shims, reports dead ones. */
  async recover(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true, mode: 0o700 });
    const names = (await readdir(this.deps.dir)).filter((n) => ID_PATTERN.test(n));
    await Promise.all(
      names.map((id) =>
        this.recoverOne(id).catch((err) => this.deps.log.error({ err, id }, "cannot recover container")),
      ),
    );
  }

  private async recoverOne(id: string): Promise<void> {
    const dir = join(this.deps.dir, id);
    const config = await readJson<ContainerConfig>(join(dir, "config.json"));
    if (!config || config.id !== id) {
      this.deps.log.warn({ id }, "no readable config.json; leaving the directory alone");
      return;
    }
    const e = this.deps.entries.add(config, initialState());
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
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}
