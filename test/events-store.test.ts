// Events outlive the daemon: every event (containers', apps') is kept in the store, and
// `bosun events` reads its history from there after a restart (kill -9 included), filtered by
// type, app, action and time, then follows live events without a gap or a repeat.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Event } from "../src/api/schemas.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

const lines = (stdout: string): Event[] =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Event);

describe("events kept across a daemon restart", () => {
  let d: TestDaemon;
  let dir: string;
  /** The events of container "old" as a follower saw them live, before the restart. */
  const live: Event[] = [];
  /** The stored history of the last hour that matches the filters. */
  const history = async (...filters: string[]) => {
    const args = ["events", "--since", "1h", "--until", "0s", "--json"];
    const r = await d.cli([...args, ...filters.flatMap((f) => ["--filter", f])]);
    assert.equal(r.code, 0, r.stderr);
    return lines(r.stdout);
  };

  before(async () => {
    d = await startDaemon();
    dir = await mkdtemp(join(tmpdir(), "bosun-events-"));
    const abort = new AbortController();
    const following = (async () => {
      try {
        for await (const e of d.client.events({ filter: ["container=old"], signal: abort.signal })) {
          live.push(e);
          if (e.action === "die") break;
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      }
    })();
    const timer = setTimeout(() => abort.abort(), 20_000);
    const r = await d.cli([
      "run",
      "-d",
      "--name",
      "old",
      "--label",
      "tier=front",
      "--",
      "sh",
      "-c",
      "exit 3",
    ]);
    assert.equal(r.code, 0, r.stderr);
    await following;
    clearTimeout(timer);
    const spec = join(dir, "kept.yaml");
    await writeFile(
      spec,
      "kind: App\nname: kept\nspec:\n  command: [sleep, '1000']\n  replicas: 1\n  stopTimeout: 1s\n",
    );
    assert.equal((await d.cli(["apply", "-f", spec])).code, 0);
    assert.equal((await d.cli(["rollout", "status", "kept"], { timeoutMs: 60_000 })).code, 0);
    // No clean shutdown: what was emitted is already in the store.
    await d.kill9();
    await d.restart();
  });
  after(async () => {
    // The app goes first: stop() removes its replica, which the controller would make again.
    await d?.cli(["app", "rm", "kept"]);
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("events --since lists the container's events from before the restart, exactly as they were", async () => {
    assert.deepEqual(
      live.map((e) => e.action),
      ["create", "start", "die"],
    );
    const past = await history("container=old");
    assert.deepEqual(past, live);
    const die = past.at(-1)!;
    assert.equal(die.type, "container");
    assert.equal(die.attributes.exitCode, "3");
    assert.equal(die.attributes.tier, "front");
  });

  test("--filter type= and app= select from the stored history", async () => {
    const containers = await history("type=container");
    assert.ok(containers.every((e) => e.type === "container"));
    assert.ok(containers.some((e) => e.name === "old" && e.action === "die"));
    assert.ok(containers.some((e) => e.name === "kept-0" && e.action === "start"));

    const kept = await history("app=kept");
    assert.ok(kept.some((e) => e.type === "app" && e.action === "app.applied"));
    assert.ok(
      kept.some(
        (e) => e.type === "container" && e.action === "start" && e.attributes["bosun.app"] === "kept",
      ),
    );
    assert.ok(kept.every((e) => (e.type === "app" ? e.id === "kept" : e.attributes["bosun.app"] === "kept")));
    assert.ok(!kept.some((e) => e.name === "old"));

    const appOnly = await history("app=kept", "type=app");
    assert.ok(appOnly.length > 0 && appOnly.every((e) => e.type === "app"));
    assert.deepEqual(
      appOnly.map((e) => e.action),
      kept.filter((e) => e.type === "app").map((e) => e.action),
    );
  });

  test("--until ends the history at a time, that instant included", async () => {
    const start = live.find((e) => e.action === "start")!;
    const r = await d.cli([
      "events",
      "--since",
      "1h",
      "--until",
      start.time,
      "--json",
      "--filter",
      "container=old",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      lines(r.stdout).map((e) => e.action),
      ["create", "start"],
    );
  });

  test("seqs go on after the restart, and a follower gets history then live events, each once", async () => {
    const child = d.spawnCli(["events", "--since", "1h", "--json"]);
    try {
      // Started while the follower reads its history, so that some land during the read.
      const names = ["f0", "f1", "f2", "f3", "f4"];
      const runs = Promise.all(names.map((n) => d.cli(["run", "-d", "--name", n, "--", "true"])));
      const seen: Event[] = [];
      let buffer = "";
      const dies = new Set<string>();
      for await (const chunk of child.stdout!) {
        buffer += chunk;
        const end = buffer.lastIndexOf("\n");
        if (end < 0) continue;
        seen.push(...lines(buffer.slice(0, end)));
        buffer = buffer.slice(end + 1);
        for (const e of seen) if (e.action === "die" && names.includes(e.name)) dies.add(e.name);
        if (dies.size === names.length) break;
      }
      await runs;
      // Every event since the daemon first started, stored or live: one unbroken sequence.
      const seqs = seen.map((e) => e.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
        "no gap, no event twice",
      );
      assert.equal(seqs[0], 1);
      const oldDie = seen.find((e) => e.name === "old" && e.action === "die")!;
      for (const n of names) {
        assert.deepEqual(
          seen.filter((e) => e.name === n).map((e) => e.action),
          ["create", "start", "die"],
          `${n}'s events, each once`,
        );
        assert.ok(seen.find((e) => e.name === n)!.seq > oldDie.seq);
      }
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  });
});
