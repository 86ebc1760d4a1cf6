// A container in the foreground: stream its output, forward signals, pipe stdin, and come back
// with its exit code. Shared by `run`, `start -a` and `attach`. With a terminal (`-t`), the
// local one goes raw and follows the container's size, and the detach keys leave it running.
import type { BosunClient, Channel } from "../api/client.ts";
import { AttachSession } from "./attach-session.ts";
import { forwardSignals } from "./signal-forwarding.ts";
import { onResize, rawMode, windowSize } from "./terminal.ts";

export interface ForegroundOptions {
  /** Pipe the CLI's stdin to the container (`-i`). */
  stdin: boolean;
  /** The container has a terminal: raw mode (with stdin), window size, detach keys. */
  tty?: { detachKeys: Buffer };
  /** Starts the container once the session listens, so no output is missed (run, start -a). */
  start?: () => Promise<void>;
}

/** The container's exit code, or `detached`: the user left it running. */
export type ForegroundEnd = { exitCode: number } | { detached: true };

export async function foreground(
  client: BosunClient,
  ref: string,
  channel: Channel,
  opts: ForegroundOptions,
): Promise<ForegroundEnd> {
  const session = new AttachSession(channel, { stdout: process.stdout, stderr: process.stderr });
  // Raw, the terminal sends Ctrl-C as a byte to the container's pty, not as SIGINT to us.
  const raw = opts.tty !== undefined && opts.stdin && process.stdin.isTTY === true;
  const stopForwarding = raw ? () => {} : forwardSignals(client, ref);
  const size = opts.tty ? windowSize() : undefined;
  // Sent before the start: the process finds its size from its first instruction.
  if (size) session.resize(size);
  const stopResizing = opts.tty ? onResize((s) => session.resize(s)) : () => {};
  const restore = raw ? rawMode() : () => {};
  try {
    await opts.start?.();
    // Stdin flows only once the process exists: bytes read before would have nowhere to go.
    if (opts.stdin) session.pipeStdin(process.stdin, raw ? opts.tty?.detachKeys : undefined);
    const end = await session.ended;
    if (end.kind === "detached") return { detached: true };
    if (end.kind === "exit") return { exitCode: end.exitCode };
    // The channel closed without telling us the exit: ask the daemon how the container ended.
    return { exitCode: (await client.wait(ref)).exitCode };
  } finally {
    restore();
    stopResizing();
    stopForwarding();
    session.close();
  }
}
