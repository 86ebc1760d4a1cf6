// `bosun exec`: run a process in a running container, stream its output, pipe stdin with -i
// (half-closed at its end), and exit with the process's exit code. With -it, an interactive
// terminal (raw, resized with ours; the detach keys leave the process running). A process that
// cannot be run exits 127 (not found) or 126, as with Docker.
import { Command } from "commander";
import type { Channel } from "../../api/client.ts";
import { BosunError, isErrorCode } from "../../api/errors.ts";
import { AttachSession } from "../attach-session.ts";
import { clientFor } from "../context.ts";
import { ExitWith, UsageError } from "../failure.ts";
import { collect } from "../flags.ts";
import { write } from "../output.ts";
import {
  DEFAULT_DETACH_KEYS,
  onResize,
  parseDetachKeys,
  rawMode,
  requireTerminalInput,
  windowSize,
} from "../terminal.ts";
import { execFailureCode } from "./run.ts";

interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  detachKeys: string;
  env?: string[];
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    // A bare KEY copies it from here, as `run -e` does.
    if (eq === 0) throw new UsageError(`-e ${p}: expected KEY=VALUE`);
    if (eq < 0) {
      const v = process.env[p];
      if (v !== undefined) env[p] = v;
    } else env[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return env;
}

/** The exec id from a detached session's exec-start message (the daemon closes it after that). */
function detached(channel: Channel, ref: string): Promise<number> {
  return new Promise((resolve, reject) => {
    channel.onMessage((data) => {
      if (typeof data !== "string") return;
      const msg = JSON.parse(data) as { type?: string; id?: number; code?: string; message?: string };
      if (msg.type === "exec-start") resolve(Number(msg.id));
      else if (msg.type === "error") {
        const code = isErrorCode(msg.code) ? msg.code : "internal";
        const err = new BosunError(code, msg.message ?? "exec failed");
        reject(code === "exec_failed" ? new ExitWith(execFailureCode(err.message), err) : err);
      }
    });
    channel.onClose((code, reason) =>
      reject(new BosunError("internal", `exec in ${ref}: the daemon closed the session (${reason || code})`)),
    );
  });
}

export function execCommand(): Command {
  return new Command("exec")
    .description("run a process in a running container and exit with its exit code")
    .argument("<container>", "name or id")
    .argument("<command...>", "the command and its arguments")
    .option("-i, --interactive", "pipe stdin to the process, half-closed at its end")
    .option("-t, --tty", "give the process a terminal (with -i: an interactive one)")
    .option("--detach-keys <keys>", "the keys that detach from a terminal (-it)", DEFAULT_DETACH_KEYS)
    .option("-d, --detach", "print the exec id once the process runs and return; it runs on")
    .option("-e, --env <KEY=VALUE>", "set an environment variable (a bare KEY copies it from here)", collect)
    .passThroughOptions()
    .action(async (ref: string, words: string[], flags: ExecFlags, self: Command) => {
      // Options stop at the container (passThroughOptions), so the `--` after it arrives as a word.
      const command = words[0] === "--" ? words.slice(1) : words;
      if (command.length === 0) throw new UsageError("exec: a command is needed after the container");
      const env = parseEnv(flags.env ?? []);
      const detachKeys = parseDetachKeys(flags.detachKeys);
      const stdin = flags.interactive ?? false;
      const tty = flags.tty ?? false;
      if (tty && stdin && !flags.detach) requireTerminalInput("exec -it");
      const size = tty ? windowSize() : undefined;
      const client = clientFor(self);
      if (flags.detach) {
        const id = await detached(await client.exec(ref, { command, env, tty, size, detach: true }), ref);
        await write(process.stdout, `${id}\n`);
        return;
      }
      const channel = await client.exec(ref, { command, env, stdin, tty, size });
      const session = new AttachSession(channel, { stdout: process.stdout, stderr: process.stderr });
      const raw = tty && stdin;
      const restore = raw ? rawMode() : () => {};
      const stopResizing = tty ? onResize((s) => session.resize(s)) : () => {};
      try {
        if (stdin) session.pipeStdin(process.stdin, raw ? detachKeys : undefined);
        const end = await session.ended;
        if (end.kind === "exit") process.exitCode = end.exitCode;
        else if (end.kind === "closed")
          throw new BosunError(
            "internal",
            `exec in ${ref}: the daemon closed the session (${end.reason || end.code})`,
          );
      } catch (e) {
        if (e instanceof BosunError && e.code === "exec_failed")
          throw new ExitWith(execFailureCode(e.message), e);
        throw e;
      } finally {
        stopResizing();
        restore();
        session.close();
      }
    });
}
