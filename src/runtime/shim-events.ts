// What a shim's event (docs/shim.md, "Events") means for a container: a pure function from the
// observed state and the event to the next state, the runtime event to announce, and the exit
// to tell waiters about. The runtime applies the result; nothing here does I/O.
import type { ExecInfo } from "../api/schemas.ts";
import type { ObservedState } from "./container.ts";
import type { ShimEvent } from "./shim-protocol.ts";
import { transition } from "./state-machine.ts";

export interface ExitInfo {
  exitCode: number;
  reason: string | null;
  final: boolean;
}

export interface Reduced {
  state: ObservedState;
  announce?: { action: string; attributes: Record<string, string> };
  exit?: ExitInfo;
}

/** How many ended exec ids a container remembers: far more than can be in flight at once. */
const ENDED_KEPT = 64;

const num = (v: unknown) => (typeof v === "number" ? v : null);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/** An exec as the shim lists it (status.json's execs, an exec-start event); undefined if malformed. */
function execInfo(v: unknown): ExecInfo | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const x = v as Record<string, unknown>;
  const id = num(x.id);
  const pid = num(x.pid);
  if (id === null || pid === null || !Array.isArray(x.command)) return undefined;
  return { id, pid, command: x.command.map(String), tty: x.tty === true };
}

function execList(v: unknown): ExecInfo[] {
  if (!Array.isArray(v)) return [];
  return v.map(execInfo).filter((x): x is ExecInfo => x !== undefined);
}

const SHIM_STATES = {
  created: "created",
  running: "running",
  paused: "paused",
  restarting: "restarting",
  exited: "exited",
} as const;

/** `name` is only for the messages of illegal transitions; `policy` rides along on restarts. */
export function reduceShimEvent(s: ObservedState, ev: ShimEvent, name: string, policy: string): Reduced {
  switch (ev.type) {
    case "status": {
      const reported = SHIM_STATES[ev.state as keyof typeof SHIM_STATES] ?? "running";
      return {
        state: {
          ...s,
          status: s.status === "removing" ? "removing" : reported,
          pid: num(ev.pid),
          restarts: num(ev.restarts) ?? 0,
          startedAt: str(ev.startedAt),
          finishedAt: str(ev.finishedAt),
          exitCode: num(ev.exitCode),
          signal: num(ev.signal),
          oomKilled: ev.oomKilled === true,
          execs: execList(ev.execs),
        },
      };
    }
    case "start": {
      const state: ObservedState = {
        ...s,
        status: transition(s.status, "started", name),
        pid: num(ev.pid),
        restarts: num(ev.restarts) ?? s.restarts,
        startedAt: str(ev.time),
        finishedAt: null,
        exitCode: null,
        signal: null,
        reason: null,
        error: null,
        oomKilled: false,
      };
      return { state, announce: { action: "start", attributes: { restarts: String(state.restarts) } } };
    }
    case "exit": {
      const final = ev.final === true;
      const exitCode = num(ev.exitCode) ?? 255;
      const state: ObservedState = {
        ...s,
        status: transition(s.status, final ? "exited" : "restarting", name),
        pid: null,
        finishedAt: str(ev.time),
        exitCode,
        signal: num(ev.signal),
        reason: str(ev.reason),
        error: str(ev.error),
        oomKilled: ev.oomKilled === true,
        // Exec'd processes die with the container (the shim's leftover kill).
        execs: final ? [] : s.execs,
      };
      const attributes: Record<string, string> = { exitCode: String(exitCode) };
      if (state.signal !== null) attributes.signal = String(state.signal);
      if (state.reason) attributes.reason = state.reason;
      if (state.oomKilled) attributes.oomKilled = "true";
      return {
        state,
        announce: { action: "die", attributes },
        exit: { exitCode, reason: state.reason, final },
      };
    }
    case "restart": {
      const restarts = num(ev.restarts) ?? s.restarts;
      return {
        state: { ...s, status: transition(s.status, "restarting", name), restarts },
        announce: {
          action: "restart",
          attributes: { restarts: String(restarts), delayMs: String(num(ev.delayMs) ?? 0), policy },
        },
      };
    }
    case "pause":
    case "unpause": {
      const action = ev.type === "pause" ? "paused" : "unpaused";
      return {
        state: { ...s, status: transition(s.status, action, name) },
        announce: { action: ev.type, attributes: {} },
      };
    }
    case "oom":
      // The kernel killed a process of the container for memory; its exit (if it was the main
      // process) follows with oomKilled.
      return { state: s, announce: { action: "oom", attributes: { count: String(num(ev.count) ?? 1) } } };
    case "sandbox":
      // A sandbox bound ends the container: say which, before its exit says how.
      return { state: s, announce: { action: "sandbox", attributes: { what: str(ev.what) ?? "unknown" } } };
    case "exec-start": {
      const x = execInfo(ev);
      if (!x || s.execs.some((e) => e.id === x.id) || s.endedExecs.includes(x.id)) return { state: s };
      return {
        state: { ...s, execs: [...s.execs, x] },
        announce: { action: "exec_start", attributes: { execId: String(x.id), pid: String(x.pid) } },
      };
    }
    case "exec-exit": {
      const id = num(ev.id);
      if (id === null || !s.execs.some((e) => e.id === id)) {
        // An exit that came before its start's second copy: remember it all the same.
        if (id === null || s.endedExecs.includes(id)) return { state: s };
        return { state: { ...s, endedExecs: [...s.endedExecs.slice(-(ENDED_KEPT - 1)), id] } };
      }
      return {
        state: {
          ...s,
          execs: s.execs.filter((e) => e.id !== id),
          endedExecs: [...s.endedExecs.slice(-(ENDED_KEPT - 1)), id],
        },
        announce: {
          action: "exec_die",
          attributes: { execId: String(id), exitCode: String(num(ev.exitCode) ?? 255) },
        },
      };
    }
    default:
      return { state: s };
  }
}
