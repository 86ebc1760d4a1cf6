// The behaviour every Store must have, as one suite that each implementation's test file runs
// against its own database: `storeContract("sqlite", open)`. It speaks only through the Store
// interface and the harness, so a PostgreSQL store runs it unchanged.
import { describe } from "node:test";
import { appsContract } from "./contract/apps.ts";
import { durabilityContract } from "./contract/durability.ts";
import { eventsContract } from "./contract/events.ts";
import { leasesContract } from "./contract/leases.ts";
import { replicasNodesContract } from "./contract/replicas-nodes.ts";
import { type StoreHarness, T0, type WithStore } from "./contract/support.ts";

export type { StoreHarness } from "./contract/support.ts";

/** Opens a store on a new, empty database whose own timestamps come from `now`. */
export type OpenStore = (options: { now: () => number }) => Promise<StoreHarness>;

export function storeContract(name: string, open: OpenStore): void {
  const withStore: WithStore = (fn) => async () => {
    let t = T0;
    const h = await open({ now: () => t });
    const clock = {
      advance(ms: number) {
        t += ms;
      },
    };
    try {
      await fn(h.store, clock, h);
    } finally {
      await h.cleanup();
    }
  };
  describe(`${name} store: apps`, () => appsContract(withStore));
  describe(`${name} store: replicas and nodes`, () => replicasNodesContract(withStore));
  describe(`${name} store: events`, () => eventsContract(withStore));
  describe(`${name} store: leases`, () => leasesContract(withStore));
  describe(`${name} store: concurrency, reopening, migrations`, () => durabilityContract(withStore));
}
