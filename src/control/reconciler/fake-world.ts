// A small simulated world for plan() tests: a manual clock, replicas that start, turn healthy,
// turn unhealthy or fail on a schedule set per spec, and a loop that applies each plan, feeds the
// rollout state back, and wakes on the next change or on nextWakeAt. Invariants are checked after
// every step, and every plan is asked again at once to prove it would not act twice.

import assert from "node:assert/strict";
import { limitsOf } from "./limits.ts";
import { plan } from "./plan.ts";
import { isAvailable } from "./replica.ts";
import type { Action, DesiredApp, ObservedReplica, PlanEvent, RolloutState } from "./types.ts";

/** How replicas of one spec behave, in ms after their start. */
export interface Behaviour {
  startMs: number;
  /** "none": no health check. "never": the check never passes. */
  health: "healthy" | "none" | "never" | "unhealthy";
  healthyAfterMs?: number;
  unhealthyAfterMs?: number;
  /** Fails for good (the restart policy gives up) this long after the start. */
  failAfterMs?: number;
  /** Crashes this long after every start and is restarted in place by its restart policy. */
  crashEveryMs?: number;
}

interface Sim {
  id: string;
  index: number;
  generation: number;
  specHash: string;
  startedAt: number;
  draining?: number;
  removeAt?: number;
  failedAt?: number;
  unhealthyAt?: number;
}

export const HEALTHY: Behaviour = { startMs: 300, health: "healthy", healthyAfterMs: 1_000 };

export class FakeWorld {
  now = 0;
  records: Sim[] = [];
  rollout: RolloutState | undefined;
  events: PlanEvent[] = [];
  /** Every action applied, with the time. */
  log: { at: number; action: Action }[] = [];
  /** Replicas in total and available, after every step and every tick of the clock. */
  history: { at: number; total: number; available: number }[] = [];
  /** Set once every wanted replica was available: from then on the availability floor is checked. */
  floorFrom: number | undefined;
  checkFloor = true;
  private nextId = 1;

  constructor(
    public desired: DesiredApp,
    public behaviours: Map<string, Behaviour> = new Map(),
    public stopAfterDrainMs = 2_000,
    public stopMs = 500,
  ) {}

  behaviour(specHash: string): Behaviour {
    return this.behaviours.get(specHash) ?? HEALTHY;
  }

  observe(): ObservedReplica[] {
    return this.records.map((rec) => this.view(rec));
  }

  view(rec: Sim): ObservedReplica {
    const b = this.behaviour(rec.specHash);
    const base = { id: rec.id, index: rec.index, generation: rec.generation, specHash: rec.specHash };
    const extra = rec.draining === undefined ? {} : { draining: true, drainingSince: rec.draining };
    const t = this.now;
    if (rec.removeAt !== undefined) {
      return { ...base, ...extra, status: "removing", health: "none", readySince: null };
    }
    const failedAt =
      rec.failedAt ?? (b.failAfterMs === undefined ? undefined : rec.startedAt + b.failAfterMs);
    if (failedAt !== undefined && t >= failedAt) {
      return { ...base, ...extra, status: "failed", health: "none", readySince: null, exitedFinal: true };
    }
    if (b.crashEveryMs !== undefined) {
      const restarts = Math.floor((t - rec.startedAt) / b.crashEveryMs);
      return { ...base, ...extra, status: "starting", health: "starting", readySince: null, restarts };
    }
    const runningAt = rec.startedAt + b.startMs;
    if (t < runningAt) return { ...base, ...extra, status: "starting", health: "starting", readySince: null };
    const unhealthyAt =
      rec.unhealthyAt ??
      (b.health === "unhealthy" ? runningAt + (b.unhealthyAfterMs ?? 0) : Number.POSITIVE_INFINITY);
    if (t >= unhealthyAt)
      return { ...base, ...extra, status: "running", health: "unhealthy", readySince: null };
    if (b.health === "none")
      return { ...base, ...extra, status: "running", health: "none", readySince: runningAt };
    const healthyAt = b.health === "healthy" ? runningAt + (b.healthyAfterMs ?? 0) : Number.POSITIVE_INFINITY;
    if (t >= healthyAt)
      return { ...base, ...extra, status: "running", health: "healthy", readySince: healthyAt };
    return { ...base, ...extra, status: "running", health: "starting", readySince: null };
  }

  /** The next time a replica changes by itself. */
  nextChange(): number | undefined {
    const times: number[] = [];
    for (const rec of this.records) {
      const b = this.behaviour(rec.specHash);
      const runningAt = rec.startedAt + b.startMs;
      times.push(runningAt);
      if (rec.removeAt !== undefined) times.push(rec.removeAt);
      if (rec.failedAt !== undefined) times.push(rec.failedAt);
      if (rec.unhealthyAt !== undefined) times.push(rec.unhealthyAt);
      if (b.failAfterMs !== undefined) times.push(rec.startedAt + b.failAfterMs);
      if (b.crashEveryMs !== undefined) {
        const crashes = Math.floor((this.now - rec.startedAt) / b.crashEveryMs);
        times.push(rec.startedAt + (crashes + 1) * b.crashEveryMs);
      }
      if (b.health === "healthy") times.push(runningAt + (b.healthyAfterMs ?? 0));
      if (b.health === "unhealthy") times.push(runningAt + (b.unhealthyAfterMs ?? 0));
    }
    const future = times.filter((t) => t > this.now);
    return future.length > 0 ? Math.min(...future) : undefined;
  }

