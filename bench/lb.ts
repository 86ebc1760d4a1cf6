// The load balancer: requests per CPU-second of the proxy and added p99 latency, against nginx
// proxying to the same backends in the same run (wrk drives both); and the time from `apply`
// of 10 replicas to all of them ready.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestDaemon } from "../test/helpers/daemon.ts";
import { freePort } from "../test/helpers/net.ts";
import type { Row } from "./report.ts";

const run = promisify(execFile);
const DURATION = process.env.BOSUN_BENCH_LB_SECONDS ?? "5";

async function has(cmd: string): Promise<boolean> {
  return run("sh", ["-c", `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );
}

function backend(): Promise<{ server: Server; port: number }> {
  return new Promise((ok) => {
    const server = createServer((_q, s) => s.end("hello\n"));
    server.keepAliveTimeout = 60_000;
    server.listen(0, "127.0.0.1", () => ok({ server, port: (server.address() as { port: number }).port }));
  });
}

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, at 100 ticks per second
}

/** Sum over a process and its children (nginx's workers). */
async function treeCpu(pids: number[]): Promise<number> {
  let t = 0;
  for (const p of pids) t += await cpuSeconds(p).catch(() => 0);
  return t;
}

interface WrkResult {
  rps: number;
  p99Ms: number;
}

/** Throughput with 16 connections; latency with 1, so the machine's 2 cores are not saturated. */
async function wrk(port: number, connections = 16): Promise<WrkResult> {
  const { stdout } = await run("wrk", [
    "-t1",
    `-c${connections}`,
    `-d${DURATION}s`,
    "--latency",
    `http://127.0.0.1:${port}/`,
  ]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99Ms = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : Number.NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(stdout);
  if (errors) throw new Error(`wrk saw errors: ${errors[0]}`);
  return { rps, p99Ms };
}

async function measure(port: number, pids: () => Promise<number[]>): Promise<WrkResult & { perCpu: number }> {
  const before = await treeCpu(await pids());
  const r = await wrk(port);
  const cpu = (await treeCpu(await pids())) - before;
  const { p99Ms } = await wrk(port, 1);
  return { rps: r.rps, p99Ms, perCpu: (r.rps * Number(DURATION)) / cpu };
}

export async function lb(d: TestDaemon): Promise<Row[]> {
  const rows: Row[] = [];
  if (!(await has("wrk")) || !(await has("nginx"))) {
    process.stderr.write("bench lb: needs wrk and nginx (apt-get install wrk nginx-light); skipped\n");
  } else {
    const backends = await Promise.all([backend(), backend()]);
    const ports = backends.map((b) => b.port);
    const direct = await wrk(ports[0]!, 1);
    // bosun's balancer, in a process of its own.
    const bosunPort = await freePort();
    const proxy: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", "bench/lb-proxy.ts", String(bosunPort), ...ports.map(String)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((ok) => proxy.stdout!.once("data", ok));
    const bosun = await measure(bosunPort, async () => [proxy.pid!]);
    proxy.kill("SIGKILL");
    // nginx, one worker, keep-alive upstreams, the same backends.
    const dir = await mkdtemp(join(tmpdir(), "bosun-bench-nginx-"));
    const nginxPort = await freePort();
    await writeFile(
      join(dir, "nginx.conf"),
      `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off;
  upstream app { ${ports.map((p) => `server 127.0.0.1:${p};`).join(" ")} keepalive 64; }
  server { listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
    );
    const nginx = spawn("nginx", ["-c", join(dir, "nginx.conf"), "-p", dir], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 500));
    const workers = async () => {
      const { stdout } = await run("pgrep", ["-P", String(nginx.pid)]).catch(() => ({ stdout: "" }));
      return [nginx.pid!, ...stdout.split("\n").filter(Boolean).map(Number)];
    };
    const ng = await measure(nginxPort, workers);
    nginx.kill("SIGQUIT");
    await new Promise((r) => nginx.once("exit", r));
    await rm(dir, { recursive: true, force: true });
    for (const b of backends) b.server.close();
    rows.push(
      {
        what: `balancer requests per CPU-second (wrk -c16, ${DURATION} s, 2 node backends)`,
        value: `${Math.round(bosun.perCpu)} (${Math.round(bosun.rps)} req/s)`,
        baseline: `nginx ${Math.round(ng.perCpu)} (${Math.round(ng.rps)} req/s)`,
        ratio: bosun.perCpu / ng.perCpu,
        goal: "≥ 40% of nginx",
        ok: bosun.perCpu / ng.perCpu >= 0.4,
      },
      {
        what: "balancer added p99 latency, one connection (through it − direct to a backend)",
        value: `${(bosun.p99Ms - direct.p99Ms).toFixed(2)} ms`,
        baseline: `nginx ${(ng.p99Ms - direct.p99Ms).toFixed(2)} ms; direct p99 ${direct.p99Ms.toFixed(2)} ms`,
        ratio: undefined,
        goal: "≤ 2 ms",
        ok: bosun.p99Ms - direct.p99Ms <= 2,
      },
    );
  }
  rows.push(await applyTen(d));
  return rows;
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
  for (;;) {
    const a = await d.client.app("ten");
    if (a.ready === 10) break;
    await new Promise((r) => setTimeout(r, 20));
  }
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
