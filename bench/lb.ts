// The load balancer: requests per CPU-second and added p99 latency of the listener bosund opens
// for an app's exposed port, against nginx proxying to the same replicas in the same run (wrk
// drives both); and the time from `apply` of 10 replicas to all of them ready.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BOSUND, type TestDaemon } from "../test/helpers/daemon.ts";
import { freePort } from "../test/helpers/net.ts";
import { percentile, type Row } from "./report.ts";

const run = promisify(execFile);
// The machine is shared: the targets take turns, round after round, so that a neighbour's load
// falls on all of them alike.
const SECONDS = process.env.BOSUN_BENCH_LB_SECONDS ?? "3";
const ROUNDS = Number(process.env.BOSUN_BENCH_LB_ROUNDS ?? 3);
const LATENCY_ROUNDS = 5;
const REPLICAS = 2;
const HEALTH_INTERVAL = "1s";

async function has(cmd: string): Promise<boolean> {
  return run("sh", ["-c", `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );
}

/** Each replica: the smallest node:http server, kept-alive connections held a minute. */
const BACKEND =
  "const s = require('http').createServer((q, r) => r.end('hello\\n')); s.keepAliveTimeout = 60000; s.listen(process.env.PORT, '127.0.0.1')";

let ticks: number | undefined;

/** utime + stime of one process (all its threads), in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  ticks ??= Number((await run("getconf", ["CLK_TCK"])).stdout.trim());
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / ticks;
}

/** Summed over several processes (nginx's master and workers). */
async function treeCpu(pids: number[]): Promise<number> {
  let t = 0;
  for (const p of pids) t += await cpuSeconds(p).catch(() => 0);
  return t;
}

interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One line of wrk's --latency table ("99%  1.23ms"), in milliseconds. */
function ms(stdout: string, label: string): number {
  const m = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(stdout);
  return m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : Number.NaN;
}

/** Throughput with 16 connections; latency with 1, so the machine's 2 cores are not saturated. */
async function wrk(port: number, connections: number, seconds: string): Promise<WrkResult> {
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    `http://127.0.0.1:${port}/`,
  ]);
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(stdout);
  if (errors) throw new Error(`wrk saw errors on port ${port}: ${errors[0]}`);
  return { requests, rps, p50Ms: ms(stdout, "50%"), p99Ms: ms(stdout, "99%") };
}

interface Target {
  port: number;
  /** The processes whose CPU time the target's requests cost. */
  pids: () => Promise<number[]>;
}

interface Measured {
  /** Requests over the CPU-seconds its pids used, summed over the rounds. */
  perCpu: number;
  /** Mean over the rounds. */
  rps: number;
  /** Median over the latency rounds of each one-connection run's p99, minus the same direct. */
  addedP99Ms: number;
  /** The same for the p50: steadier than the p99 when a neighbour's load comes and goes. */
  addedP50Ms: number;
}

/**
 * A one-second warm-up each (the node proxies' JIT); ROUNDS of throughput, each target's CPU
 * read around its own run; then LATENCY_ROUNDS one-second runs with one connection, direct to a
 * replica and through each target.
 */
async function compare(
  direct: number,
  targets: Target[],
): Promise<{ directP50Ms: number; directP99Ms: number; of: Measured[] }> {
  for (const t of targets) await wrk(t.port, 16, "1");
  const requests = targets.map(() => 0);
  const cpu = targets.map(() => 0);
  const rps = targets.map(() => 0);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, t] of targets.entries()) {
      const before = await treeCpu(await t.pids());
      const w = await wrk(t.port, 16, SECONDS);
      cpu[i]! += (await treeCpu(await t.pids())) - before;
      requests[i]! += w.requests;
      rps[i]! += w.rps / ROUNDS;
    }
  }
  const ports = [direct, ...targets.map((t) => t.port)];
  const runs = ports.map((): WrkResult[] => []);
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    for (const [i, port] of ports.entries()) runs[i]!.push(await wrk(port, 1, "1"));
  }
  const median = (i: number, key: "p50Ms" | "p99Ms") => {
    const xs = runs[i]!.map((w) => w[key]);
    return percentile(xs, 50);
  };
  return {
    directP50Ms: median(0, "p50Ms"),
    directP99Ms: median(0, "p99Ms"),
    of: targets.map((_, i) => ({
      perCpu: requests[i]! / cpu[i]!,
      rps: rps[i]!,
      addedP99Ms: median(i + 1, "p99Ms") - median(0, "p99Ms"),
      addedP50Ms: median(i + 1, "p50Ms") - median(0, "p50Ms"),
    })),
  };
}

