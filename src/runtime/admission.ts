// What may be created and started: the daemon's quotas (--max-containers, --max-memory,
// --max-per-label) and the lockdown switch. The quota check is a pure function of the request
// and the containers that exist; only the lockdown flag touches the disk (<root>/lockdown.json),
// so that a daemon restart does not lift it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BosunError } from "../api/errors.ts";
import type { LockdownState } from "../api/policy.ts";
import { parseSize } from "../api/units.ts";
import { writeFileAtomic } from "./atomic-write.ts";

export interface Quotas {
  maxContainers?: number;
  /** Bytes: the sum of the containers' memory limits. */
  maxMemory?: number;
  /** Label key → at most this many containers per value of that label. */
  maxPerLabel?: Record<string, number>;
}

/** What a container claims against the quotas: its labels and its memory limit in bytes. */
export interface Claim {
  labels: Record<string, string>;
  memory?: number | undefined;
}

interface Violation {
  message: string;
  hint?: string;
}

/** Every quota that one more container like `req` would pass, given those that exist. */
export function quotaViolations(quotas: Quotas, req: Claim, existing: readonly Claim[]): Violation[] {
  const out: Violation[] = [];
  const { maxContainers, maxMemory, maxPerLabel = {} } = quotas;
  if (maxContainers !== undefined && existing.length + 1 > maxContainers) {
    out.push({ message: `quota: at most ${maxContainers} containers (${existing.length} exist)` });
  }
  if (maxMemory !== undefined) {
    // A total is only a bound if every container has a limit; containers created before the
    // quota existed and have none count as 0.
    if (req.memory === undefined) {
      out.push({
        message: `quota: a container needs a memory limit while bosund caps their sum at ${sizeText(maxMemory)}`,
        hint: "give it one, e.g. `--memory 256m`",
      });
    } else {
      const taken = existing.reduce((sum, c) => sum + (c.memory ?? 0), 0);
      if (taken + req.memory > maxMemory) {
        out.push({
          message:
            `quota: at most ${sizeText(maxMemory)} of memory limits in all ` +
            `(${sizeText(taken)} taken, this container asks for ${sizeText(req.memory)})`,
        });
      }
    }
  }
  for (const [key, max] of Object.entries(maxPerLabel)) {
    const value = req.labels[key];
    if (value === undefined) continue;
    const n = existing.filter((c) => c.labels[key] === value).length;
    if (n + 1 > max)
      out.push({ message: `quota: at most ${max} containers with label ${key}=${value} (${n} exist)` });
  }
  return out;
}

/** Throws quota_exceeded naming every quota that one more container like `req` would pass. */
export function checkQuotas(quotas: Quotas, req: Claim, existing: readonly Claim[]): void {
  const v = quotaViolations(quotas, req, existing);
  if (v.length === 0) return;
  throw new BosunError("quota_exceeded", v.map((x) => x.message).join("; "), v.find((x) => x.hint)?.hint);
}

/** Throws locked_down while lockdown is on. `what` names the refused act: "start web-1". */
export function checkLockdown(state: LockdownState, what: string): void {
  if (!state.on) return;
  const since = state.since === null ? "" : ` since ${state.since}`;
  throw new BosunError("locked_down", `cannot ${what}: bosund is in lockdown${since}`);
}

/** The daemon's flags as they come: --max-containers N, --max-memory SIZE, --max-per-label KEY=N… */
export function parseQuotas(flags: {
  maxContainers?: string | undefined;
  maxMemory?: string | undefined;
  maxPerLabel?: readonly string[] | undefined;
}): Quotas {
  const q: Quotas = {};
  if (flags.maxContainers !== undefined) q.maxContainers = count("--max-containers", flags.maxContainers);
  if (flags.maxMemory !== undefined) {
    const bytes = parseSize(flags.maxMemory);
    if (bytes === undefined || bytes === 0)
      throw new Error(`--max-memory: expected a size like 512m or 8g, got "${flags.maxMemory}"`);
    q.maxMemory = bytes;
  }
  for (const item of flags.maxPerLabel ?? []) {
    // The count has no "=", a label key may: split at the last one.
    const eq = item.lastIndexOf("=");
    const key = item.slice(0, Math.max(eq, 0));
    if (key === "") throw new Error(`--max-per-label: expected KEY=N, got "${item}"`);
    q.maxPerLabel ??= {};
    if (Object.hasOwn(q.maxPerLabel, key)) throw new Error(`--max-per-label: "${key}" is given twice`);
    q.maxPerLabel[key] = count("--max-per-label", item.slice(eq + 1));
  }
  return q;
}

function count(flag: string, v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new Error(`${flag}: expected a whole number, got "${v}"`);
  return Number(v);
}

/** Bytes as the flags write them: 1g, 768m, 4k, else plain bytes. */
export function sizeText(n: number): string {
  for (const [unit, f] of [
    ["g", 1024 ** 3],
    ["m", 1024 ** 2],
    ["k", 1024],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f}${unit}`;
  }
  return `${n}b`;
}

const OFF: LockdownState = { on: false, since: null };

/** The quotas and the lockdown flag; Runtime asks it before every create and start. */
export class Admission {
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly quotas: Quotas,
    private readonly file: string,
    private state: LockdownState,
  ) {}

  /**
   * Loads the lockdown flag from `<root>/lockdown.json`. A file that cannot be read as one keeps
   * the lockdown on (it was there for a reason); `onProblem` hears why, and `lockdown off` heals it.
   */
  static async open(root: string, quotas: Quotas, onProblem: (why: string) => void = () => {}) {
    const file = join(root, "lockdown.json");
    let state = OFF;
    try {
      const v = JSON.parse(await readFile(file, "utf8")) as Partial<LockdownState>;
      if (typeof v.on !== "boolean") throw new Error('no boolean "on"');
      state = v.on ? { on: true, since: typeof v.since === "string" ? v.since : null } : OFF;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        onProblem(`${file}: ${(err as Error).message}; staying in lockdown`);
        state = { on: true, since: null };
      }
    }
    return new Admission(quotas, file, state);
  }

  get lockdown(): LockdownState {
    return this.state;
  }

  /** `name` is the container's, when the request gives one. */
  checkCreate(req: Claim, existing: readonly Claim[], name?: string): void {
    checkLockdown(this.state, name === undefined ? "create a container" : `create ${name}`);
    checkQuotas(this.quotas, req, existing);
  }

  checkStart(name: string): void {
    checkLockdown(this.state, `start ${name}`);
  }

  /**
   * Turns lockdown on or off; `now` becomes `since`. Changes are written one at a time, and the
   * flag moves only once the file says so, so what a restart reads is never behind what was answered.
   */
  setLockdown(on: boolean, now: string): Promise<{ state: LockdownState; changed: boolean }> {
    const change = this.writes.then(async () => {
      if (this.state.on === on) return { state: this.state, changed: false };
      const next: LockdownState = on ? { on: true, since: now } : OFF;
      await writeFileAtomic(this.file, `${JSON.stringify(next)}\n`);
      this.state = next;
      return { state: next, changed: true };
    });
    this.writes = change.catch(() => {});
    return change;
  }
}
