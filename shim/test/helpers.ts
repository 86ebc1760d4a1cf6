// Black-box helpers for bosun-shim: start the binary in a temporary state directory, talk to
// it through ctl.sock, read its files, and kill every process a test started, by pid.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ExecTerminal,
  encodeExec,
  ShimConnection,
  type ShimConnectionHandlers,
  type ShimEvent,
} from "../../src/runtime/shim-protocol.ts";

export const SHIM = fileURLToPath(new URL("../build/bosun-shim", import.meta.url));

export interface ShimOptions {
  restart?: string;
  stdin?: boolean;
  tty?: boolean;
  cwd?: string;
  logMaxSize?: number;
  logMaxFiles?: number;
}

export interface ExitFile {
  exitCode: number;
  signal: number | null;
  finishedAt: string;
  reason: "exited" | "stopped" | "exec-failed" | "lifetime" | "stale";
  restarts: number;
  error?: string;
  oomKilled: boolean;
}

export interface StatusFile {
  state: "created" | "running" | "paused" | "restarting" | "exited";
  pid: number;
  pidStart: number;
  restarts: number;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: number | null;
  stoppedByUser: boolean;
  oomKills: number;
  oomKilled: boolean;
  execs: ExecEntry[];
}

export interface ExecEntry {
  id: number;
  pid: number;
  tty: boolean;
  command: string[];
}

export interface LogRecord {
  time: string;
  stream: "stdout" | "stderr";
  tag: "F" | "P";
  text: Buffer;
}

// Everything to kill in the `after` hook, even when a test fails half-way. A pid is killed only
// while it still names the same process (same start time): pids are reused.
interface Tracked {
  pid: number;
  start: number;
}
const shims = new Set<Shim>();
const tracked: Tracked[] = [];
const dirs = new Set<string>();

/** Registers a process that a test started itself (an intermediate sh, a grandchild). */
export function track(pid: number): void {
  const start = procStat(pid)?.start;
  if (start !== undefined) tracked.push({ pid, start });
}

export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A process is alive if /proc says so and it is not a zombie (kill(pid, 0) would lie). */
export function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== "Z";
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  start: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    start: Number(f[19]),
  };
}

function allProcs(): ProcStat[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map((n) => procStat(Number(n)))
    .filter((p): p is ProcStat => p !== undefined);
}

/** Every live process below `root` (by parent links) or in its session. */
export function descendants(root: number): number[] {
  const procs = allProcs();
  const out = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (out.has(p.pid) || p.pid === root || p.state === "Z") continue;
      if (p.ppid === root || p.session === root || out.has(p.ppid)) {
        out.add(p.pid);
        grew = true;
      }
    }
  }
  return [...out];
}

function kill(t: Tracked | undefined): void {
  if (!t || procStat(t.pid)?.start !== t.start) return;
  try {
    process.kill(t.pid, "SIGKILL");
  } catch {}
}

function trackedNow(pid: number): Tracked | undefined {
  const start = procStat(pid)?.start;
  return start === undefined ? undefined : { pid, start };
}

/** Kills every shim, container and tracked process of this test file, by pid. */
export async function cleanup(): Promise<void> {
  for (const s of shims) {
    for (const c of s.connections) c.close();
    const shimAlive = procStat(s.pid)?.start === s.startTime;
    const victims = shimAlive ? descendants(s.pid).map(trackedNow) : [];
    try {
      victims.push(s.pidFile("container.pid"));
    } catch {}
    // Its session and those its processes lead (a terminal's) outlive the shim: what was in them
    // (re-parented to init by now) goes too.
    const sessions = new Set(shimAlive ? [s.pid, ...victims.map((v) => v?.pid)] : []);
    kill({ pid: s.pid, start: s.startTime });
    for (const v of victims) kill(v);
    for (const p of allProcs()) if (sessions.has(p.session)) kill(p);
  }
  for (const t of tracked) kill(t);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  shims.clear();
  tracked.length = 0;
  dirs.clear();
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bosun-shim-test-"));
  dirs.add(dir);
  return dir;
}

export function shimArgs(dir: string, command: string[], o: ShimOptions = {}): string[] {
  const args = ["--dir", dir];
  if (o.cwd !== undefined) args.push("--cwd", o.cwd);
  if (o.restart !== undefined) args.push("--restart", o.restart);
  if (o.stdin) args.push("--stdin");
  if (o.tty) args.push("--tty");
  if (o.logMaxSize !== undefined) args.push("--log-max-size", String(o.logMaxSize));
  if (o.logMaxFiles !== undefined) args.push("--log-max-files", String(o.logMaxFiles));
  return [...args, "--", ...command];
}

