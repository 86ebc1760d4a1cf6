// Helpers for the tests against the host's real cgroups.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface Started {
  child: ChildProcess;
  pid: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far. */
  output(): string;
}

const started: Started[] = [];

/**
 * Starts `cmd` held back until its pid was written to each directory's cgroup.procs, as the shim
 * does with its sync pipe, so the command runs only inside the cgroup.
 */
export async function startIn(dirs: readonly string[], cmd: string[]): Promise<Started> {
  const child = spawn("sh", ["-c", 'read _ && exec "$@"', "sh", ...cmd], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const exit = once(child, "exit").then(([code, signal]) => ({ code, signal }));
  await once(child, "spawn");
  let out = "";
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const s: Started = { child, pid: child.pid!, exit, output: () => out };
  started.push(s);
  for (const d of dirs) await writeFile(join(d, "cgroup.procs"), String(s.pid));
  child.stdin!.end("\n");
  return s;
}

/** SIGKILLs every process startIn() started that is still running, by pid. */
export function killStarted(): void {
  for (const s of started)
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGKILL");
}

/** Re-checks until `f` returns something truthy; the test's timeout bounds it. */
export async function waitFor<T>(f: () => Promise<T> | T): Promise<NonNullable<T>> {
  for (;;) {
    const v = await f();
    if (v) return v;
    await delay(10);
  }
}

/** The state letter of /proc/PID/stat, or undefined when it is gone. */
export async function procState(pid: number): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return text?.slice(text.lastIndexOf(")") + 2).split(" ")[0];
}

export async function comm(pid: number): Promise<string | undefined> {
  return (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => undefined))?.trim();
}