async function untilReady(d: TestDaemon, app: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const a = await d.client.app(app);
    if (a.ready === n) return;
    if (performance.now() > deadline)
      throw new Error(`bench lb: ${app} has ${a.ready} of ${n} replicas ready (${a.status}: ${a.message})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Until the port answers 200: the listener binds and takes its routes just after readiness. */
async function untilServing(port: number): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (i === 250) throw new Error(`bench lb: nothing answers 200 on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** nginx, one worker, keep-alive upstreams; its pids (master and workers) and a stop. */
async function startNginx(
  port: number,
  upstreams: number[],
): Promise<{ pids: () => Promise<number[]>; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "bosun-bench-nginx-"));
  await writeFile(
    join(dir, "nginx.conf"),
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off;
  upstream app { ${upstreams.map((p) => `server 127.0.0.1:${p};`).join(" ")} keepalive 64; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
  );
  const nginx = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
  const exited = new Promise((r) => nginx.once("exit", r));
  return {
    async pids() {
      const { stdout } = await run("pgrep", ["-P", String(nginx.pid)]).catch(() => ({ stdout: "" }));
      return [nginx.pid!, ...stdout.split("\n").filter(Boolean).map(Number)];
    },
    async stop() {
      // SIGQUIT lets the master take its workers down with it.
      if (nginx.exitCode === null && nginx.signalCode === null) nginx.kill("SIGQUIT");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The node flags bosund runs with (its `#!/usr/bin/env -S node …` line), for the standalone proxy. */
async function daemonNodeFlags(): Promise<string[]> {
  const first = (await readFile(BOSUND, "utf8")).slice(0, 200).split("\n")[0]!;
  return first.split(" ").filter((w) => w.startsWith("--"));
}

/** The Balancer class alone in a process of its own (bench/lb-proxy.ts), with bosund's node flags. */
async function startStandalone(port: number, upstreams: number[]): Promise<ChildProcess> {
  const proxy = spawn(
    process.execPath,
    [
      ...(await daemonNodeFlags()),
      "--import",
      "tsx",
      "bench/lb-proxy.ts",
      String(port),
      ...upstreams.map(String),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((ok, fail) => {
    proxy.stdout!.once("data", ok);
    proxy.once("exit", (code) => fail(new Error(`bench/lb-proxy.ts exited with ${code}`)));
  });
  proxy.removeAllListeners("exit");
  return proxy;
}

async function kill(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGKILL");
  await exited;
}

export async function lb(d: TestDaemon): Promise<Row[]> {
  const rows: Row[] = [];
  if (!(await has("wrk")) || !(await has("nginx"))) {
    process.stderr.write("bench lb: needs wrk and nginx (apt-get install wrk nginx-light); skipped\n");
  } else {
    rows.push(...(await balancer(d)));
  }
  rows.push(await applyTen(d));
  return rows;
}

/**
 * An app of REPLICAS node:http servers exposed on a port: wrk against bosund's listener there,
 * against nginx proxying to the same replicas, and against the standalone Balancer (secondary).
 */
async function balancer(d: TestDaemon): Promise<Row[]> {
  const expose = await freePort();
  const text = `kind: App
name: lb
spec:
  command: [node, -e, ${JSON.stringify(BACKEND)}]
  replicas: ${REPLICAS}
  ports: [{name: http, expose: ${expose}}]
  health: {http: {path: /, port: http}, interval: ${HEALTH_INTERVAL}, startPeriod: 30s}
`;
  let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
  let proxy: ChildProcess | undefined;
  try {
    await d.client.apply([{ name: "lb.yaml", text }]);
    await untilReady(d, "lb", REPLICAS, 30_000);
    await untilServing(expose);
    const ports = (await d.client.app("lb")).replicas.map((r) => r.ports.http!);
    const nginxPort = await freePort();
    nginx = await startNginx(nginxPort, ports);
    await untilServing(nginxPort);
    const proxyPort = await freePort();
    proxy = await startStandalone(proxyPort, ports);
    const standalonePid = proxy.pid!;
    const {
      directP50Ms,
      directP99Ms,
      of: [bosund, ng, alone],
    } = await compare(ports[0]!, [
      { port: expose, pids: async () => [d.pid] },
      { port: nginxPort, pids: nginx.pids },
      { port: proxyPort, pids: async () => [standalonePid] },
    ]);
    if (!bosund || !ng || !alone) throw new Error("bench lb: a target has no figures");
    const nginxFigure = `nginx ${Math.round(ng.perCpu)} (${Math.round(ng.rps)} req/s)`;
    return [
      {
        what: `bosund's listener for an app's exposed port, requests per CPU-second of bosund (wrk -c16, ${ROUNDS} rounds of ${SECONDS} s, ${REPLICAS} node:http replicas; its reconciler and ${HEALTH_INTERVAL} health checks run too)`,
        value: `${Math.round(bosund.perCpu)} (${Math.round(bosund.rps)} req/s)`,
        baseline: nginxFigure,
        ratio: bosund.perCpu / ng.perCpu,
        goal: "≥ 40% of nginx",
        ok: bosund.perCpu / ng.perCpu >= 0.4,
      },
      {
        what: `bosund's listener, added p99 latency, one connection (through it − direct to a replica; median of ${LATENCY_ROUNDS} 1 s runs' p99)`,
        value: `${bosund.addedP99Ms.toFixed(2)} ms (p50 ${bosund.addedP50Ms.toFixed(2)} ms)`,
        baseline: `nginx ${ng.addedP99Ms.toFixed(2)} ms (p50 ${ng.addedP50Ms.toFixed(2)} ms); direct p99 ${directP99Ms.toFixed(2)} ms, p50 ${directP50Ms.toFixed(2)} ms`,
        ratio: undefined,
        goal: "≤ 2 ms",
        ok: bosund.addedP99Ms <= 2,
      },
      {
        what: "secondary: the Balancer class alone in its own process (bench/lb-proxy.ts, bosund's node flags), requests per CPU-second; added p99",
        value: `${Math.round(alone.perCpu)} (${Math.round(alone.rps)} req/s); ${alone.addedP99Ms.toFixed(2)} ms (p50 ${alone.addedP50Ms.toFixed(2)} ms)`,
        baseline: nginxFigure,
        ratio: alone.perCpu / ng.perCpu,
        goal: "—",
        ok: undefined,
      },
    ];
  } finally {
    await kill(proxy);
    await nginx?.stop();
    await d.client.removeApp("lb").catch(() => {});
  }
}

/** From `apply` of an app of 10 replicas (each a small HTTP server with a health check) to all ready. */
async function applyTen(d: TestDaemon): Promise<Row> {
  const server = "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1')";
  const text = `kind: App
name: ten
spec:
  command: [node, -e, ${JSON.stringify(server)}]
  replicas: 10
  ports: [{name: http}]
  health: {http: {path: /, port: http}, interval: 100ms, startPeriod: 30s}
`;
  const t0 = performance.now();
  await d.client.apply([{ name: "ten.yaml", text }]);
  await untilReady(d, "ten", 10, 60_000);
  const ms = performance.now() - t0;
  await d.client.removeApp("ten");
  return {
    what: "apply of 10 replicas (node HTTP servers, HTTP health check) to all ready",
    value: `${(ms / 1000).toFixed(2)} s`,
    baseline: "",
    ratio: undefined,
    goal: "—",
    ok: undefined,
  };
}
