// bosund killed with SIGKILL in the middle of churn: after a restart no container is lost,
// duplicated or misreported, and what the daemon says matches what runs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isAlive, isRunning, readPidFile } from "../src/runtime/proc.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

test("kill -9 of bosund during churn loses, duplicates and misreports nothing", {
  timeout: 120_000,
}, async () => {
  // Containers whose fate is known in advance: odd ones sleep, even ones exit with their index.
  const command = (i: number) =>
    i % 2 ? ["sleep", "1000"] : ["sh", "-c", `sleep 0.$((RANDOM % 5)); exit ${i}`];
  const known = new Map<string, number>();
  for (let i = 0; i < 8; i++) {
    const { id } = await d.client.create({ name: `churn-${i}`, command: command(i) });
    await d.client.start(id);
    known.set(id, i);
  }
  // Churn: creates, starts and stops in flight, and the daemon dies under them.
  const inflight: Promise<unknown>[] = [];
  for (let i = 8; i < 24; i++) {
    inflight.push(
      d.client
        .create({ name: `churn-${i}`, command: command(i) })
        .then(async ({ id }) => {
          known.set(id, i);
          await d.client.start(id);
        })
        .catch(() => {}),
    );
    if (i % 3 === 0) inflight.push(d.client.stop(`churn-${i - 7}`, 0).catch(() => {}));
    if (i === 16) await d.kill9();
  }
  await Promise.all(inflight);
  await d.restart();

  const all = await d.client.list({ all: true });
  const names = all.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, "no name is duplicated");
  for (const id of known.keys())
    assert.ok(
      all.some((c) => c.id === id),
      `container ${id.slice(0, 12)} was not lost`,
    );

  for (const c of all) {
    const i = Number(c.name.slice("churn-".length));
    // Every even one ends by itself; wait for it, so its code is final.
    const final = i % 2 === 0 && c.state.status !== "created" ? await d.client.wait(c.id) : undefined;
    const now = await d.client.inspect(c.id);
    const pidFile = await readPidFile(join(now.stateDir, "container.pid"));
    if (now.state.status === "running") {
      assert.equal(i % 2, 1, `${c.name} runs, so it is a sleeper`);
      assert.ok(await isRunning(now.state.pid!), `${c.name} is running as reported (pid ${now.state.pid})`);
    } else if (now.state.status === "exited") {
      if (final) assert.ok([i, 137, 143].includes(final.exitCode), `${c.name} exited ${final.exitCode}`);
      else
        assert.ok([137, 143].includes(now.state.exitCode!), `${c.name} was stopped: ${now.state.exitCode}`);
      if (pidFile)
        assert.equal(await isAlive(pidFile.pid, pidFile.startTime), false, `${c.name} left no process`);
    } else {
      assert.equal(now.state.status, "created", `${c.name} is in a settled state`);
      // A start that was in flight when the daemon died may have left its shim holding the
      // process at the gate: starting it now must still work, once.
      const started = await d.client.start(c.id);
      assert.equal(started.state.status, "running", `${c.name} starts after the restart`);
      if (i % 2 === 0) assert.equal((await d.client.wait(c.id)).exitCode, i);
    }
  }
});
