// Isolation and limits: what namespaces, a cgroup and a root filesystem add to a start, against
// the same start without them, a plain spawn and (where Debian's runc is installed) `runc run` of
// the same command in the same root filesystem; and how close a CPU limit holds a busy loop.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { CreateContainerRequest } from "../src/api/schemas.ts";
import { detectCgroups } from "../src/runtime/cgroup/detect.ts";
import { cgroupParent, type TestDaemon } from "../test/helpers/daemon.ts";
import { busyboxRootfs } from "../test/helpers/rootfs.ts";
import { percentile, type Row, spawnTimes, timeIt } from "./report.ts";

const run = promisify(execFile);
const N = Number(process.env.BOSUN_BENCH_ISOLATION_N ?? 50);

async function startTimes(d: TestDaemon, spec: Omit<CreateContainerRequest, "command">): Promise<number[]> {
  const times: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    times.push(
      await timeIt(async () => {
        const { id } = await d.client.create({ ...spec, command: ["sleep", "1000"] });
        await d.client.start(id);
        ids.push(id);
      }),
    );
  }
  for (const id of ids) await d.client.remove(id, { force: true });
  return times;
}

/** `runc run -d` of sleep in an OCI bundle over the same rootfs; undefined without runc. */
async function runcTimes(rootfs: string): Promise<number[] | undefined> {
  if (
    !(await run("runc", ["--version"]).then(
      () => true,
      () => false,
    ))
  )
    return undefined;
  const bundle = await mkdtemp(join(tmpdir(), "bosun-bench-runc-"));
  try {
    await run("runc", ["spec", "--bundle", bundle]);
    const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8"));
    config.process.terminal = false;
    config.process.args = ["sleep", "1000"];
    config.root = { path: rootfs, readonly: true };
    await writeFile(join(bundle, "config.json"), JSON.stringify(config));
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const id = `bosun-bench-${process.pid}-${i}`;
      times.push(
        await timeIt(
          () =>
            new Promise<void>((ok, fail) => {
              const c = spawn("runc", ["run", "-d", "--bundle", bundle, id], { stdio: "ignore" });
              c.once("exit", (code) => (code === 0 ? ok() : fail(new Error(`runc run exited ${code}`))));
            }),
        ),
      );
      await run("runc", ["delete", "-f", id]);
    }
    return times;
  } finally {
    await rm(bundle, { recursive: true, force: true });
  }
}

export async function isolation(d: TestDaemon): Promise<Row[]> {
  const fs = await busyboxRootfs();
  const rootfs = typeof fs === "string" ? fs : undefined;
  const plain = await startTimes(d, {});
  const isolated = await startTimes(d, { isolate: true, resources: { memory: "256m", pids: 256 } });
  const withRoot = rootfs
    ? await startTimes(d, { isolate: true, rootfs, resources: { memory: "256m", pids: 256 } })
    : undefined;
  const spawned = await spawnTimes(N);
  const runc = rootfs ? await runcTimes(rootfs) : undefined;
  const p = (xs: number[]) => percentile(xs, 50);
  const rows: Row[] = [
    {
      what: `create + start, pid+mount+uts+ipc namespaces and a cgroup with limits, p50 (${N})`,
      value: `${p(isolated).toFixed(2)} ms`,
      baseline: `no isolation ${p(plain).toFixed(2)} ms`,
      ratio: p(isolated) / p(plain),
      goal: "≤ 25 ms",
      ok: p(isolated) <= 25,
    },
    {
      what: "the same, against a plain spawn",
      value: `${p(isolated).toFixed(2)} ms`,
      baseline: `spawn ${p(spawned).toFixed(2)} ms`,
      ratio: p(isolated) / p(spawned),
      goal: "—",
      ok: undefined,
    },
  ];
  if (withRoot) {
    rows.push({
      what: "create + start with a busybox --rootfs as well, p50",
      value: `${p(withRoot).toFixed(2)} ms`,
      baseline: runc ? `runc run -d ${p(runc).toFixed(2)} ms` : "runc not installed",
      ratio: runc ? p(withRoot) / p(runc) : undefined,
      goal: "—",
      ok: undefined,
    });
  }
  return rows;
}

/** A busy loop under --cpus 0.5: its share of a core over 5 s, read from its cgroup. */
export async function limits(d: TestDaemon): Promise<Row[]> {
  const { driver } = await detectCgroups({ parent: cgroupParent(d.root) });
  if (!driver) return [];
  const { id } = await d.client.create({
    command: ["sh", "-c", "while :; do :; done"],
    resources: { cpu: 0.5 },
  });
  await d.client.start(id);
  await sleep(500); // past the start, into the steady state
  const t0 = performance.now();
  const c0 = (await driver.stats(id))!.cpuNs;
  await sleep(5000);
  const share = ((await driver.stats(id))!.cpuNs - c0) / 1e6 / (performance.now() - t0);
  await d.client.remove(id, { force: true });
  return [
    {
      what: "busy loop under --cpus 0.5, cores used over 5 s",
      value: share.toFixed(3),
      baseline: "limit 0.5",
      ratio: share / 0.5,
      goal: "0.5 ± 10%",
      ok: Math.abs(share - 0.5) <= 0.05,
    },
  ];
}
