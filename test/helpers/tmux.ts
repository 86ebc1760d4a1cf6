// A person at a terminal, for the terminal tests: a private tmux server whose one pane runs a
// shell with `bosun` on its PATH. Tests type into it (send-keys), read the screen
// (capture-pane), resize the window, and the server is killed by pid at the end.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { BOSUN } from "./daemon.ts";

const run = promisify(execFile);

export const HOST_PROMPT = "host$ ";

/** True when the screen's last non-empty line is the host shell's prompt: the CLI has returned. */
export function atHostPrompt(screen: string): boolean {
  return (screen.trimEnd().split("\n").at(-1) ?? "") === HOST_PROMPT.trimEnd();
}

/** Why the terminal tests cannot run here, or undefined when they can. */
export async function tmuxMissing(): Promise<string | undefined> {
  try {
    await run("tmux", ["-V"]);
    return undefined;
  } catch {
    return "tmux is not installed (.ci/run installs it)";
  }
}

export class Tmux {
  private constructor(
    private readonly dir: string,
    private readonly socket: string,
    private readonly serverPid: number,
    /** The pane's shell: a session leader, so the CLIs started in it are in its session. */
    private readonly panePid: number,
  ) {}

  /** A `rows` × `cols` window whose shell talks to the daemon on `bosunSocket`. */
  static async start(bosunSocket: string, size: { rows: number; cols: number }): Promise<Tmux> {
    const dir = await mkdtemp(join(tmpdir(), "bosun-tmux-"));
    const bin = join(dir, "bin");
    await run("mkdir", [bin]);
    await writeFile(join(bin, "bosun"), `#!/bin/sh\nexec "${process.execPath}" "${BOSUN}" "$@"\n`);
    await chmod(join(bin, "bosun"), 0o755);
    const socket = join(dir, "tmux.sock");
    const env = {
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: dir,
      TERM: "xterm",
      BOSUN_SOCKET: bosunSocket,
      ENV: await promptFile(dir, "host", HOST_PROMPT),
    };
    const base = ["-S", socket, "-f", "/dev/null"];
    await run(
      "tmux",
      [...base, "new-session", "-d", "-s", "t", "-x", String(size.cols), "-y", String(size.rows), "sh"],
      { env },
    );
    const { stdout } = await run("tmux", [...base, "display-message", "-p", "#{pid} #{pane_pid}"]);
    const [server, pane] = stdout.trim().split(" ").map(Number);
    const t = new Tmux(dir, socket, server!, pane!);
    try {
      await t.screenShows(atHostPrompt, "the shell's prompt");
    } catch (e) {
      await t.kill(); // nobody else holds it yet
      throw e;
    }
    return t;
  }

  /**
   * A file that sets a shell's prompt, for `ENV=…` (dash, as root, ignores PS1 from the
   * environment but reads $ENV when interactive).
   */
  prompt(name: string, prompt: string): Promise<string> {
    return promptFile(this.dir, name, prompt);
  }

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run("tmux", ["-S", this.socket, ...args]);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "t", "-l", text);
  }

  /** Presses keys by tmux's names: Enter, C-c, C-p, … */
  async press(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "t", ...keys);
  }

  /** Types a line and presses Enter. */
  async line(text: string): Promise<void> {
    await this.type(text);
    await this.press("Enter");
  }

  async screen(): Promise<string> {
    return (await this.tmux("capture-pane", "-p", "-t", "t")).stdout;
  }

  /**
   * Waits until the screen satisfies `check`. A terminal has no event for "this text is on the
   * screen", so this reads the screen every 20 ms; the failure shows the last screen.
   */
  async screenShows(check: RegExp | ((screen: string) => boolean), what: string): Promise<string> {
    const ok = typeof check === "function" ? check : (s: string) => check.test(s);
    const until = Date.now() + 20_000;
    let last = "";
    while (Date.now() < until) {
      last = await this.screen();
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the screen never showed ${what}; it shows:\n${last}`);
  }

  async resize(size: { rows: number; cols: number }): Promise<void> {
    await this.tmux("resize-window", "-t", "t", "-x", String(size.cols), "-y", String(size.rows));
  }

  async clear(): Promise<void> {
    await this.tmux("clear-history", "-t", "t");
  }

  /** Kills the server and every process of the pane's session (a CLI a failed test left). */
  async kill(): Promise<void> {
    const left = await sessionMembers(this.panePid);
    await this.tmux("kill-server").catch(() => {});
    for (const pid of [this.serverPid, ...left]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function promptFile(dir: string, name: string, prompt: string): Promise<string> {
  const path = join(dir, `${name}.rc`);
  await writeFile(path, `PS1='${prompt}'\n`);
  return path;
}

async function sessionMembers(sid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // Fields after the command's closing parenthesis: state ppid pgrp session …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[3]) === sid) pids.push(Number(name));
  }
  return pids;
}