/** Reads the first line a process writes to stdout (the shim's `ready ...` or `error ...`). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (d: Buffer) => {
      text += d.toString();
      const nl = text.indexOf("\n");
      if (nl >= 0) resolve(text.slice(0, nl));
    });
    child.stdout!.on("end", () => resolve(text));
    child.on("error", reject);
  });
}

/** Runs the shim binary to completion of its first process (arguments errors, start-up). */
export function runShim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SHIM, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const m = /^ready (\d+) (\d+)/.exec(stdout);
      if (m) adopt(args[args.indexOf("--dir") + 1]!, Number(m[1]), Number(m[2]));
      resolve({ code, stdout, stderr });
    });
  });
}

function adopt(dir: string, pid: number, containerPid: number): Shim {
  const s = new Shim(dir, pid, procStat(pid)?.start ?? -1, containerPid);
  shims.add(s);
  return s;
}

/** Starts a shim holding `command` (state created) and returns once it printed `ready`. */
export async function startShim(command: string[], o: ShimOptions = {}, dir?: string): Promise<Shim> {
  const d = dir ?? (await tempDir());
  const r = await runShim(shimArgs(d, command, o));
  const m = /^ready (\d+) (\d+)\n$/.exec(r.stdout);
  if (!m) throw new Error(`shim did not start: ${JSON.stringify(r)}`);
  return [...shims].find((s) => s.pid === Number(m[1]))!;
}

/** Adopts a shim started some other way (for cleanup and the same helpers). */
export function adoptShim(dir: string, readyLine: string): Shim {
  const m = /^ready (\d+) (\d+)$/.exec(readyLine);
  if (!m) throw new Error(`not a ready line: ${readyLine}`);
  return adopt(dir, Number(m[1]), Number(m[2]));
}

/** A connection subscribed to events (W), collecting them in order. */
export class EventLog {
  readonly events: ShimEvent[] = [];
  constructor(readonly conn: ShimConnection) {}

  of(type: string): ShimEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** The first event (already received or to come) that matches. */
  wait(pred: (e: ShimEvent) => boolean, what: string, timeoutMs?: number): Promise<ShimEvent> {
    return waitFor(() => this.events.find(pred), what, timeoutMs);
  }

  waitFinal(): Promise<ShimEvent> {
    return this.wait((e) => e.type === "exit" && e.final === true, "the final exit event");
  }
}

/** A connection attached to output, collecting what it receives. */
export interface Attached {
  conn: ShimConnection;
  stdout: () => Buffer;
  stderr: () => Buffer;
  closed: () => boolean;
}

