// The daemon's sandbox policies (issue 4) through the CLI and the API: quotas from bosund's flags,
// lockdown (it outlives a daemon restart), and the kill switch (`bosun kill --all`).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Event } from "../src/api/schemas.ts";
import { BOSUND, startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { raw } from "./helpers/http.ts";

/** The daemon's past events that pass the filters (no following). */
async function pastEvents(d: TestDaemon, filter: string[]): Promise<Event[]> {
  const out: Event[] = [];
  for await (const e of d.client.events({ filter, until: "0s" })) out.push(e);
  return out;
}

const QUOTA_HINT =
  "stopped containers count too: `bosun rm` the ones you no longer need (`bosun ps -a` lists them)";

describe("quotas", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon([
      "--max-containers",
      "4",
      "--max-per-label",
      "team=2",
      "--max-per-label",
      "tier=9",
    ]);
  });
  after(() => d?.stop());

  test("a team's third container is refused with the quota and the numbers; another team's is not", async () => {
    assert.equal((await d.cli(["create", "-l", "team=shop", "--", "true"])).code, 0);
    assert.equal((await d.cli(["run", "-d", "-l", "team=shop", "--", "true"])).code, 0);
    const r = await d.cli(["create", "--name", "third", "-l", "team=shop", "--", "true"]);
    assert.deepEqual(r, {
      code: 125,
      stdout: "",
      stderr: `bosun: quota: at most 2 containers with label team=shop (2 exist)\n${QUOTA_HINT}\n`,
    });
    const api = await raw(d.socket, "POST", "/v1/containers", {
      command: ["true"],
      labels: { team: "shop" },
    });
    assert.equal(api.status, 403);
    assert.equal(api.body.error.code, "quota_exceeded");
    assert.equal((await d.cli(["create", "-l", "team=ops", "--", "true"])).code, 0);
  });

  test("the container count holds whatever their state, and a removed container frees its place", async () => {
    // Three exist from the test before (one exited); a fourth without labels fits, a fifth does not.
    assert.equal((await d.cli(["create", "--name", "fourth", "--", "true"])).code, 0);
    const r = await d.cli(["create", "--", "true"]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^bosun: quota: at most 4 containers \(4 exist\)\n/);
    assert.equal((await d.cli(["rm", "fourth"])).code, 0);
    assert.equal((await d.cli(["create", "--", "true"])).code, 0);
  });
});

describe("the memory quota", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon(["--max-memory", "64m"]);
  });
  after(() => d?.stop());

  test("a container without a memory limit is refused and told to give one", async () => {
    const r = await d.cli(["create", "--", "true"]);
    assert.deepEqual(r, {
      code: 125,
      stdout: "",
      stderr:
        "bosun: quota: a container needs a memory limit while bosund caps their sum at 64m\n" +
        "give it one, e.g. `--memory 256m`\n",
    });
  });

  test("the limits may add up to the quota but not past it", async (t) => {
    const first = await d.cli(["create", "-m", "48m", "--", "true"]);
    if (first.code !== 0 && /cgroup/.test(first.stderr))
      return t.skip(`no memory limits here: ${first.stderr}`);
    assert.equal(first.code, 0, first.stderr);
    const over = await d.cli(["create", "-m", "20m", "--", "true"]);
    assert.equal(over.code, 125);
    assert.match(
      over.stderr,
      /^bosun: quota: at most 64m of memory limits in all \(48m taken, this container asks for 20m\)\n/,
    );
    assert.equal((await d.cli(["create", "-m", "16m", "--", "true"])).code, 0);
  });
});

