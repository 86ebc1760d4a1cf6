// Killing every process of a cgroup by listing them, for hierarchies without cgroup.kill (v1,
// and v2 before Linux 5.14). Listing and killing race with fork: a process can fork between the
// read of cgroup.procs and its SIGKILL, so a fork bomb could outrun the loop. Freezing first stops
// that: a frozen cgroup makes no new process. On v1 a frozen process does not act on SIGKILL until
// thawed, so the thaw comes after every kill was sent (v2's freezer lets SIGKILL through; the thaw
// is harmless there). A process stuck in uninterruptible sleep can outlive a round; rounds repeat
// until the cgroup is empty or the time is up.
import { killEach } from "./files.ts";

export interface KillTarget {
  procs(): Promise<number[]>;
  /** true once frozen within `ms`; absent without a freezer. */
  freeze?: (ms: number) => Promise<boolean>;
  thaw?: () => Promise<void>;
  /** true once the cgroup has no process, within `ms`. */
  untilEmpty(ms: number): Promise<boolean>;
}

/** Resolves with the number of processes left: 0 when the cgroup is empty. */
export async function killByListing(t: KillTarget, ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  const left = () => Math.max(0, deadline - performance.now());
  for (;;) {
    if ((await t.procs()).length === 0) return 0;
    // A freeze that does not complete in time still leaves fewer forks to race with; go on.
    if (t.freeze) await t.freeze(left());
    killEach(await t.procs());
    if (t.freeze) await t.thaw?.();
    if (await t.untilEmpty(left())) return 0;
    if (left() === 0) return (await t.procs()).length;
  }
}
