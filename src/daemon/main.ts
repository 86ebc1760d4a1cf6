// bosund: wiring, the listening socket, and signals. Containers are held by their shims; this
// process can die or restart at any moment without taking one down.
import { existsSync } from "node:fs";
import { access, chmod, constants, mkdir, rm } from "node:fs/promises";
import { connect } from "node:net";
import { arch, platform, release } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pino from "pino";
import { resolveRoot, resolveSocket } from "../config/paths.ts";
import { Balancers } from "../control/apps/balancers.ts";
import { AppController } from "../control/apps/controller.ts";
import { NginxBalancers } from "../control/apps/nginx-balancers.ts";
import { HealthMonitor } from "../control/health/health-monitor.ts";
import { EventLog } from "../control/store/event-log.ts";
import { openSqliteStore } from "../control/store/sqlite/sqlite-store.ts";
import { Admission, parseQuotas, type Quotas } from "../runtime/admission.ts";
import { writeFileAtomic } from "../runtime/atomic-write.ts";
import { DEFAULT_PARENT } from "../runtime/cgroup/cgroup.ts";
import { detectCgroups } from "../runtime/cgroup/detect.ts";
import { EventBus } from "../runtime/event-bus.ts";
import { isAlive, readPidFile } from "../runtime/proc.ts";
import { Runtime } from "../runtime/runtime.ts";
import { VERSION } from "../version.ts";
import { buildServer } from "./server.ts";

const USAGE = `Usage: bosund [--root DIR] [--socket PATH] [--shim PATH] [--log-level LEVEL]
              [--max-containers N] [--max-memory SIZE] [--max-per-label KEY=N]...
              [--lb builtin|nginx]

  --root DIR       state directory (env BOSUN_ROOT; default /var/lib/bosun as root,
                   else $XDG_STATE_HOME/bosun)
  --socket PATH    API socket (env BOSUN_SOCKET; default /run/bosun/bosun.sock as root,
                   else $XDG_RUNTIME_DIR/bosun/bosun.sock)
  --shim PATH      the bosun-shim binary (env BOSUN_SHIM; default: the one this package built)
  --log-level L    trace, debug, info, warn, error (env BOSUN_LOG_LEVEL; default info)
  --lb KIND        the apps' load balancer: builtin (default), or nginx (renders, checks with
                   nginx -t and reloads a configuration in ROOT/nginx; nginx must be installed)

Quotas (a create that would pass one is refused; every container that exists counts):
  --max-containers N    at most N containers
  --max-memory SIZE     the containers' memory limits add up to at most SIZE (like 8g); a
                        container without a memory limit is refused
  --max-per-label KEY=N at most N containers per value of label KEY (repeatable)
`;

function fail(message: string): never {
  process.stderr.write(`bosund: ${message}\n`);
  process.exit(1);
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      ok(true);
    });
    s.once("error", () => ok(false));
  });
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseOpts>;
  let quotas: Quotas;
  try {
    args = parseOpts();
    quotas = parseQuotas({
      maxContainers: args["max-containers"],
      maxMemory: args["max-memory"],
      maxPerLabel: args["max-per-label"],
    });
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(`bosund ${VERSION}\n`);
    return;
  }
  const root = resolve(resolveRoot(args.root));
  const socket = resolve(resolveSocket(args.socket));
  const here = dirname(fileURLToPath(import.meta.url));
  const shimPath = resolve(args.shim ?? process.env.BOSUN_SHIM ?? `${here}/../shim/build/bosun-shim`);
  const log = pino(
    { level: args["log-level"] ?? process.env.BOSUN_LOG_LEVEL ?? "info", base: { pid: process.pid } },
    pino.destination(2),
  );

  await access(shimPath, constants.X_OK).catch(() =>
    fail(
      `the shim is missing at ${shimPath}: build it with \`npm install\` (or \`make -C shim\`), or pass --shim`,
    ),
  );
  await mkdir(root, { recursive: true, mode: 0o700 });
  const pidFile = `${root}/bosund.pid`;
  const other = await readPidFile(pidFile);
  if (other && other.pid !== process.pid && (await isAlive(other.pid, other.startTime))) {
    fail(`another bosund (pid ${other.pid}) already uses the state root ${root}`);
  }
  if (existsSync(socket)) {
    if (await socketAnswers(socket)) fail(`another bosund already listens on ${socket}`);
    await rm(socket, { force: true });
  }
  const { readStat } = await import("../runtime/proc.ts");
  const self = await readStat(process.pid);
  await writeFileAtomic(pidFile, `${process.pid} ${self?.startTime ?? 0}\n`);

  const started = Date.now();
  const store = openSqliteStore(root);
  // Every event goes to the store (in batches), and seqs go on from the last one stored, so that
  // history and live events are one sequence across restarts.
  const eventLog = new EventLog(store, { onError: (err, what) => log.warn({ err }, what) });
  const events = new EventBus({ lastSeq: await store.lastEventSeq(), sink: (e) => eventLog.append(e) });
  const background = new AbortController();
  const pruning = eventLog.run(background.signal);
  const cgroups = await detectCgroups({ parent: process.env.BOSUN_CGROUP_PARENT ?? DEFAULT_PARENT });
  if (!cgroups.driver) log.warn({ reason: cgroups.reason }, "no cgroups: containers run without limits");
  const uid = process.getuid?.() ?? -1;
  const admission = await Admission.open(root, quotas, (why) => log.warn(why));
  const runtime = new Runtime({ root, shimPath, log, events, host: { cgroups, uid }, admission });
  await runtime.recover();
  const lb = args.lb ?? "builtin";
  if (lb !== "builtin" && lb !== "nginx") fail(`--lb: expected builtin or nginx, got "${lb}"\n${USAGE}`);
  const balancers = lb === "nginx" ? new NginxBalancers(root, log) : new Balancers(log);
  const health = new HealthMonitor();
  runtime.setHealthSource((id) => health.state(id));
  const apps = new AppController({
    store,
    runtime,
    health,
    events,
    log,
    balancer: balancers,
  });
  await apps.start();

  const version = () => ({
    version: VERSION,
    apiVersion: "v1",
    node: process.version,
    os: platform(),
    arch: arch(),
  });
  const app = await buildServer({
    runtime,
    events,
    history: eventLog,
    admission,
    apps,
    log,
    version,
    info: () => ({
      version: VERSION,
      root,
      socket,
      pid: process.pid,
      shim: shimPath,
      kernel: release(),
      cgroup: cgroups.support.summary,
      isolation:
        uid === 0
          ? "pid, mount, uts, ipc, net namespaces; rootfs; users; capabilities"
          : `none: needs root (uid ${uid})`,
      containers: runtime.counts(),
      memoryRss: process.memoryUsage.rss(),
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
    }),
  });

  await mkdir(dirname(socket), { recursive: true, mode: 0o755 });
  await app.listen({ path: socket });
  // The socket is the local capability: owner and group only.
  await chmod(socket, 0o660);
  log.info({ root, socket, containers: runtime.counts().total }, "bosund ready");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down; containers keep running");
    apps.close();
    await balancers.close();
    runtime.close();
    await app.close().catch(() => {});
    background.abort();
    await pruning;
    await eventLog.close();
    await store.close().catch(() => {});
    await rm(pidFile, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => {});
}

function parseOpts() {
  return parseArgs({
    options: {
      root: { type: "string" },
      socket: { type: "string" },
      shim: { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
      "max-containers": { type: "string" },
      "max-memory": { type: "string" },
      "max-per-label": { type: "string", multiple: true },
      lb: { type: "string" },
    },
    strict: true,
  }).values;
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