describe("bosund's quota flags", () => {
  test("a malformed quota stops bosund before it starts, naming the flag", () => {
    const r = spawnSync(process.execPath, [BOSUND, "--max-per-label", "team"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^bosund: --max-per-label: expected KEY=N, got "team"\n/);
  });
});

describe("lockdown", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  test("on refuses create, start and restart with how to lift it; running containers go on", async () => {
    assert.deepEqual(await d.cli(["lockdown", "status"]), { code: 0, stdout: "lockdown: off\n", stderr: "" });
    await d.cli(["create", "--name", "early", "--", "sleep", "1000"]);
    await d.cli(["run", "-d", "--name", "steady", "--", "sleep", "1000"]);

    const on = await d.cli(["lockdown", "on"]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /^lockdown: on since \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    assert.deepEqual(await d.cli(["lockdown", "status"]), on);
    const since = on.stdout.slice("lockdown: on since ".length, -1);

    const create = await d.cli(["create", "--name", "late", "--", "true"]);
    assert.deepEqual(create, {
      code: 125,
      stdout: "",
      stderr: `bosun: cannot create late: bosund is in lockdown since ${since}\nlift it with \`bosun lockdown off\`\n`,
    });
    const start = await d.cli(["start", "early"]);
    assert.equal(start.code, 1);
    assert.match(start.stderr, /^bosun: cannot start early: bosund is in lockdown since /);
    const api = await raw(d.socket, "POST", "/v1/containers/early/start");
    assert.equal(api.status, 423);
    assert.equal(api.body.error.code, "locked_down");
    // A restart would stop it and then be refused the start: it is refused before the stop.
    assert.equal((await d.cli(["restart", "-t", "0", "steady"])).code, 1);
    assert.equal((await d.client.inspect("steady")).state.status, "running");
    assert.equal((await d.client.inspect("early")).state.status, "created");

    const events = await pastEvents(d, ["type=daemon", "event=lockdown"]);
    assert.deepEqual(
      events.map((e) => [e.type, e.action, e.attributes]),
      [["daemon", "lockdown", { state: "on" }]],
    );
  });

  test("it outlives a daemon restart, and off lifts it", async () => {
    const before = await d.cli(["lockdown", "status"]);
    assert.match(before.stdout, /^lockdown: on since /);
    assert.equal(await d.terminate(), 0);
    await d.restart();
    assert.deepEqual(await d.cli(["lockdown", "status"]), before);
    assert.equal((await d.cli(["start", "early"])).code, 1);

    assert.deepEqual(await d.cli(["lockdown", "off"]), { code: 0, stdout: "lockdown: off\n", stderr: "" });
    assert.deepEqual(await d.cli(["start", "early"]), { code: 0, stdout: "early\n", stderr: "" });
    // Events are kept across the restart: the lockdown from before it, then the lift.
    const events = await pastEvents(d, ["type=daemon", "event=lockdown"]);
    assert.deepEqual(
      events.map((e) => e.attributes),
      [{ state: "on" }, { state: "off" }],
    );
  });

  test("the API answers its state, and a bad body is a 400 that names the field", async () => {
    assert.deepEqual((await raw(d.socket, "GET", "/v1/lockdown")).body, { on: false, since: null });
    const bad = await raw(d.socket, "POST", "/v1/lockdown", { on: "yes" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^on: /);
    assert.equal((await raw(d.socket, "POST", "/v1/lockdown", { on: true, why: "x" })).status, 400);
    assert.equal((await raw(d.socket, "POST", "/v1/lockdown", { on: false })).body.on, false);
  });

  test("bosun lockdown takes only on, off or status", async () => {
    const r = await d.cli(["lockdown", "maybe"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /maybe.*on, off, status/);
  });
});

describe("the kill switch", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  test("kill --all --filter signals every running container that matches at once, and only those", async () => {
    for (const [name, team] of [
      ["shop-1", "shop"],
      ["shop-2", "shop"],
      ["ops-1", "ops"],
    ]) {
      assert.equal(
        (await d.cli(["run", "-d", "--name", name!, "-l", `team=${team}`, "--", "sleep", "1000"])).code,
        0,
      );
    }
    await d.cli(["create", "--name", "shop-idle", "-l", "team=shop", "--", "sleep", "1000"]);

    const r = await d.cli(["kill", "--all", "--filter", "label=team=shop", "-s", "TERM"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").filter(Boolean).sort(), ["shop-1", "shop-2"]);
    assert.equal((await d.cli(["wait", "shop-1", "shop-2"])).stdout, "143\n143\n");
    assert.equal((await d.client.inspect("ops-1")).state.status, "running");
    assert.equal((await d.client.inspect("shop-idle")).state.status, "created");

    const [e] = await pastEvents(d, ["type=daemon", "event=kill-all"]);
    assert.deepEqual(e?.attributes, {
      signal: "SIGTERM",
      filter: "label=team=shop",
      killed: "2",
      failed: "0",
    });
  });

  test("kill --all without filters takes the rest, restart policies notwithstanding", async () => {
    await d.cli(["run", "-d", "--name", "last", "--restart", "always", "--", "sleep", "1000"]);
    const r = await d.client.killAll();
    assert.deepEqual(r.killed.map((c) => c.name).sort(), ["last", "ops-1"]);
    assert.deepEqual(r.failed, []);
    assert.equal((await d.cli(["wait", "last"])).stdout, "137\n");
    const last = await d.client.inspect("last");
    assert.deepEqual([last.state.status, last.state.restarts], ["exited", 0], "it stays down");
    assert.deepEqual(await d.client.killAll(), { killed: [], failed: [] });
  });

  test("a bad signal or filter is a 400 that names the field", async () => {
    const sig = await raw(d.socket, "POST", "/v1/containers/kill", { signal: "SIGNOPE" });
    assert.equal(sig.status, 400);
    assert.match(sig.body.error.message, /^signal: unknown signal "SIGNOPE"/);
    const filter = await raw(d.socket, "POST", "/v1/containers/kill", { filter: ["colour=red"] });
    assert.equal(filter.status, 400);
    assert.match(filter.body.error.message, /^filter: unknown filter "colour"/);
  });

  test("--all goes with no names, --filter only with --all, and kill alone still needs containers", async () => {
    assert.deepEqual(await d.cli(["kill", "--all", "ops-1"]), {
      code: 2,
      stdout: "",
      stderr: "bosun: --all: give container names or --all, not both\n",
    });
    assert.deepEqual(await d.cli(["kill", "--filter", "label=a=b", "ops-1"]), {
      code: 2,
      stdout: "",
      stderr: "bosun: --filter: only goes with --all\n",
    });
    assert.deepEqual(await d.cli(["kill"]), {
      code: 2,
      stdout: "",
      stderr: "bosun: missing required argument 'containers'\n(see 'bosun kill --help')\n",
    });
  });
});
