// The containers this node knows, by id and by name: lookup as Docker's (a name, a full id, or
// an unambiguous id prefix), the list filters, and counts. No I/O.
import { BosunError } from "../api/errors.ts";
import type { Container, ContainerStatus } from "../api/schemas.ts";
import type { AttachSession } from "./attach-session.ts";
import type { ContainerConfig, ObservedState } from "./container.ts";
import { LIST_FILTERS, matchesFilters } from "./container-filter.ts";
import type { ExecSession } from "./exec-session.ts";
import type { ShimConnection } from "./shim-protocol.ts";
import { isRunning } from "./state-machine.ts";

/** A container as the runtime holds it: config and state, and its live connections. */
export interface Entry {
  config: ContainerConfig;
  dir: string;
  state: ObservedState;
  /** The daemon's event subscription to the shim, while one lives. */
  conn: ShimConnection | undefined;
  shimPid: number | undefined;
  attach: Set<AttachSession>;
  /** Exec sessions bridged by this daemon whose process still runs. */
  execs: Set<ExecSession>;
  starting: Promise<Container> | undefined;
  /** Its cgroup's directories once made (at create, or at the first start after a daemon restart). */
  cgroup?: Promise<string[]> | undefined;
  /** The container's API JSON, for the state and health it was made from (Runtime.listJson). */
  json?: { state: ObservedState; health: string | undefined; bytes: Buffer };
}

/** The shim's control socket, in the container's directory. */
export function ctlPath(e: Entry): string {
  return `${e.dir}/ctl.sock`;
}

export class Registry {
  private readonly byId = new Map<string, Entry>();
  private readonly byName = new Map<string, Entry>();

  /** `dir` is the containers directory; an entry's state lives in dir/<id>. */
  constructor(private readonly dir: string) {}

  add(config: ContainerConfig, state: ObservedState): Entry {
    const entry: Entry = {
      config,
      dir: `${this.dir}/${config.id}`,
      state,
      conn: undefined,
      shimPid: undefined,
      attach: new Set(),
      execs: new Set(),
      starting: undefined,
    };
    this.byId.set(config.id, entry);
    this.byName.set(config.name, entry);
    return entry;
  }

  forget(e: Entry): void {
    this.byId.delete(e.config.id);
    if (this.byName.get(e.config.name) === e) this.byName.delete(e.config.name);
  }

  nameTaken(name: string): boolean {
    return this.byName.has(name);
  }

  all(): IterableIterator<Entry> {
    return this.byId.values();
  }

  resolve(ref: string): Entry {
    const byName = this.byName.get(ref);
    if (byName) return byName;
    if (/^[0-9a-f]{1,64}$/.test(ref)) {
      const exact = this.byId.get(ref);
      if (exact) return exact;
      let found: Entry | undefined;
      for (const [id, e] of this.byId) {
        if (!id.startsWith(ref)) continue;
        if (found)
          throw new BosunError("ambiguous", `the id prefix "${ref}" matches more than one container`);
        found = e;
      }
      if (found) return found;
    }
    throw new BosunError("not_found", `no such container: ${ref}`);
  }

  /** The running ones (or all), that pass every filter, newest first. */
  select(all: boolean, filters: Map<string, string[]>): Entry[] {
    for (const key of filters.keys()) {
      if (!LIST_FILTERS.includes(key)) {
        throw new BosunError(
          "bad_request",
          `filter: unknown filter "${key}" (use ${LIST_FILTERS.join(", ")})`,
        );
      }
    }
    return [...this.byId.values()]
      .filter(
        (e) => (all || isRunning(e.state.status) || filters.has("status")) && matchesFilters(e, filters),
      )
      .sort((a, b) => (a.config.created < b.config.created ? 1 : -1));
  }

  counts(): Record<"total" | ContainerStatus, number> {
    const c = { total: 0, created: 0, running: 0, paused: 0, restarting: 0, exited: 0, removing: 0 };
    for (const e of this.byId.values()) {
      c.total++;
      c[e.state.status]++;
    }
    return c;
  }
}
