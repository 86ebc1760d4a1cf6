// Helpers for the isolation tests: a shim started with isolation options, and runs to the end.
import { spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { DEFAULT_CAPABILITIES } from "../../src/runtime/isolation.ts";
import { adoptShim, type ExitFile, SHIM, type Shim, type ShimOptions, shimArgs, tempDir } from "./helpers.ts";

/** bosund's capability set for isolated containers: Docker's default. */
export const DEFAULT_CAPS = DEFAULT_CAPABILITIES.join(",");
/** Those capabilities as /proc/PID/status prints a set. */
export const DEFAULT_CAPS_MASK = "00000000a80425fb";

/** Why the isolation tests cannot run here, or false. */
export function needsRoot(): string | false {
  return process.getuid?.() === 0 ? false : "needs root: namespaces and mounts";
}

/**
 * Starts a shim holding `command` with isolation options (`--ns pid,mount`, `--rootfs DIR`, …),
 * placed before the `--`; resolves once it printed `ready`.
 */
export async function startIsolated(
  command: string[],
  isolation: string[],
  o: ShimOptions = {},
): Promise<Shim> {
  const dir = await tempDir();
  const base = shimArgs(dir, command, o);
  const cut = base.indexOf("--");
  const args = [...base.slice(0, cut), ...isolation, ...base.slice(cut)];
  const child = spawn(SHIM, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  await new Promise((resolve) => child.on("close", resolve));
  if (!out.startsWith("ready ")) throw new Error(`shim did not start: ${out}${err}`);
  return adoptShim(dir, out.trim());
}

/** Starts an isolated container, lets it run to its end, and returns the S reply (`ok PID` or
 * `err MESSAGE`), exit.json and the logged output. */
export async function runIsolated(
  command: string[],
  isolation: string[],
  o: ShimOptions = {},
): Promise<{ reply: string; exit: ExitFile; stdout: string; stderr: string; shim: Shim }> {
  const shim = await startIsolated(command, isolation, o);
  const reply = await shim.start().catch((e: Error) => `err ${e.message}`);
  const exit = await shim.waitExit();
  return {
    reply,
    exit,
    stdout: (await shim.output("stdout")).toString(),
    stderr: (await shim.output("stderr")).toString(),
    shim,
  };
}

/** The namespace a process is in, as /proc/PID/ns/NAME names it ("net:[4026531840]"). */
export function nsOf(pid: number | "self", name: string): string {
  return readlinkSync(`/proc/${pid}/ns/${name}`);
}

/** The NSpid line of /proc/PID/status: its pid in each namespace, outermost first. */
export function nsPids(pid: number): number[] {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("NSpid:"));
  return (line ?? "").slice(6).trim().split(/\s+/).map(Number);
}

/** Mount points of the host whose path or source mentions `text`. */
export function hostMountsMentioning(text: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes(text));
}