  available(): number {
    const minReadyMs = limitsOf(this.desired).minReadyMs;
    return this.observe().filter((r) => isAvailable(r, minReadyMs, this.now)).length;
  }

  /** Applies a new write of the app: the next generation, with these changes. */
  write(change: Partial<Pick<DesiredApp, "replicas" | "specHash" | "update">>): void {
    const d = this.desired;
    if (change.replicas !== undefined && change.replicas !== d.replicas) this.floorFrom = undefined;
    this.desired = { ...d, ...change, generation: d.generation + 1 };
  }

  /** Makes the replica in this slot fail for good, or turn unhealthy, now. */
  breakReplica(index: number, how: "failed" | "unhealthy"): void {
    const rec = this.records.find((r) => r.index === index && r.removeAt === undefined);
    assert.ok(rec, `no replica in slot ${index}`);
    if (how === "failed") rec.failedAt = this.now;
    else rec.unhealthyAt = this.now;
  }

  /** Plans once, applies the actions and checks the invariants; returns the plan's wake time. */
  step(): { acted: boolean; wakeAt: number | undefined } {
    const p = plan(this.desired, this.observedApp(), this.now, { stopAfterDrainMs: this.stopAfterDrainMs });
    this.rollout = p.rollout;
    this.events.push(...p.events);
    // What the loop does: remember the last complete generation, for a later rollback.
    const { state, generation, specHash } = p.rollout;
    if (state === "complete") this.desired = { ...this.desired, previous: { generation, specHash } };
    for (const a of p.actions) this.apply(a);
    this.checkInvariants(p.actions);
    const again = plan(this.desired, this.observedApp(), this.now, {
      stopAfterDrainMs: this.stopAfterDrainMs,
    });
    assert.deepEqual(again.actions, [], `t=${this.now}: planning again at once acts again`);
    assert.deepEqual(again.events, [], `t=${this.now}: planning again at once reports again`);
    return { acted: p.actions.length > 0, wakeAt: p.nextWakeAt };
  }

  /** Steps and advances the clock until nothing would change, until `until`, or until `done()`. */
  run(until = this.now + 600_000, done: () => boolean = () => false): void {
    for (let i = 0; i < 10_000; i++) {
      const { wakeAt } = this.step();
      if (done()) return;
      const times = [wakeAt, this.nextChange()].filter((t): t is number => t !== undefined);
      if (times.length === 0) return;
      const next = Math.min(...times);
      if (next > until) return;
      this.advance(next);
    }
    assert.fail("the world did not settle in 10,000 steps");
  }

  observedApp() {
    return this.rollout === undefined
      ? { replicas: this.observe() }
      : { replicas: this.observe(), rollout: this.rollout };
  }

  private advance(to: number): void {
    assert.ok(to > this.now, "time moves forward");
    this.now = to;
    this.records = this.records.filter((r) => r.removeAt === undefined || r.removeAt > this.now);
    this.record();
  }

  private apply(a: Action): void {
    this.log.push({ at: this.now, action: a });
    if (a.type === "start") {
      const id = `c${this.nextId++}`;
      this.records.push({
        id,
        index: a.index,
        generation: a.generation,
        specHash: a.specHash,
        startedAt: this.now,
      });
      return;
    }
    const rec = this.records.find((r) => r.id === a.id);
    assert.ok(rec, `t=${this.now}: ${a.type} of unknown replica ${a.id}`);
    assert.equal(rec.removeAt, undefined, `t=${this.now}: ${a.type} of a replica already stopped`);
    if (a.type === "drain") {
      assert.equal(rec.draining, undefined, `t=${this.now}: ${a.id} drained twice`);
      rec.draining = this.now;
    } else {
      rec.removeAt = this.now + this.stopMs;
    }
  }

  private checkInvariants(actions: Action[]): void {
    const indexes = this.records.map((r) => r.index);
    assert.equal(
      new Set(indexes).size,
      indexes.length,
      `t=${this.now}: duplicate index in ${indexes.join(",")}`,
    );
    const { replicas, maxSurge } = limitsOf(this.desired);
    if (actions.some((a) => a.type === "start")) {
      assert.ok(
        this.records.length <= replicas + maxSurge,
        `t=${this.now}: ${this.records.length} replicas after starting, over ${replicas} + ${maxSurge}`,
      );
    }
    this.record();
  }

  private record(): void {
    this.history.push({ at: this.now, total: this.records.length, available: this.available() });
    if (this.checkFloor) this.checkAvailability();
  }

  private checkAvailability(): void {
    const { replicas, maxUnavailable } = limitsOf(this.desired);
    const available = this.available();
    if (this.floorFrom === undefined) {
      if (available >= replicas) this.floorFrom = this.now;
      return;
    }
    assert.ok(
      available >= replicas - maxUnavailable,
      `t=${this.now}: ${available} available, under ${replicas} - ${maxUnavailable}`,
    );
  }
}