export class Shim {
  readonly connections: ShimConnection[] = [];
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly startTime: number, // field 22 of /proc/PID/stat, to tell it from a reused pid
    public containerPid: number,
  ) {}

  get sock(): string {
    return join(this.dir, "ctl.sock");
  }

  async connect(handlers: ShimConnectionHandlers = {}): Promise<ShimConnection> {
    const c = await ShimConnection.open(this.sock, handlers);
    this.connections.push(c);
    return c;
  }

  async subscribe(): Promise<EventLog> {
    let log: EventLog | undefined;
    const early: ShimEvent[] = [];
    const conn = await this.connect({ onEvent: (e) => (log ? log.events.push(e) : early.push(e)) });
    log = new EventLog(conn);
    log.events.push(...early);
    await conn.request("W");
    // The status event follows the reply, possibly in a later read.
    await log.wait((e) => e.type === "status", "the status event after W");
    return log;
  }

  async attach(words = "stdout stderr"): Promise<Attached> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let closed = false;
    const conn = await this.connect({
      onOutput: (s, d) => (s === "stdout" ? out : err).push(Buffer.from(d)),
      onClose: () => {
        closed = true;
      },
    });
    await conn.request("A", words);
    return { conn, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err), closed: () => closed };
  }

  /** Sends S on a fresh connection; resolves with the reply ("ok PID"). */
  async start(): Promise<string> {
    const c = await this.connect();
    const r = await c.request("S");
    const m = /^ok (\d+)$/.exec(r);
    if (m) this.containerPid = Number(m[1]);
    return r;
  }

  async request(
    type: "S" | "K" | "T" | "A" | "W" | "P" | "U" | "X",
    payload: Buffer | string = "",
  ): Promise<string> {
    const c = await this.connect();
    return c.request(type, payload);
  }

  readJson<T>(name: string): T | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, name), "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  status(): StatusFile {
    return this.readJson<StatusFile>("status.json")!;
  }

  /** Waits for exit.json, for the shim process itself to be gone, and for the final exit event
   * to have reached `events` (it may still be in flight when the shim is gone). */
  async waitExit(events?: EventLog): Promise<ExitFile> {
    const exit = await waitFor(() => this.readJson<ExitFile>("exit.json"), "exit.json");
    await waitFor(() => !alive(this.pid), "the shim to exit");
    await events?.waitFinal();
    return exit;
  }

  pidFile(name: "shim.pid" | "container.pid"): Tracked {
    const [pid, start] = readFileSync(join(this.dir, name), "utf8").trim().split(" ").map(Number);
    return { pid: pid!, start: start! };
  }

  logFiles(): string[] {
    return readdirSync(this.dir)
      .filter((n) => /^container\.log(\.\d+)?$/.test(n))
      .sort((a, b) => logIndex(b) - logIndex(a)); // oldest first
  }

  /** Every record of container.log and its rotated files, oldest first. */
  async records(): Promise<LogRecord[]> {
    for (;;) {
      try {
        let all: LogRecord[] = [];
        for (const f of this.logFiles()) all = all.concat(parseRecords(await readFile(join(this.dir, f))));
        return all;
      } catch (e) {
        // A rotation renamed a file between listing and reading: read them again.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }

  /** The bytes of a stream, rebuilt from the log records. */
  async output(stream: "stdout" | "stderr" = "stdout"): Promise<Buffer> {
    return reconstruct(await this.records(), stream);
  }

  exists(name: string): boolean {
    return existsSync(join(this.dir, name));
  }
}

function logIndex(name: string): number {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

/** Parses CRI records (`TIME STREAM TAG TEXT`), byte-exact: TEXT may be any bytes but \n. */
export function parseRecords(data: Buffer): LogRecord[] {
  const out: LogRecord[] = [];
  let off = 0;
  while (off < data.length) {
    let nl = data.indexOf(0x0a, off);
    if (nl < 0) nl = data.length;
    const line = data.subarray(off, nl);
    off = nl + 1;
    const s1 = line.indexOf(0x20);
    const head = line.subarray(0, s1 + 10).toString("latin1");
    const m = /^(\S+) (stdout|stderr) ([FP]) $/.exec(head);
    if (!m) throw new Error(`not a CRI record: ${JSON.stringify(line.toString())}`);
    out.push({
      time: m[1]!,
      stream: m[2] as "stdout" | "stderr",
      tag: m[3] as "F" | "P",
      text: Buffer.from(line.subarray(s1 + 10)),
    });
  }
  return out;
}

/** Concatenates a stream's records, a newline after each F: the stream's bytes exactly. */
export function reconstruct(records: LogRecord[], stream: "stdout" | "stderr"): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    if (r.stream !== stream) continue;
    parts.push(r.text);
    if (r.tag === "F") parts.push(Buffer.from("\n"));
  }
  return Buffer.concat(parts);
}

/** Output as text, once the attached connection has received `want`. */
export async function waitOutput(
  a: Attached,
  want: string,
  stream: "stdout" | "stderr" = "stdout",
): Promise<string> {
  return waitFor(
    () => {
      const text = (stream === "stdout" ? a.stdout() : a.stderr()).toString();
      return text.includes(want) ? text : undefined;
    },
    `${stream} to contain ${JSON.stringify(want)}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The state letter of /proc/PID/stat (R, S, T, Z, …), or undefined when the process is gone. */
export function procState(pid: number): string | undefined {
  return procStat(pid)?.state;
}

/** An exec session (X) on its own connection: what it received, in order. */
export interface Session {
  conn: ShimConnection;
  reply: string;
  /** The exec'd pid, from an `ok` reply; 0 after an `err`. */
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exit: () => ShimEvent | undefined;
  order: string[];
}

/** Sends X on a fresh connection; the exec'd process is tracked for cleanup. */
export async function exec(
  s: Shim,
  command: string[],
  env: Record<string, string> = {},
  term: ExecTerminal = {},
): Promise<Session> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const order: string[] = [];
  let exit: ShimEvent | undefined;
  const conn = await s.connect({
    onOutput: (st, d) => {
      order.push(st);
      (st === "stdout" ? out : err).push(Buffer.from(d));
    },
    onEvent: (e) => {
      order.push(String(e.type));
      if (e.type === "exec-exit") exit = e;
    },
  });
  const reply = await conn
    .request("X", encodeExec(command, env, term))
    .catch((e: Error) => `err ${e.message}`);
  const m = /^ok \d+ (\d+)$/.exec(reply);
  if (m) track(Number(m[1]));
  return {
    conn,
    reply,
    pid: m ? Number(m[1]) : 0,
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => Buffer.concat(err).toString(),
    exit: () => exit,
    order,
  };
}

/** The process group and session of a process, or undefined when it is gone. */
export function procIds(pid: number): { pgrp: number; session: number } | undefined {
  const st = procStat(pid);
  return st && { pgrp: st.pgrp, session: st.session };
}
