// Probes one replica on a timer and reports state changes. One probe at a time: the next is
// scheduled intervalMs after the previous one finished, so a slow replica is never hit by a pile
// of overlapping checks. The first probe runs at start, so a replica that is up quickly becomes
// healthy without waiting a whole interval (its early failures are what startPeriodMs is for).
import type { Clock, TimerHandle } from "./clock.ts";
import { type HealthState, type HealthStatus, initialStatus, nextStatus } from "./health-state.ts";
import { type Probe, runProbe } from "./probe.ts";
import type { ProbeSpec } from "./probe-spec.ts";

export interface ProbeRecord {
  /** When the probe began (ms since the epoch). */
  at: number;
  ok: boolean;
  durationMs: number;
  message: string;
  output?: string;
}

export interface ChangeInfo {
  /** How many results in a row of the kind that caused the change. */
  consecutive: number;
  /** The last failure's message; null if none yet. */
  lastError: string | null;
  lastCheckedAt: number;
  output?: string;
}

export type ChangeListener = (state: HealthState, info: ChangeInfo) => void;

export interface CheckerDeps {
  probe: Probe;
  clock: Clock;
  onChange: ChangeListener;
  /** How many results inspect shows. */
  keep?: number;
}

export class HealthChecker {
  readonly #spec: ProbeSpec;
  readonly #deps: CheckerDeps;
  #status: HealthStatus | undefined;
  #results: ProbeRecord[] = [];
  #lastError: string | null = null;
  #timer: TimerHandle | undefined;
  #inflight: AbortController | undefined;

  constructor(spec: ProbeSpec, deps: CheckerDeps) {
    this.#spec = spec;
    this.#deps = deps;
  }

  get state(): HealthState {
    return this.#status?.state ?? "starting";
  }

  /** The last results, oldest first. */
  get results(): readonly ProbeRecord[] {
    return [...this.#results];
  }

  /** Call when the replica is running. Starting again restarts from "starting". */
  start(): void {
    this.stop();
    this.#status = initialStatus(this.#deps.clock.now());
    this.#results = [];
    this.#lastError = null;
    this.#schedule(0);
  }

  /** Clears the timer and aborts a probe in flight; its result is dropped. */
  stop(): void {
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inflight?.abort();
    this.#inflight = undefined;
  }

  #schedule(ms: number): void {
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, ms);
  }

  async #check(): Promise<void> {
    const { clock, probe } = this.#deps;
    const inflight = new AbortController();
    this.#inflight = inflight;
    const at = clock.now();
    const outcome = await runProbe(probe, {
      timeoutMs: this.#spec.timeoutMs,
      clock,
      signal: inflight.signal,
    });
    if (this.#inflight !== inflight) return; // stopped (or restarted) meanwhile
    this.#inflight = undefined;

    const record: ProbeRecord = {
      at,
      ok: outcome.ok,
      durationMs: clock.now() - at,
      message: outcome.message,
    };
    if (outcome.output !== undefined) record.output = outcome.output;
    this.#results = [...this.#results, record].slice(-(this.#deps.keep ?? 5));
    if (!outcome.ok) this.#lastError = outcome.message;

    const before = this.#status ?? initialStatus(at);
    const after = nextStatus(before, outcome.ok, at, this.#spec);
    this.#status = after;
    // Scheduled before the listener runs, so a listener that throws cannot stop the checks.
    this.#schedule(this.#spec.intervalMs);
    if (after.state !== before.state) {
      const info: ChangeInfo = {
        consecutive: outcome.ok ? after.successes : after.failures,
        lastError: this.#lastError,
        lastCheckedAt: at,
      };
      if (outcome.output !== undefined) info.output = outcome.output;
      this.#deps.onChange(after.state, info);
    }
  }
}
