// What the contract's parts share: the harness an implementation hands in, a fixed start time,
// and an assertion on BosunError codes.
import assert from "node:assert/strict";
import { BosunError, type ErrorCode } from "../../../api/errors.ts";
import type { Store } from "../store.ts";

export interface StoreHarness {
  store: Store;
  /** Another store on the same database, as a second daemon, or this one restarted, opens it. */
  connect(): Promise<Store>;
  /** Records a migration newer than this code knows, as a newer bosun would have. */
  markNewerSchema(): Promise<void>;
  /** Closes every store it opened and removes the database. */
  cleanup(): Promise<void>;
}

export interface ManualClock {
  advance(ms: number): void;
}

/** Wraps a test body: a fresh database whose store's clock starts at T0 and moves when told. */
export type WithStore = (
  fn: (store: Store, clock: ManualClock, harness: StoreHarness) => Promise<void>,
) => () => Promise<void>;

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** T0 + ms in the form the store returns times: RFC 3339 UTC with nanoseconds. */
export function at(ms: number): string {
  return `${new Date(T0 + ms).toISOString().slice(0, 23)}000000Z`;
}

export async function rejectsWith(code: ErrorCode, p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(e instanceof BosunError, `expected a BosunError, got ${e}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}
