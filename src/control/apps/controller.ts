// The apps of this node: their specs in the store, their replicas as labelled containers, and a
// loop per app that observes, asks plan() what to do, and does it. The loop wakes on events (a
// replica's container started or died, its health changed, the spec or the scale changed) and at
// the plan's nextWakeAt; a slow timer is only a backstop. After a daemon restart the replicas are
// found again by their labels: none is duplicated, none is lost.
import type { Logger } from "pino";
import type { ApplyResult, AppView, ReplicaView } from "../../api/apps.ts";
import { BosunError } from "../../api/errors.ts";
import { type Container, CreateContainerRequest, type Event } from "../../api/schemas.ts";
import type { EventBus } from "../../runtime/event-bus.ts";
import type { HealthChange, HealthMonitor } from "../health/health-monitor.ts";
import { plan } from "../reconciler/plan.ts";
import type { Action, DesiredApp, ObservedReplica, RolloutState, SpecRef } from "../reconciler/types.ts";
import type { App } from "../spec/app-spec.ts";
import { diffSpecs } from "../spec/diff-specs.ts";
import { specHash } from "../spec/spec-hash.ts";
import type { Store, App as StoredApp } from "../store/store.ts";
import { look, type ReplicaRecord, replicaStatus, restartsSinceStableRun } from "./replica-record.ts";
import {
  identityOf,
  LABEL_APP,
  PortAllocator,
  type ReplicaIdentity,
  replicaRequest,
} from "./replica-spec.ts";
import { routeConflict } from "./route-conflicts.ts";

const BACKSTOP_MS = 10_000;

/** What the controller needs of the runtime (the Runtime class, or a fake in tests). */
export interface RuntimePort {
  list(all: boolean, filters: Map<string, string[]>): Container[];
  create(spec: ReturnType<typeof CreateContainerRequest.parse>): Promise<{ id: string; name: string }>;
  start(ref: string): Promise<Container>;
  stop(ref: string, timeoutSeconds?: number): Promise<Container>;
  remove(ref: string, force: boolean): Promise<{ id: string; name: string }>;
  execCapture(
    ref: string,
    command: string[],
    signal: AbortSignal,
  ): Promise<{ exitCode: number; output: string }>;
}

/** Where the load balancer comes in: which replicas serve an app, and which are leaving. */
export interface BalancerPort {
  update(app: App, serving: { id: string; ports: Record<string, number> }[]): void;
  drain(id: string): void;
  remove(app: string): void;
  /** Request metrics per exposed port: rate, latency percentiles, connections, status classes. */
  metrics(app: string): Record<string, unknown>;
}

export interface ControllerDeps {
  store: Store;
  runtime: RuntimePort;
  health: HealthMonitor;
  events: EventBus;
  log: Logger;
  balancer?: BalancerPort;
  now?: () => number;
}

interface Loop {
  running: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  rollout: RolloutState | undefined;
  /** The last generation whose rollout completed: where a failed one goes back to. */
  previous: SpecRef | undefined;
}

