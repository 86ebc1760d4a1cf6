// The store contract: leases, with the time passed in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rejectsWith, T0, type WithStore } from "./support.ts";

export function leasesContract(withStore: WithStore): void {
  test(
    "a lease goes to one holder until it expires, then to whoever asks",
    withStore(async (s) => {
      const first = await s.acquireLease("controller", "a", 10_000, T0);
      assert.deepEqual(first, {
        acquired: true,
        lease: { name: "controller", holder: "a", acquiredAt: T0, expiresAt: T0 + 10_000 },
      });
      const refused = await s.acquireLease("controller", "b", 10_000, T0 + 9_999);
      assert.equal(refused.acquired, false);
      assert.deepEqual(refused.lease, first.lease, "the refusal tells who holds it");
      const again = await s.acquireLease("controller", "a", 10_000, T0 + 5_000);
      assert.deepEqual(again.lease, { ...first.lease, expiresAt: T0 + 15_000 }, "re-acquiring extends");
      const taken = await s.acquireLease("controller", "b", 10_000, T0 + 15_000);
      assert.equal(taken.acquired, true);
      assert.deepEqual(taken.lease, {
        name: "controller",
        holder: "b",
        acquiredAt: T0 + 15_000,
        expiresAt: T0 + 25_000,
      });
      assert.equal((await s.acquireLease("other", "a", 1, T0)).acquired, true, "leases are independent");
    }),
  );

  test(
    "only a live holder renews, only the holder releases",
    withStore(async (s) => {
      await s.acquireLease("l", "a", 1000, T0);
      assert.equal(await s.renewLease("l", "b", 1000, T0 + 500), false);
      assert.equal(await s.renewLease("l", "a", 1000, T0 + 500), true);
      assert.equal((await s.acquireLease("l", "b", 1000, T0 + 1400)).acquired, false, "renewed to 1500");
      assert.equal(await s.renewLease("l", "a", 1000, T0 + 1500), false, "expired: acquire it again");
      assert.equal(await s.renewLease("nope", "a", 1000, T0), false);
      assert.equal(await s.releaseLease("l", "b"), false);
      assert.equal(await s.releaseLease("l", "a"), true);
      assert.equal(await s.releaseLease("l", "a"), false);
      assert.equal((await s.acquireLease("l", "b", 1000, T0 + 1)).acquired, true, "free once released");
      await rejectsWith("bad_request", s.acquireLease("l", "b", 0, T0));
    }),
  );
}
