// A container is its whole process tree: stop reaches every process in its group, and the
// shim (a subreaper) kills what escaped the group when the container stops.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { isRunning, readStat } from "../src/runtime/proc.ts";
import { startDaemon, type TestDaemon } from "./helpers/daemon.ts";
import { nthEvent } from "./helpers/wait.ts";

let d: TestDaemon;
before(async () => {
  d = await startDaemon();
});
after(async () => {
  await d.stop();
});

const alive = isRunning;

/** Reads pids the container printed, one per line, once it has printed n of them. */
async function printedPids(id: string, n: number): Promise<number[]> {
  const pids: number[] = [];
  for await (const r of d.client.logs(id, { follow: true })) {
    if (/^\d+$/.test(r.text)) pids.push(Number(r.text));
    if (pids.length === n) return pids;
  }
  throw new Error(`the container printed only ${pids.length} pids`);
}

test("stop reaches the grandchildren in the container's process group", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "sleep 1000 & echo $!; sleep 1000 & echo $!; wait"],
  });
  await d.client.start(id);
  const pids = await printedPids(id, 2);
  for (const p of pids) assert.ok(await alive(p), `grandchild ${p} runs`);
  await d.client.stop(id, 5);
  for (const p of pids) assert.equal(await alive(p), false, `grandchild ${p} was stopped`);
  await d.client.remove(id);
});

test("a grandchild that escapes into its own session is killed when the container stops", async () => {
  const { id } = await d.client.create({
    // The subshell exits at once, so the escaped sleep is reparented to the shim (subreaper).
    command: ["sh", "-c", "(setsid sh -c 'echo $$; exec sleep 1000' &); sleep 1000"],
  });
  await d.client.start(id);
  const [escaped] = await printedPids(id, 1);
  const st = await readStat(escaped!);
  assert.ok(st && st.state !== "Z", "the escaped process runs");
  assert.equal(st.session, escaped, "it leads its own session, outside the container's group");
  await d.client.stop(id, 5);
  assert.equal(await alive(escaped!), false, "the escaped grandchild is gone");
  await d.client.remove(id);
});

test("when the main process exits, what it left behind is killed too", async () => {
  const { id } = await d.client.create({
    command: ["sh", "-c", "(setsid sleep 1000 &); sleep 1000 & echo $!; exit 3"],
  });
  await d.client.start(id);
  const [bg] = await printedPids(id, 1);
  const exit = await nthEvent(d.client, id, "die");
  assert.equal(exit.attributes.exitCode, "3");
  assert.equal(await alive(bg!), false, "the background child died with the container");
  // Nothing of the container still runs in the shim's session.
  const c = await d.client.inspect(id);
  const shimPid = Number(
    (await import("node:fs/promises").then((f) => f.readFile(`${c.stateDir}/shim.pid`, "utf8"))).split(
      " ",
    )[0],
  );
  const left = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = await readStat(Number(name));
    // The shim itself may still be flushing its last events to clients: it is not a leftover.
    if (s && s.session === shimPid && s.pid !== shimPid && s.state !== "Z") left.push(s.pid);
  }
  assert.deepEqual(left, []);
  await d.client.remove(id);
});
