// Whoever waits for a container's exits: `wait`, a stop or a start until the final exit, a log
// follower, an attach session's grace period. Every exit of a container's process is announced
// here: by the shim's events, by the files a gone shim left, or by a remove.
import { EventEmitter } from "node:events";
import type { Entry } from "./container-registry.ts";
import type { ExitInfo } from "./shim-events.ts";

export class ExitWaiters {
  /** `exit:<id>` fires with an ExitInfo on every exit of a container's process. */
  private readonly exits = new EventEmitter();

  constructor() {
    this.exits.setMaxListeners(0);
  }

  announce(e: Entry, info: ExitInfo): void {
    this.exits.emit(`exit:${e.config.id}`, info);
  }

  /** Resolves with e's next exit; with `finalOnly`, its next final one (no restart follows). */
  next(e: Entry, finalOnly: boolean): Promise<ExitInfo> {
    return new Promise((resolve) => {
      const on = (info: ExitInfo) => {
        if (finalOnly && !info.final) return;
        this.exits.off(`exit:${e.config.id}`, on);
        resolve(info);
      };
      this.exits.on(`exit:${e.config.id}`, on);
    });
  }

  /** Resolves at the container's final exit (at once when it is not running). */
  final(e: Entry): Promise<unknown> {
    if (e.state.status === "exited" || e.state.status === "created") return Promise.resolve();
    return this.next(e, true);
  }
}
