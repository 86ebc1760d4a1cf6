// bosun's benchmarks. Each figure is printed beside a baseline measured in the same run on the
// same machine (this machine is shared and noisy: absolute numbers mean little, ratios more).
//   npm run bench                 all of them
//   npm run bench -- memory start  some of them (memory, start, restart, logs, scale, exec,
//                                  isolation, limits, lb)
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ShimConnection, type ShimEvent } from "../src/runtime/shim-protocol.ts";
import { startDaemon, type TestDaemon } from "../test/helpers/daemon.ts";
import { isolation, limits } from "./isolation.ts";
import { lb } from "./lb.ts";
import { privateKb, rssKb } from "./proc-memory.ts";
import { percentile, type Row, spawnTimes, table, timeIt } from "./report.ts";

type Bench = (d: TestDaemon) => Promise<Row[]>;

async function killAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once("exit", () => ok());
          c.kill("SIGKILL");
        }),
    ),
  );
}

async function removeAll(d: TestDaemon): Promise<void> {
  const all = await d.client.list({ all: true });
  for (let i = 0; i < all.length; i += 50) {
    await Promise.all(all.slice(i, i + 50).map((c) => d.client.remove(c.id, { force: true })));
  }
}

/** Memory of a shim holding an idle container, against `sleep` measured the same way. */
const memory: Bench = async (d) => {
  const n = 10;
  const sleeps = Array.from({ length: n }, () => spawn("sleep", ["1000"], { stdio: "ignore" }));
  await Promise.all(sleeps.map((s) => new Promise((ok) => s.once("spawn", ok))));
  const shims: number[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await d.client.create({ command: ["sleep", "1000"] });
    const c = await d.client.start(id);
    shims.push(Number((await readFile(join(c.stateDir, "shim.pid"), "utf8")).split(" ")[0]));
  }
  const med = async (pids: number[], f: (pid: number) => Promise<number>) =>
    percentile(await Promise.all(pids.map(f)), 50);
  const sleepPriv = await med(
    sleeps.map((s) => s.pid!),
    privateKb,
  );
  const shimPriv = await med(shims, privateKb);
  const sleepRss = await med(
    sleeps.map((s) => s.pid!),
    rssKb,
  );
  const shimRss = await med(shims, rssKb);
  await killAll(sleeps);
  await removeAll(d);
  return [
    {
      what: "shim private memory, idle container (median of 10)",
      value: `${shimPriv} kB`,
      baseline: `sleep ${sleepPriv} kB`,
      ratio: shimPriv / sleepPriv,
      goal: "≤ 2×",
      ok: shimPriv <= 2 * sleepPriv,
    },
    {
      what: "shim RSS, idle container (median of 10)",
      value: `${shimRss} kB`,
      baseline: `sleep ${sleepRss} kB`,
      ratio: shimRss / sleepRss,
      goal: "—",
      ok: undefined,
    },
  ];
};

/** Create + start to running through the API, against a plain child_process.spawn. */
const start: Bench = async (d) => {
  const n = 200;
  const api: number[] = [];
  for (let i = 0; i < n; i++) {
    api.push(
      await timeIt(async () => {
        const { id } = await d.client.create({ command: ["sleep", "1000"] });
        await d.client.start(id);
      }),
    );
  }
  await removeAll(d);
  const plain = await spawnTimes(n);
  const p50 = percentile(api, 50);
  const b50 = percentile(plain, 50);
  return [
    {
      what: `create + start to running, p50 (${n} containers)`,
      value: `${p50.toFixed(2)} ms`,
      baseline: `spawn ${b50.toFixed(2)} ms`,
      ratio: p50 / b50,
      goal: "≤ 10 ms",
      ok: p50 <= 10,
    },
    {
      what: "create + start to running, p99",
      value: `${percentile(api, 99).toFixed(2)} ms`,
      baseline: `spawn ${percentile(plain, 99).toFixed(2)} ms`,
      ratio: percentile(api, 99) / percentile(plain, 99),
      goal: "—",
      ok: undefined,
    },
  ];
};

/** First restart after a crash under --restart always, from the exit to the new process. */
const restart: Bench = async (d) => {
  const n = 30;
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await d.client.create({
      command: ["sh", "-c", "read x; exit 1"],
      restart: "always",
      stdin: true,
    });
    const c = await d.client.start(id);
    const times: Record<string, string> = {};
    const restarted = new Promise<void>((ok) => {
      void ShimConnection.open(join(c.stateDir, "ctl.sock"), {
        onEvent: (e: ShimEvent) => {
          if (e.type === "exit" && !times.exit) times.exit = String(e.time);
          if (e.type === "start" && times.exit && !times.start) {
            times.start = String(e.time);
            ok();
          }
        },
      }).then(async (conn) => {
        await conn.request("W");
        await conn.request("A", "stdin");
        conn.send("C"); // EOF: `read` fails, the process exits 1, the shim restarts it
      });
    });
    await restarted;
    gaps.push(nsDiffMs(times.exit!, times.start!));
    await d.client.remove(id, { force: true });
  }
  const p50 = percentile(gaps, 50);
  return [
    {
      what: `first restart after a crash, exit → new process, p50 (${n})`,
      value: `${p50.toFixed(2)} ms`,
      baseline: "Docker 100 ms backoff",
      ratio: p50 / 100,
      goal: "≤ 10 ms",
      ok: p50 <= 10,
    },
    {
      what: "first restart after a crash, p99",
      value: `${percentile(gaps, 99).toFixed(2)} ms`,
      baseline: "",
      ratio: undefined,
      goal: "—",
      ok: undefined,
    },
  ];
};

