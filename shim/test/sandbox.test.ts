// Sandbox bounds (docs/shim-limits.md): --max-lifetime and --heartbeat-timeout stop the container
// for good, with a reason, after a sandbox event that says why.
import assert from "node:assert/strict";
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ShimEvent } from "../../src/runtime/shim-protocol.ts";
import { startShimWith } from "./cgroup-helpers.ts";
import { cleanup, type EventLog, type ExitFile, type Shim, sleep, tempDir, waitFor } from "./helpers.ts";

after(cleanup);

const T = { timeout: 60_000 };

type BoundExit = Omit<ExitFile, "reason"> & { reason: string };

const exitOf = async (s: Shim, ev: EventLog) => (await s.waitExit(ev)) as BoundExit;
const types = (events: ShimEvent[]) => events.map((e) => e.type).filter((t) => t !== "status");

/** A container that touches its heartbeat file every 100 ms. */
async function toucher(o: { restart?: string; timeoutMs: number }): Promise<Shim> {
  const dir = await tempDir();
  return startShimWith(["sh", "-c", 'while :; do touch "$BOSUN_HEARTBEAT_FILE"; sleep 0.1; done'], {
    dir,
    env: { BOSUN_HEARTBEAT_FILE: join(dir, "heartbeat") },
    extra: ["--heartbeat-timeout", String(o.timeoutMs)],
    ...(o.restart !== undefined && { restart: o.restart }),
  });
}

describe("--max-lifetime", () => {
  test("ends the container with reason lifetime, after a sandbox event; no restart follows", T, async () => {
    const s = await startShimWith(["sleep", "1000"], { extra: ["--max-lifetime", "500"], restart: "always" });
    const ev = await s.subscribe();
    await s.start();
    const exit = await exitOf(s, ev);
    assert.deepEqual([exit.reason, exit.exitCode, exit.signal, exit.restarts], ["lifetime", 143, 15, 0]);
    assert.deepEqual(types(ev.events), ["start", "sandbox", "exit"]);
    const sandbox = ev.of("sandbox")[0]!;
    assert.equal(sandbox.what, "lifetime");
    assert.ok(typeof sandbox.time === "string");
    assert.equal(ev.of("exit")[0]!.reason, "lifetime");
    assert.equal(s.status().stoppedByUser, false);
  });

  test("is counted from the first start: restarts by the policy do not reset it", T, async () => {
    // Three runs of 600 ms: each one alone is shorter than the lifetime, together they are not.
    const s = await startShimWith(["sh", "-c", "sleep 0.6; exit 1"], {
      extra: ["--max-lifetime", "1000"],
      restart: "on-failure:2",
    });
    const ev = await s.subscribe();
    await s.start();
    const exit = await exitOf(s, ev);
    assert.equal(exit.reason, "lifetime");
    assert.ok(exit.restarts >= 1, `it was restarted meanwhile (${exit.restarts})`);
    assert.equal(ev.of("sandbox").length, 1);
  });
});

describe("--heartbeat-timeout", () => {
  test("ends a container that never touches DIR/heartbeat with reason stale", T, async () => {
    const s = await startShimWith(["sleep", "1000"], { extra: ["--heartbeat-timeout", "500"] });
    const ev = await s.subscribe();
    await s.start();
    assert.equal(readFileSync(join(s.dir, "heartbeat"), "utf8"), "", "an empty file to touch");
    const exit = await exitOf(s, ev);
    assert.deepEqual([exit.reason, exit.exitCode], ["stale", 143]);
    assert.deepEqual(types(ev.events), ["start", "sandbox", "exit"]);
    assert.equal(ev.of("sandbox")[0]!.what, "heartbeat");
    assert.equal(ev.of("exit")[0]!.reason, "stale");
  });

  test("keeps a container that touches the file running, until it is stopped", T, async () => {
    const s = await toucher({ timeoutMs: 500 });
    const ev = await s.subscribe();
    await s.start();
    await sleep(2000); // four timeouts' worth: a behavioural check, not a threshold
    assert.equal(s.status().state, "running");
    assert.equal(ev.of("sandbox").length, 0);
    assert.equal(await s.request("T", "15 10000"), "ok");
    const exit = await exitOf(s, ev);
    assert.equal(exit.reason, "stopped");
    assert.equal(ev.of("sandbox").length, 0);
  });

  test("a touch from outside (bosund's route) counts as the container's would", T, async () => {
    const s = await startShimWith(["sleep", "1000"], { extra: ["--heartbeat-timeout", "500"] });
    const ev = await s.subscribe();
    await s.start();
    const beat = join(s.dir, "heartbeat");
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const now = new Date();
      // utimes, as touch(1) does: an IN_ATTRIB.
      utimesSync(beat, now, now);
      await sleep(100);
    }
    assert.equal(ev.of("sandbox").length, 0, "no stale stop while it was touched");
    const exit = await exitOf(s, ev);
    assert.equal(exit.reason, "stale", "then the silence ends it");
  });

  test("is rearmed at each restart's start: short runs never go stale", T, async () => {
    const s = await startShimWith(["sh", "-c", "sleep 0.3; exit 1"], {
      extra: ["--heartbeat-timeout", "500"],
      restart: "always",
    });
    const ev = await s.subscribe();
    await s.start();
    // Runs of 300 ms and growing backoffs: well past one timeout in all.
    await waitFor(() => s.status().restarts >= 3, "three restarts");
    assert.equal(ev.of("sandbox").length, 0);
    assert.equal(await s.request("T", "15 10000"), "ok");
    assert.equal((await exitOf(s, ev)).reason, "stopped");
  });

  test("waits while the container is paused, and rearms in full at U", T, async () => {
    const s = await toucher({ timeoutMs: 500 });
    const ev = await s.subscribe();
    await s.start();
    await sleep(200);
    assert.equal(await s.request("P"), "ok");
    await sleep(1000); // two timeouts without a touch: a behavioural check, not a threshold
    assert.equal(ev.of("sandbox").length, 0, "no stale stop while paused");
    assert.equal(await s.request("U"), "ok");
    await sleep(1000);
    assert.equal(ev.of("sandbox").length, 0, "the touches go on after U");
    assert.equal(await s.request("T", "15 10000"), "ok");
    assert.equal((await exitOf(s, ev)).reason, "stopped");
  });
});
