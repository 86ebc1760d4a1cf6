// The STATUS column of `bosun ps`: "Up 3 seconds", "Exited (137) 2 minutes ago",
// "Exited (137, OOM killed) 1 second ago", "Created",
// "Restarting (1) 2 seconds ago", worded as Docker words them.
import type { ContainerState } from "../api/schemas.ts";
import { humanDuration, timeAgo } from "./human-duration.ts";

/** The exit code to show: a death by signal N reads as 128 + N, as a shell reports it. */
export function exitCodeOf(state: Pick<ContainerState, "exitCode" | "signal">): number | undefined {
  if (state.exitCode !== null) return state.exitCode;
  if (state.signal !== null) return 128 + state.signal;
  return undefined;
}

export function formatStatus(state: ContainerState, now: number): string {
  const code = exitCodeOf(state);
  const since = (prefix: string, time: string | null) => (time ? `${prefix} ${timeAgo(time, now)}` : prefix);
  switch (state.status) {
    case "created":
      return "Created";
    case "running": {
      const up = state.startedAt ? `Up ${humanDuration(now - Date.parse(state.startedAt))}` : "Up";
      // As Docker shows a health check's state.
      if (state.health === "starting") return `${up} (health: starting)`;
      return state.health ? `${up} (${state.health})` : up;
    }
    case "paused":
      return state.startedAt
        ? `Up ${humanDuration(now - Date.parse(state.startedAt))} (Paused)`
        : "Up (Paused)";
    case "restarting":
      return since(code === undefined ? "Restarting" : `Restarting (${code})`, state.finishedAt);
    case "exited": {
      // Docker shows OOMKilled in inspect only; a memory limit hit is worth the column too.
      const why = state.oomKilled ? ", OOM killed" : "";
      return since(code === undefined ? "Exited" : `Exited (${code}${why})`, state.finishedAt);
    }
    case "removing":
      return "Removal In Progress";
  }
}
