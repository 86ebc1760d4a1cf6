// Starts a bosun-shim for each container start and waits for its `ready SHIMPID CONTAINERPID`
// line (docs/shim.md). Shims are forked by `bosun-shim --launcher`, a small process kept beside
// the daemon: forking the daemon itself costs milliseconds per start (its page tables are
// large) and stalls the event loop meanwhile. Each shim detaches itself (fork + setsid), so
// neither the launcher's death nor the daemon's touches a running container.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "pino";
import { BosunError } from "../api/errors.ts";
import type { ContainerConfig } from "./container.ts";
import { isolationArgs } from "./isolation.ts";

export interface ShimStarted {
  shimPid: number;
  containerPid: number;
}

export function shimArgs(config: ContainerConfig, dir: string, cgroupDirs: readonly string[] = []): string[] {
  const args = ["--dir", dir, "--cwd", config.cwd, "--restart", config.restart];
  if (config.stdin) args.push("--stdin");
  if (config.tty) args.push("--tty");
  args.push("--log-max-size", String(config.log.maxSize), "--log-max-files", String(config.log.maxFiles));
  args.push(...isolationArgs(config, dir, cgroupDirs));
  return [...args, "--", ...config.command];
}

/** One launch request: a length-prefixed list of NUL-terminated strings (shim/src/launcher.c). */
export function encodeLaunch(tag: string, argv: string[], env: Record<string, string>): Buffer {
  const strings = [tag, String(argv.length), ...argv, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
  const body = Buffer.from(`${strings.join("\0")}\0`);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

type Pending = { name: string; resolve: (s: ShimStarted) => void; reject: (e: Error) => void };

export class ShimLauncher {
  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private partial = "";

  constructor(
    private readonly shimPath: string,
    private readonly log: Logger,
  ) {}

  launch(config: ContainerConfig, dir: string, cgroupDirs: readonly string[] = []): Promise<ShimStarted> {
    const child = this.ensure();
    const tag = String(++this.seq);
    return new Promise((resolve, reject) => {
      this.pending.set(tag, { name: config.name, resolve, reject });
      const argv = ["bosun-shim", ...shimArgs(config, dir, cgroupDirs)];
      child.stdin.write(encodeLaunch(tag, argv, config.env));
    });
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin.end();
  }

  private ensure(): ChildProcessByStdio<Writable, Readable, null> {
    if (this.child) return this.child;
    const child = spawn(this.shimPath, ["--launcher"], { stdio: ["pipe", "pipe", "inherit"] });
    child.stdout.setEncoding("utf8").on("data", (s: string) => this.onLines(s));
    child.stdin.on("error", () => {});
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const [tag, p] of this.pending) {
        this.pending.delete(tag);
        p.reject(new BosunError("shim_failed", `cannot start ${p.name}: the shim launcher ${why}`));
      }
    };
    child.on("error", (e) => gone(`could not run: ${e.message}`));
    child.on("exit", (code, signal) => {
      // After close() this is the expected end; otherwise the next launch starts a new one.
      if (this.child === child) this.log.warn({ code, signal }, "shim launcher exited");
      gone(`exited (${signal ?? code})`);
    });
    this.child = child;
    return child;
  }

  private onLines(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop()!;
    for (const line of lines) {
      const m = /^(\S+) (ready (\d+) (\d+)|error (.*))$/.exec(line);
      const p = m && this.pending.get(m[1]!);
      if (!m || !p) {
        this.log.warn({ line }, "unexpected line from the shim launcher");
        continue;
      }
      this.pending.delete(m[1]!);
      if (m[3]) p.resolve({ shimPid: Number(m[3]), containerPid: Number(m[4]) });
      else p.reject(new BosunError("shim_failed", `cannot start ${p.name}: ${m[5]}`));
    }
  }
}
