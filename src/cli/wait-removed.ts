// `bosun run --rm` returns only once the container is gone, as `docker run --rm` does: the daemon
// removes it after reporting its exit, so the CLI waits for that removal (or does it itself).
import type { BosunClient } from "../api/client.ts";
import { BosunError } from "../api/errors.ts";

export async function waitRemoved(client: BosunClient, id: string): Promise<void> {
  try {
    await client.remove(id, { force: true });
    return;
  } catch (e) {
    if (e instanceof BosunError && e.code === "not_found") return;
    if (!(e instanceof BosunError && e.code === "conflict")) throw e;
  }
  // The daemon is removing it. The stream replays the last minute first, so a destroy that
  // happened a moment ago ends the wait as surely as one still to come.
  const ac = new AbortController();
  const since = new Date(Date.now() - 60_000).toISOString();
  const filter = [`container=${id}`, "event=destroy"];
  for await (const _ of client.events({ filter, since, signal: ac.signal })) {
    ac.abort();
    return;
  }
}
