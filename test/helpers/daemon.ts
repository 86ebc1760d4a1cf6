// Starts a real bosund with its own temp state root and socket, so test files run in parallel,
// and cleans up every process it started, by pid: the daemon, and every shim and container
// process group recorded under its state root (shims outlive the daemon by design).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { BosunClient } from "../../src/api/client.ts";
import { nodeTransport } from "../../src/cli/transport.ts";
import { detectCgroups } from "../../src/runtime/cgroup/detect.ts";
import { isAlive, readPidFile } from "../../src/runtime/proc.ts";

export const REPO = resolve(import.meta.dirname, "../..");
export const BOSUND = join(REPO, "dist/bosund.js");
export const BOSUN = join(REPO, "dist/bosun.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestDaemon {
  root: string;
  socket: string;
  pid: number;
  client: BosunClient;
  /** Runs the real CLI against this daemon. */
  cli(
    args: string[],
    opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<RunResult>;
  /** Starts the CLI and hands back the child, for streaming tests. */
  spawnCli(args: string[]): ChildProcess;
  kill9(): Promise<void>;
  /** SIGKILL to the daemon's whole process group (the daemon and its shim launcher). */
  kill9Group(): Promise<void>;
  /** SIGTERM, and the daemon's exit code once it is gone. */
  terminate(): Promise<number | null>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The node flags dist/bosund.js asks for on its `#!/usr/bin/env -S node …` line. */
function daemonNodeFlags(): string[] {
  const first = readFileSync(BOSUND, "utf8").slice(0, 200).split("\n")[0]!;
  return first.split(" ").filter((w) => w.startsWith("--"));
}

async function launch(root: string, socket: string, args: readonly string[]): Promise<ChildProcess> {
  const argv = [...daemonNodeFlags(), BOSUND, "--root", root, "--socket", socket, ...args];
  const child = spawn(process.execPath, argv, {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      BOSUN_LOG_LEVEL: process.env.BOSUN_LOG_LEVEL ?? "info",
      BOSUN_CGROUP_PARENT: cgroupParent(root),
    },
    // Its own process group, so a test can kill the whole group as a terminal's Ctrl-\ would.
    detached: true,
  });
  let log = "";
  await new Promise<void>((ok, fail) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes("bosund ready")) {
        child.stderr!.off("data", onData);
        child.stderr!.resume();
        ok();
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => fail(new Error(`bosund exited with ${code} before it was ready:\n${log}`)));
  });
  child.removeAllListeners("exit");
  return child;
}

/** `args`: more bosund flags (quotas), kept across restart(). */
export async function startDaemon(args: readonly string[] = []): Promise<TestDaemon> {
  const root = await mkdtemp(join(tmpdir(), "bosun-test-"));
  const socket = join(root, "bosun.sock");
  let child = await launch(root, socket, args);
  const client = new BosunClient(nodeTransport(socket));
  const d: TestDaemon = {
    root,
    socket,
    get pid() {
      return child.pid!;
    },
    client,
    cli(args, opts = {}) {
      return new Promise((ok) => {
        const c = spawn(process.execPath, [BOSUN, ...args], {
          env: { ...process.env, BOSUN_SOCKET: socket, ...opts.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        c.stdout.on("data", (b) => (stdout += b));
        c.stderr.on("data", (b) => (stderr += b));
        const timer = setTimeout(() => c.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
        c.on("close", (code, sig) => {
          clearTimeout(timer);
          ok({ code: code ?? (sig ? 128 : 1), stdout, stderr });
        });
        if (opts.input !== undefined) c.stdin.end(opts.input);
        else c.stdin.end();
      });
    },
    spawnCli(args) {
      return spawn(process.execPath, [BOSUN, ...args], {
        env: { ...process.env, BOSUN_SOCKET: socket },
        stdio: ["pipe", "pipe", "pipe"],
      });
    },
    async kill9() {
      const exited = new Promise((ok) => child.once("exit", ok));
      child.kill("SIGKILL");
      await exited;
    },
    async kill9Group() {
      const exited = new Promise((ok) => child.once("exit", ok));
      process.kill(-child.pid!, "SIGKILL");
      await exited;
    },
    async terminate() {
      const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
      child.kill("SIGTERM");
      return exited;
    },
    async restart() {
      child = await launch(root, socket, args);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // The clean path first: the daemon stops and removes what it runs. Apps go first, or
        // their controller would start new replicas while the containers are removed.
        const apps = await client.apps().catch(() => []);
        await Promise.all(apps.map((a) => client.removeApp(a.name).catch(() => {})));
        const all = await client.list({ all: true }).catch(() => []);
        await Promise.all(all.map((c) => client.remove(c.id, { force: true }).catch(() => {})));
        const exited = new Promise((ok) => child.once("exit", ok));
        child.kill("SIGKILL");
        await exited;
      }
      await killRecorded(root);
      await removeCgroups(root);
      await rm(root, { recursive: true, force: true });
    },
  };
  return d;
}

/** Each test daemon's cgroups live under their own parent, so its cleanup finds them all. */
export function cgroupParent(root: string): string {
  return `bosun-test/${basename(root)}`;
}

/** Removes a test daemon's cgroups (after its processes are killed): its parent in every hierarchy. */
export async function removeCgroups(root: string): Promise<void> {
  const detected = await detectCgroups({ parent: cgroupParent(root) });
  const ids = await readdir(join(root, "containers")).catch(() => [] as string[]);
  await Promise.all(ids.map((id) => detected.driver?.remove(id).catch(() => {})));
  for (const hierarchy of await readdir(CGROUP_ROOT).catch(() => [] as string[]))
    await rmdir(join(CGROUP_ROOT, hierarchy, cgroupParent(root))).catch(() => {});
}

const CGROUP_ROOT = "/sys/fs/cgroup";

/** SIGKILLs every shim and container process group recorded under a state root. */
export async function killRecorded(root: string): Promise<void> {
  const dir = join(root, "containers");
  const ids = await readdir(dir).catch(() => [] as string[]);
  for (const id of ids) {
    for (const file of ["container.pid", "shim.pid"]) {
      const rec = await readPidFile(join(dir, id, file));
      if (!rec || !(await isAlive(rec.pid, rec.startTime))) continue;
      if (file === "container.pid") tryKill(-rec.pid);
      tryKill(rec.pid);
    }
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