function nsDiffMs(a: string, b: string): number {
  const ns = (t: string) => {
    const [sec, frac] = t.replace("Z", "").split(".");
    return BigInt(Date.parse(`${sec}Z`)) * 1_000_000n + BigInt((frac ?? "0").padEnd(9, "0"));
  };
  return Number(ns(b) - ns(a)) / 1e6;
}

/**
 * Log capture of 1 GB of lines written to stdout, against the same command into `> file`.
 * Page-cache writes swing a lot on a shared VM, so the two alternate, three times each, and the
 * medians are compared.
 */
const logs: Bench = async (d) => {
  const bytes = Number(process.env.BOSUN_BENCH_LOG_BYTES ?? 1024 ** 3);
  const reps = Number(process.env.BOSUN_BENCH_LOG_REPS ?? 3);
  const line = "x".repeat(99);
  const cmd = `yes ${line} | head -c ${bytes}`;
  const out = join(d.root, "baseline.out");
  const base: number[] = [];
  const shim: number[] = [];
  for (let i = 0; i < reps; i++) {
    base.push(await timeIt(() => run("sh", ["-c", `${cmd} > ${out}`])));
    await run("rm", ["-f", out]);
    const { id } = await d.client.create({ command: ["sh", "-c", cmd] });
    shim.push(
      await timeIt(async () => {
        await d.client.start(id);
        await d.client.wait(id);
      }),
    );
    await d.client.remove(id);
  }
  const mbps = (ms: number) => bytes / 1024 ** 2 / (ms / 1000);
  const b = percentile(base, 50);
  const t = percentile(shim, 50);
  return [
    {
      what: `log capture, ${(bytes / 1024 ** 3).toFixed(1)} GiB of 100-byte lines (median of ${reps})`,
      value: `${mbps(t).toFixed(0)} MiB/s`,
      baseline: `> file ${mbps(b).toFixed(0)} MiB/s`,
      ratio: b / t,
      goal: "≥ 80%",
      ok: b / t >= 0.8,
    },
  ];
};

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const c = spawn(cmd, args, { stdio: "ignore" });
    c.once("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited ${code}`))));
  });
}

/** bosund's memory and list latency with 1,000 running containers. */
const scale: Bench = async (d) => {
  const n = Number(process.env.BOSUN_BENCH_CONTAINERS ?? 1000);
  const idle = await rssKb(d.pid);
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async () => {
        const { id } = await d.client.create({ command: ["sleep", "1000"] });
        await d.client.start(id);
      }),
    );
  }
  const lat: number[] = [];
  for (let i = 0; i < 200; i++) lat.push(await timeIt(() => d.client.list()));
  const rss = await rssKb(d.pid);
  await removeAll(d);
  const p99 = percentile(lat, 99);
  return [
    {
      what: `bosund RSS with ${n} running containers`,
      value: `${(rss / 1024).toFixed(0)} MB`,
      baseline: `idle ${(idle / 1024).toFixed(0)} MB`,
      ratio: rss / idle,
      goal: "≤ 150 MB",
      ok: rss / 1024 <= 150,
    },
    {
      what: `GET /v1/containers with ${n} running, p99 (200 calls)`,
      value: `${p99.toFixed(1)} ms`,
      baseline: `p50 ${percentile(lat, 50).toFixed(1)} ms`,
      ratio: undefined,
      goal: "≤ 50 ms",
      ok: p99 <= 50,
    },
  ];
};

/** exec, from the request to the process running (its exec-start), against create + start. */
const exec: Bench = async (d) => {
  const n = 100;
  const { id } = await d.client.create({ command: ["sleep", "1000"] });
  await d.client.start(id);
  const execs: number[] = [];
  for (let i = 0; i < n; i++) {
    execs.push(
      await timeIt(async () => {
        const ch = await d.client.exec(id, { command: ["sleep", "1000"], detach: true });
        await new Promise<void>((ok) => {
          ch.onMessage((m) => {
            if (typeof m === "string" && (JSON.parse(m) as { type: string }).type === "exec-start") ok();
          });
        });
      }),
    );
  }
  await removeAll(d);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    starts.push(
      await timeIt(async () => {
        const c = await d.client.create({ command: ["sleep", "1000"] });
        await d.client.start(c.id);
      }),
    );
  }
  await removeAll(d);
  const p50 = percentile(execs, 50);
  const s50 = percentile(starts, 50);
  return [
    {
      what: `exec, request to process running, p50 (${n})`,
      value: `${p50.toFixed(2)} ms`,
      baseline: `create + start ${s50.toFixed(2)} ms`,
      ratio: p50 / s50,
      goal: "—",
      ok: undefined,
    },
  ];
};

const ALL: Record<string, Bench> = { memory, start, restart, logs, scale, exec, isolation, limits, lb };

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => a !== "--");
  const chosen = names.length > 0 ? names : Object.keys(ALL);
  const rows: Row[] = [];
  for (const name of chosen) {
    const b = ALL[name];
    if (!b) throw new Error(`unknown benchmark "${name}"; pick from ${Object.keys(ALL).join(", ")}`);
    const d = await startDaemon();
    try {
      process.stderr.write(`bench: ${name}…\n`);
      rows.push(...(await b(d)));
    } finally {
      await d.stop();
    }
  }
  process.stdout.write(table(rows));
}

await main();