export class AppController {
  private readonly loops = new Map<string, Loop>();
  /** What the controller knows of a replica beyond its container: by container id. */
  private readonly local = new Map<string, ReplicaRecord>();
  private readonly specs = new Map<string, App>();
  private backstop: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly ports = new PortAllocator();
  /** Replicas this controller is starting: a created one not among them is resumed. */
  private readonly starting = new Set<string>();

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Adopts what runs and starts every app's loop. */
  async start(): Promise<void> {
    this.unsubscribe = this.deps.events.subscribe((e) => this.onEvent(e));
    this.deps.health.on("change", (c: HealthChange) => this.onHealth(c));
    for (const a of await this.deps.store.listApps()) {
      const app = a.spec as App;
      this.specs.set(a.name, app);
      const loop = this.loop(a.name);
      if (a.status?.phase === "complete")
        loop.previous = { generation: a.status.generation, specHash: specHash(app) };
      this.wake(a.name);
    }
    this.backstop = setInterval(() => {
      for (const name of this.loops.keys()) this.wake(name);
    }, BACKSTOP_MS);
    this.backstop.unref();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.backstop) clearInterval(this.backstop);
    for (const l of this.loops.values()) if (l.timer) clearTimeout(l.timer);
    this.deps.health.close();
  }

  // ---- the API's operations ----

  /**
   * Creates or updates each app; the same spec twice changes nothing. Their routes are checked
   * together first, against the other apps as they would be after the batch, so a clash
   * refuses the whole batch before any of it is written.
   */
  async apply(batch: App[]): Promise<ApplyResult[]> {
    this.checkRoutes(batch);
    const results: ApplyResult[] = [];
    for (const app of batch) results.push(await this.applyOne(app));
    return results;
  }

  /** What apply would change, per app; a route clash is refused as apply refuses it. */
  async diff(batch: App[]): Promise<{ name: string; changes: string[] }[]> {
    this.checkRoutes(batch);
    return batch.map((app) => ({ name: app.name, changes: diffSpecs(this.specs.get(app.name), app) }));
  }

  private checkRoutes(batch: App[]): void {
    const after = new Map(this.specs);
    for (const app of batch) after.set(app.name, app);
    for (const app of batch) {
      const clash = routeConflict(app, after.values());
      if (clash) throw clash;
    }
  }

  private async applyOne(app: App): Promise<ApplyResult> {
    const before = this.specs.get(app.name);
    const { app: stored, changed } = await this.deps.store.putApp(app.name, app, app.labels ?? {});
    const changes = diffSpecs(before, app);
    // A new replica count in the file wins over an earlier `scale`.
    if (before && before.spec.replicas !== app.spec.replicas && stored.replicas !== null)
      await this.deps.store.setReplicas(app.name, null);
    this.specs.set(app.name, app);
    if (changed)
      this.record(app.name, "app.applied", `generation ${stored.generation}`, { changes: changes.length });
    this.wake(app.name);
    return { name: app.name, generation: stored.generation, changed: changed && changes.length > 0, changes };
  }

  async scale(name: string, replicas: number): Promise<AppView> {
    await this.stored(name);
    await this.deps.store.setReplicas(name, replicas);
    this.record(name, "app.scaled", `scale to ${replicas}`, { replicas });
    this.wake(name);
    return this.inspect(name);
  }

  async undo(name: string, toGeneration?: number): Promise<AppView> {
    // The spec gone back to may route what another app has taken since.
    const history = await this.deps.store.appHistory(name);
    const target =
      toGeneration === undefined ? history[1] : history.find((r) => r.generation === toGeneration);
    if (target) {
      const clash = routeConflict(target.spec as App, this.specs.values());
      if (clash) throw clash;
    }
    const { app } = await this.deps.store.rollbackApp(name, toGeneration);
    this.specs.set(name, app.spec as App);
    this.record(name, "rollout.undo", `back to the spec of generation ${toGeneration ?? "before"}`, {
      generation: app.generation,
    });
    this.wake(name);
    return this.inspect(name);
  }

  async remove(name: string): Promise<void> {
    await this.stored(name);
    this.specs.delete(name);
    const loop = this.loops.get(name);
    if (loop?.timer) clearTimeout(loop.timer);
    this.loops.delete(name);
    this.deps.balancer?.remove(name);
    await Promise.all(this.containers(name).map((c) => this.stopReplica(c.id)));
    await this.deps.store.deleteApp(name);
    this.record(name, "app.removed", "removed", {});
  }

  async list(): Promise<AppView[]> {
    const apps = await this.deps.store.listApps();
    return apps.map((a) => this.view(a));
  }

  async inspect(name: string): Promise<AppView> {
    return this.view(await this.stored(name));
  }

  // ---- the loop ----

  private loop(name: string): Loop {
    let l = this.loops.get(name);
    if (!l) {
      l = { running: false, again: false, timer: undefined, rollout: undefined, previous: undefined };
      this.loops.set(name, l);
    }
    return l;
  }

  /** Runs the app's reconcile soon; one at a time per app, and once more if woken meanwhile. */
  private wake(name: string): void {
    if (this.closed) return;
    const l = this.loop(name);
    if (l.running) {
      l.again = true;
      return;
    }
    l.running = true;
    setImmediate(() => {
      void this.reconcile(name)
        .catch((err) => this.deps.log.error({ err, app: name }, "reconcile failed"))
        .finally(() => {
          l.running = false;
          if (l.again) {
            l.again = false;
            this.wake(name);
          }
        });
    });
  }

  private async reconcile(name: string): Promise<void> {
    const app = this.specs.get(name);
    if (!app) return;
    const stored = await this.deps.store.getApp(name);
    if (!stored) return;
    const l = this.loop(name);
    const now = this.now();
    const desired: DesiredApp = {
      app: name,
      generation: stored.generation,
      specHash: specHash(app),
      replicas: stored.replicas ?? app.spec.replicas,
      update: { ...app.spec.update },
      ...(l.previous && { previous: l.previous }),
    };
    const observed = this.observe(name, app, now);
    const p = plan(desired, { replicas: observed, ...(l.rollout && { rollout: l.rollout }) }, now);
    const phaseBefore = l.rollout?.state;
    l.rollout = p.rollout;
    // A failed rollout going back: the old spec becomes current again as a new generation, so
    // the rollback holds across a daemon restart and `rollout status` sees it.
    if (p.rollout.state === "rolling-back" && phaseBefore !== "rolling-back" && p.rollout.rollbackTo) {
      const { app: back } = await this.deps.store.rollbackApp(name, p.rollout.rollbackTo.generation);
      this.specs.set(name, back.spec as App);
      l.again = true;
    }
    for (const e of p.events) this.record(name, e.type, e.message, e.details);
    if (p.rollout.state === "complete" && phaseBefore !== "complete")
      l.previous = { generation: p.rollout.generation, specHash: p.rollout.specHash };
    if (p.rollout.state !== phaseBefore) await this.saveStatus(name, p.rollout);
    this.updateBalancer(app, name);
    for (const a of p.actions) await this.act(name, a).catch((err: Error) => this.actionFailed(name, a, err));
    if (l.timer) clearTimeout(l.timer);
    l.timer = undefined;
    if (p.nextWakeAt !== undefined) {
      l.timer = setTimeout(() => this.wake(name), Math.max(0, p.nextWakeAt - this.now()));
      l.timer.unref();
    }
    // Acting changed the world: look again until there is nothing left to do.
    if (p.actions.length > 0) l.again = true;
  }

  private observe(name: string, app: App, now: number): ObservedReplica[] {
    const out: ObservedReplica[] = [];
    for (const c of this.containers(name)) {
      const id = identityOf(c.labels);
      if (!id) continue;
      const local = this.localOf(c.id);
      const health = app.spec.health ? (this.deps.health.state(c.id) ?? "starting") : "none";
      const status = replicaStatus(c, local);
      // Created but never started: bosund died between the two. Nothing else would start it.
      if (status === "created" && !this.starting.has(c.id)) this.resume(name, c.id);
      if (status === "running") this.watchHealth(app, c, id);
      // Ready: healthy, or running without a check.
      const ready = status === "running" && (health === "healthy" || health === "none");
      const { restarts, crashLoopFound } = look(local, c, ready, now);
      if (crashLoopFound) {
        this.record(
          name,
          "replica.crash-looping",
          `${name}: replica ${id.index} (${c.id.slice(0, 12)}) restarted ${restarts} times without a stable run; its restart policy keeps restarting it`,
          { id: c.id, index: id.index, generation: id.generation, restarts },
        );
      }
      out.push({
        id: c.id,
        index: id.index,
        generation: id.generation,
        specHash: id.specHash,
        status,
        health,
        readySince: local.readySince,
        ...(local.drainingSince !== undefined && { draining: true, drainingSince: local.drainingSince }),
        exitedFinal: c.state.status === "exited",
        restarts,
      });
    }
    return out;
  }

  private async act(name: string, a: Action): Promise<void> {
    switch (a.type) {
      case "start":
        return this.startReplica(name, a.index, a);
      case "drain": {
        this.localOf(a.id).drainingSince = this.now();
        this.deps.balancer?.drain(a.id);
        return;
      }
      case "stop":
        return this.stopReplica(a.id);
    }
  }

  private async startReplica(name: string, index: number, ref: SpecRef): Promise<void> {
    const app = await this.specOf(name, ref);
    const ports: Record<string, number> = {};
    // Not a port another replica of any app holds, even one that is restarting.
    const inUse = new Set<number>();
    for (const c of this.deps.runtime.list(true, new Map([["label", [LABEL_APP]]])))
      for (const port of Object.values(identityOf(c.labels)?.ports ?? {})) inUse.add(port);
    for (const p of app.spec.ports ?? []) {
      const port = await this.ports.allocate(inUse);
      inUse.add(port);
      ports[p.name] = port;
    }
    const identity: ReplicaIdentity = { index, generation: ref.generation, specHash: ref.specHash, ports };
    const req = CreateContainerRequest.parse(replicaRequest(app, identity));
    const { id } = await this.deps.runtime.create(req);
    this.localOf(id);
    this.starting.add(id);
    try {
      await this.deps.runtime.start(id);
    } finally {
      this.starting.delete(id);
    }
  }

  private resume(name: string, id: string): void {
    this.starting.add(id);
    this.record(name, "replica.resumed", `${name}: starting ${id.slice(0, 12)}, created but never started`, {
      id,
    });
    this.deps.runtime
      .start(id)
      .catch((err: Error) => {
        this.deps.log.warn({ err, app: name, id }, "cannot start a replica found created");
        this.record(name, "replica.failed", `start failed: ${err.message}`, { action: "start", id });
      })
      .finally(() => {
        this.starting.delete(id);
        this.wake(name);
      });
  }

  private async stopReplica(id: string): Promise<void> {
    const local = this.localOf(id);
    if (local.removing) return;
    local.removing = true;
    this.deps.health.unwatch(id);
    try {
      await this.deps.runtime.remove(id, true);
    } catch (err) {
      if (!(err instanceof BosunError && err.code === "not_found")) throw err;
    } finally {
      this.local.delete(id);
    }
  }

  /** The spec a start is for: the current one, or an older generation a rollback pursues. */
  private async specOf(name: string, ref: SpecRef): Promise<App> {
    const current = this.specs.get(name);
    if (current && specHash(current) === ref.specHash) return current;
    for (const rev of await this.deps.store.appHistory(name)) {
      const spec = rev.spec as App;
      if (specHash(spec) === ref.specHash) return spec;
    }
    throw new BosunError("internal", `${name}: no spec with hash ${ref.specHash} in its history`);
  }

  private watchHealth(app: App, c: Container, id: ReplicaIdentity): void {
    const health = app.spec.health;
    if (!health || this.deps.health.state(c.id) !== undefined) return;
    this.deps.health.watch(c.id, health, {
      ports: id.ports,
      exec: (command: string[], signal: AbortSignal) => this.deps.runtime.execCapture(c.id, command, signal),
    });
  }

  private updateBalancer(app: App, name: string): void {
    if (!this.deps.balancer) return;
    const serving = this.containers(name)
      .filter((c) => {
        const local = this.local.get(c.id);
        if (local?.drainingSince !== undefined || local?.removing || c.state.status !== "running")
          return false;
        const h = app.spec.health ? this.deps.health.state(c.id) : "healthy";
        return h === "healthy";
      })
      .map((c) => ({ id: c.id, ports: identityOf(c.labels)?.ports ?? {} }));
    this.deps.balancer.update(app, serving);
  }

  // ---- events in ----

  private onEvent(e: Event): void {
    const app = e.attributes[LABEL_APP];
    if (e.type !== "container" || !app || !this.specs.has(app)) return;
    if (["start", "die", "destroy", "restart", "oom"].includes(e.action)) this.wake(app);
  }

  private onHealth(c: HealthChange): void {
    const container = this.deps.runtime.list(true, new Map([["id", [c.id]]]))[0];
    const app = container?.labels[LABEL_APP];
    if (!app) return;
    this.record(app, `replica.${c.state}`, `${container.name} is ${c.state}`, {
      replica: container.name,
      error: c.lastError,
    });
    // An unhealthy replica leaves the balancer at once, before the plan replaces it.
    const spec = this.specs.get(app);
    if (spec) this.updateBalancer(spec, app);
    this.wake(app);
  }

  // ---- helpers ----

  private containers(name: string): Container[] {
    return this.deps.runtime.list(true, new Map([["label", [`${LABEL_APP}=${name}`]]]));
  }

  private localOf(id: string): ReplicaRecord {
    let l = this.local.get(id);
    if (!l) {
      l = { readySince: null };
      this.local.set(id, l);
    }
    return l;
  }

  private async stored(name: string): Promise<StoredApp> {
    const a = await this.deps.store.getApp(name);
    if (!a) throw new BosunError("not_found", `no app named ${name}`, "`bosun apps` lists them");
    return a;
  }

  private view(a: StoredApp): AppView {
    const app = (this.specs.get(a.name) ?? a.spec) as App;
    const replicas: ReplicaView[] = this.containers(a.name).flatMap((c) => {
      const id = identityOf(c.labels);
      if (!id) return [];
      const local = this.local.get(c.id);
      return [
        {
          id: c.id,
          name: c.name,
          index: id.index,
          generation: id.generation,
          status: c.state.status,
          health: app.spec.health ? (this.deps.health.state(c.id) ?? "starting") : "none",
          ports: id.ports,
          draining: local?.drainingSince !== undefined,
          restarts: restartsSinceStableRun(local, c),
          crashLooping: local?.crashLoopReported === true,
        },
      ];
    });
    replicas.sort((x, y) => x.index - y.index || x.generation - y.generation);
    const ready = replicas.filter(
      (r) => r.status === "running" && !r.draining && (r.health === "healthy" || r.health === "none"),
    ).length;
    const rollout = this.loops.get(a.name)?.rollout;
    return {
      name: a.name,
      generation: a.generation,
      labels: a.labels,
      spec: app as unknown as AppView["spec"],
      desired: a.replicas ?? app.spec.replicas,
      ready,
      status: rollout?.state ?? a.status?.phase ?? "progressing",
      message: a.status?.message ?? "",
      ports: (app.spec.ports ?? []).map((p) => ({
        name: p.name,
        expose: p.expose ?? null,
        host: p.host ?? null,
        path: p.path ?? null,
      })),
      createdAt: a.createdAt,
      replicas,
      traffic: this.deps.balancer?.metrics(a.name) ?? {},
    };
  }

  private async saveStatus(name: string, r: RolloutState): Promise<void> {
    const phase = r.state === "rolling-back" ? "progressing" : r.state;
    await this.deps.store
      .setAppStatus(name, {
        phase,
        message: `rollout of generation ${r.generation}: ${r.state}`,
        generation: r.generation,
      })
      .catch(() => {});
  }

  private actionFailed(name: string, a: Action, err: Error): void {
    this.deps.log.warn({ err, app: name, action: a }, "reconcile action failed");
    this.record(name, "replica.failed", `${a.type} failed: ${err.message}`, { action: a.type });
  }

  /** An app event, on the bus: its sink keeps it in the store, followers get it live. */
  private record(app: string, type: string, message: string, details: Record<string, unknown>): void {
    const attributes: Record<string, string> = { app, message };
    for (const [k, v] of Object.entries(details))
      if (v !== null && v !== undefined) attributes[k] = String(v);
    this.deps.events.emit({ type: "app", action: type, id: app, name: app, attributes });
  }
}
