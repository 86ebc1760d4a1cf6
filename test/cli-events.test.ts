// `bosun events`: the container's life as a stream of events, for people and as JSON lines.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import type { Event } from "../src/api/schemas.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

describe("bosun events", () => {
  let d: TestDaemon;
  let id = "";
  before(async () => {
    d = await startDaemon();
    const r = await d.cli(["run", "-d", "--name", "brief", "--", "sh", "-c", "exit 3"]);
    id = r.stdout.trim();
    await d.cli(["wait", "brief"]);
  });
  after(() => d?.stop());

  test("events --since --until shows create, start and die with the exit code, then returns", async () => {
    const r = await d.cli(["events", "--since", "10m", "--until", "0s", "--filter", "container=brief"]);
    assert.equal(r.code, 0, r.stderr);
    const short = id.slice(0, 12);
    const line = (action: string) =>
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container ${action} ${short} \\(name=brief.*\\)$`,
        "m",
      );
    assert.match(r.stdout, line("create"));
    assert.match(r.stdout, line("start"));
    assert.match(r.stdout, line("die"));
    assert.match(r.stdout, new RegExp(`container die ${short} \\(name=brief, .*exitCode=3`));
    assert.ok(
      r.stdout.indexOf(" create ") < r.stdout.indexOf(" start ") &&
        r.stdout.indexOf(" start ") < r.stdout.indexOf(" die "),
    );
  });

  test("events --format json prints one event object per line", async () => {
    const r = await d.cli([
      "events",
      "--since",
      "10m",
      "--until",
      "0s",
      "--format",
      "json",
      "--filter",
      "event=die",
    ]);
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    assert.deepEqual(
      events.map((e) => [e.action, e.name]),
      [["die", "brief"]],
    );
  });

  test("events follows new events as they happen", { timeout: 60_000 }, async () => {
    // --since replays the past too, so it does not matter whether the container dies before or
    // after the CLI has subscribed.
    const child = d.spawnCli([
      "events",
      "--since",
      "10m",
      "--filter",
      "container=later",
      "--filter",
      "event=die",
    ]);
    try {
      await d.cli(["run", "--name", "later", "--", "sh", "-c", "exit 9"]);
      let out = "";
      for await (const chunk of child.stdout!) {
        out += chunk;
        if (out.includes("\n")) break;
      }
      assert.match(out, /container die [0-9a-f]{12} \(name=later, .*exitCode=9/);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }
  });
});
