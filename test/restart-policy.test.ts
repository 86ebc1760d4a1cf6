// Restart policies are applied by the shim itself, so they work even while bosund is down.
import assert from "node:assert/strict";
import { access, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { ShimConnection } from "../src/runtime/shim-protocol.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { nthEvent, whenInDir } from "./helpers/wait.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

/**
 * Once the container's shim has ended (it closes every connection as it exits), says whether it
 * ended for good: its final exit.json written and its control socket removed, so nothing is
 * left that could restart the container.
 */
async function shimEnds(stateDir: string): Promise<() => Promise<boolean>> {
  const closed = new Promise<void>((resolve) => {
    ShimConnection.open(`${stateDir}/ctl.sock`, { onClose: resolve }).catch(() => resolve());
  });
  const exists = (f: string) =>
    access(`${stateDir}/${f}`).then(
      () => true,
      () => false,
    );
  return async () => {
    await closed;
    return (await exists("exit.json")) && !(await exists("ctl.sock"));
  };
}

test("restart no: an exit is final", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "read x; exit 1"],
    restart: "no",
    stdin: true,
  });
  const c = await d.client.start(id);
  const gone = await shimEnds(c.stateDir);
  const ch = await d.client.attach(id, { stdin: true });
  ch.send(JSON.stringify({ type: "close-stdin" }));
  assert.equal((await d.client.wait(id)).exitCode, 1);
  assert.ok(await gone(), "no shim is left to restart it");
  assert.equal((await d.client.inspect(id)).state.restarts, 0);
  await d.client.remove(id);
});

test("restart on-failure:3 restarts exactly three times, then stops", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "sleep 0.1; exit 2"],
    restart: "on-failure:3",
  });
  const gone = await shimEnds((await d.client.start(id)).stateDir);
  const final = await d.client.wait(id);
  assert.equal(final.exitCode, 2);
  const c = await d.client.inspect(id);
  assert.equal(c.state.restarts, 3);
  assert.equal(c.state.status, "exited");
  await nthEvent(d.client, id, "start", 4);
  assert.ok(await gone(), "the shim ended after the third restart's exit");
  await d.client.remove(id);
});

test("restart on-failure does not restart after exit 0", async () => {
  const { id } = await d.client.create({ command: ["true"], restart: "on-failure" });
  await d.client.start(id);
  assert.equal((await d.client.wait(id)).exitCode, 0);
  assert.equal((await d.client.inspect(id)).state.restarts, 0);
  await d.client.remove(id);
});

test("restart always restarts after every exit, first at once, then with backoff", async () => {
  const { id } = await d.client.create({ command: ["sh", "-c", "exit 0"], restart: "always" });
  await d.client.start(id);
  const first = await nthEvent(d.client, id, "restart", 1);
  const second = await nthEvent(d.client, id, "restart", 2);
  const third = await nthEvent(d.client, id, "restart", 3);
  assert.equal(first.attributes.delayMs, "0", "the first restart is immediate");
  assert.equal(second.attributes.delayMs, "100");
  assert.equal(third.attributes.delayMs, "200", "then the delay doubles");
  const stopped = await d.client.stop(id, 1);
  assert.equal(stopped.state.status, "exited");
  assert.ok(stopped.state.restarts >= 3);
  await d.client.remove(id);
});

test("restart unless-stopped restarts a crash but not a stop", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "sleep 0.2; exit 1"],
    restart: "unless-stopped",
  });
  await d.client.start(id);
  await nthEvent(d.client, id, "start", 2);
  const gone = await shimEnds((await d.client.inspect(id)).stateDir);
  const stopped = await d.client.stop(id, 1);
  assert.equal(stopped.state.status, "exited");
  assert.equal(stopped.state.reason, "stopped");
  assert.ok(await gone(), "after a stop nothing is left that could restart it");
  assert.equal((await d.client.inspect(id)).state.status, "exited");
  await d.client.remove(id);
});

test("the shim restarts a crashed container while bosund is down", async () => {
  const { id } = await d.client.create({ command: ["sh", "-c", "sleep 0.3; exit 1"], restart: "always" });
  const first = await d.client.start(id);
  await d.kill9();
  // The first run exits 0.3 s in; the shim restarts it with no daemon to ask.
  await whenInDir(
    first.stateDir,
    async () => JSON.parse(await readFile(`${first.stateDir}/status.json`, "utf8")).restarts >= 1,
  );
  await d.restart();
  const c = await d.client.inspect(id);
  assert.ok(c.state.restarts >= 1, "restarted while the daemon was down");
  assert.notEqual(c.state.status, "exited");
  await d.client.remove(id, { force: true });
});
