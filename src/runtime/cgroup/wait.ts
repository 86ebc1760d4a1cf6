// Waiting for the kernel to finish something a cgroup write started (a freeze, a kill).
import { type FSWatcher, watch } from "node:fs";

/** The backstop re-check while watching, in case an event is lost or the watch failed. */
const BACKSTOP_MS = 1000;
/** Re-reads without an event back off from 1 ms to this. */
const MAX_POLL_MS = 50;

/**
 * Re-checks `done` until it holds (true) or `ms` pass (false, after one last check).
 *
 * With `watched` (v2's cgroup.events, which notifies inotify on every change of populated and
 * frozen), each change triggers the re-check and a slow timer is only a backstop. Without it
 * (v1's freezer.state and cgroup.procs notify nothing), a short bounded re-read loop.
 */
export async function waitUntil(
  done: () => Promise<boolean>,
  ms: number,
  watched?: string,
): Promise<boolean> {
  const deadline = performance.now() + ms;
  let changed = false;
  let wake = () => {};
  const onChange = () => {
    changed = true;
    wake();
  };
  // fs.watch adds the inotify watch synchronously: a change after this line is never missed.
  const watcher = watched === undefined ? undefined : tryWatch(watched, onChange);
  try {
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      changed = false;
      if (await done()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(watcher ? BACKSTOP_MS : pause, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
    }
  } finally {
    watcher?.close();
  }
}

function tryWatch(path: string, onChange: () => void): FSWatcher | undefined {
  try {
    // Errors after the start (the cgroup removed) leave the backstop timer to finish the wait.
    return watch(path, onChange).on("error", () => {});
  } catch {
    return undefined;
  }
}
