// A container in the foreground: stream its output, forward signals, pipe stdin, and come back
// with its exit code. Shared by `run`, `start -a` and `attach`.
import type { BosunClient, Channel } from "../api/client.ts";
import { AttachSession } from "./attach-session.ts";
import { forwardSignals } from "./signal-forwarding.ts";

export interface ForegroundOptions {
  /** Pipe the CLI's stdin to the container (`-i`). */
  stdin: boolean;
  /** Starts the container once the session listens, so no output is missed (run, start -a). */
  start?: () => Promise<void>;
}

export async function foreground(
  client: BosunClient,
  ref: string,
  channel: Channel,
  opts: ForegroundOptions,
): Promise<number> {
  const session = new AttachSession(channel, { stdout: process.stdout, stderr: process.stderr });
  const stopForwarding = forwardSignals(client, ref);
  try {
    await opts.start?.();
    // Stdin flows only once the process exists: bytes read before would have nowhere to go.
    if (opts.stdin) session.pipeStdin(process.stdin);
    const end = await session.ended;
    if (end.kind === "exit") return end.exitCode;
    // The channel closed without telling us the exit: ask the daemon how the container ended.
    return (await client.wait(ref)).exitCode;
  } finally {
    stopForwarding();
    session.close();
  }
}
