// Chooses the backend for the next request of a route. Round-robin walks the list from a
// cursor; least-connections takes the smallest load, scanning from the same cursor so that ties
// rotate instead of piling onto the first backend.
import type { Strategy } from "./route-spec.ts";

export interface Pickable {
  /** Ready, not draining, not removed. */
  available(): boolean;
  /** In-flight requests plus open tunnels. */
  load(): number;
}

export interface Pool<B extends Pickable> {
  readonly strategy: Strategy;
  readonly backends: readonly B[];
  /** Where the next scan starts; advanced by every pick. */
  cursor: number;
}

/** `exclude` is the backend that just failed, when retrying. Null when none is available. */
export function pickBackend<B extends Pickable>(pool: Pool<B>, exclude: B | null): B | null {
  const list = pool.backends;
  const n = list.length;
  if (n === 0) return null;
  const start = pool.cursor % n;
  let best: B | null = null;
  let bestAt = 0;
  let bestLoad = Number.POSITIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    const i = start + k < n ? start + k : start + k - n;
    const b = list[i]!;
    if (b === exclude || !b.available()) continue;
    if (pool.strategy === "round-robin") {
      pool.cursor = i + 1;
      return b;
    }
    const load = b.load();
    if (load < bestLoad) {
      best = b;
      bestAt = i;
      bestLoad = load;
      if (load === 0) break;
    }
  }
  if (best !== null) pool.cursor = bestAt + 1;
  return best;
}
