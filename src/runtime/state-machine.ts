// A container's lifecycle, with one guarded transition function. Every change of status goes
// through transition(), so an illegal move is an API error, never a silent corruption.
import { BosunError } from "../api/errors.ts";
import type { ContainerStatus } from "../api/schemas.ts";

export type Action =
  | "start" // a client asks to start
  | "started" // the shim reports the process running
  | "restarting" // the shim scheduled a restart by policy
  | "paused" // the shim reports every process stopped
  | "unpaused" // the shim reports them going on
  | "exited" // the process ended for good (final exit, or the shim died)
  | "stop"
  | "kill"
  | "remove"
  | "attach"
  | "pause"
  | "unpause";

/** Running, paused (a frozen process is still there, as Docker counts it), or between two runs
 * while the shim waits out a restart backoff. */
export function isRunning(status: ContainerStatus): boolean {
  return status === "running" || status === "paused" || status === "restarting";
}

const SHIM_FACTS: readonly Action[] = ["exited", "started", "restarting", "paused", "unpaused"];

/**
 * Returns the status after `action`, or throws the BosunError the API should answer with.
 * `name` is only for the message. `force` lets remove through a running container.
 */
export function transition(
  from: ContainerStatus,
  action: Action,
  name: string,
  force = false,
): ContainerStatus {
  if (from === "removing") {
    // The shim's own reports are facts, not requests: they never undo a removal.
    if (SHIM_FACTS.includes(action)) return "removing";
    throw new BosunError("conflict", `cannot ${action} ${name}: it is being removed`);
  }
  const running = isRunning(from);
  switch (action) {
    case "start":
      if (from === "paused") {
        throw new BosunError(
          "conflict",
          `cannot start ${name}: it is paused`,
          `unpause it: \`bosun unpause ${name}\``,
        );
      }
      if (running) throw new BosunError("not_modified", `${name} is already running`);
      return from;
    case "started":
      return "running";
    case "restarting":
      return "restarting";
    case "paused":
      return "paused";
    case "unpaused":
      return "running";
    case "exited":
      return "exited";
    case "stop":
      if (!running) throw new BosunError("not_modified", `${name} is not running`);
      return from;
    case "kill":
      if (from !== "running" && from !== "paused") {
        throw new BosunError(
          "conflict",
          `cannot kill ${name}: it is ${from === "restarting" ? "restarting" : "not running"}`,
        );
      }
      return from;
    case "remove":
      if (running && !force) {
        throw new BosunError(
          "conflict",
          `cannot remove ${name}: it is ${from === "paused" ? "paused" : "running"}`,
          "stop it first, or remove it with force (`bosun rm -f`)",
        );
      }
      return "removing";
    case "attach":
      if (from === "exited") {
        throw new BosunError(
          "conflict",
          `cannot attach to ${name}: it has exited`,
          "start it first: `bosun start -a`",
        );
      }
      return from;
    case "pause":
      if (from !== "running") {
        const why =
          from === "paused" ? "already paused" : from === "restarting" ? "restarting" : "not running";
        throw new BosunError("conflict", `cannot pause ${name}: it is ${why}`);
      }
      return from;
    case "unpause":
      if (from !== "paused") throw new BosunError("conflict", `cannot unpause ${name}: it is not paused`);
      return from;
  }
}
