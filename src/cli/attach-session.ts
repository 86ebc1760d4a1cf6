// One attach session: the container's output frames go to our stdout and stderr, our stdin goes
// to the container, and the session ends at the first exit the daemon reports (or when the
// channel closes without one). Used by `run`, `start -a` and `attach`.
import type { AttachControl, Channel } from "../api/client.ts";
import { STDERR, STDOUT } from "../api/client.ts";
import { BosunError, isErrorCode } from "../api/errors.ts";
import { DetachScanner, type WindowSize } from "./terminal.ts";

export type AttachEnd =
  | { kind: "exit"; exitCode: number; reason: string | null }
  | { kind: "closed"; code: number; reason: string }
  | { kind: "detached" };

interface Sink {
  write(chunk: Uint8Array): unknown;
}

interface Source {
  on(event: "data", cb: (chunk: Buffer | string) => void): unknown;
  on(event: "end" | "error", cb: () => void): unknown;
  removeAllListeners(event: "data" | "end" | "error"): unknown;
  pause(): unknown;
}

const CLOSE_STDIN = JSON.stringify({ type: "close-stdin" });

export class AttachSession {
  /** The first exit of the container, or the channel's close if none came. */
  readonly ended: Promise<AttachEnd>;
  private stdin: Source | undefined;
  private endWith: (end: AttachEnd) => void = () => {};

  constructor(
    private readonly channel: Channel,
    private readonly out: { stdout: Sink; stderr: Sink },
  ) {
    this.ended = new Promise((resolve, reject) => {
      this.endWith = resolve;
      channel.onMessage((data) => {
        if (typeof data !== "string") {
          if (data[0] === STDOUT) out.stdout.write(data.subarray(1));
          else if (data[0] === STDERR) out.stderr.write(data.subarray(1));
          return;
        }
        const msg = parseControl(data);
        if (msg?.type === "exit") resolve({ kind: "exit", exitCode: msg.exitCode, reason: msg.reason });
        else if (msg?.type === "stdin-closed") this.stopStdin();
        else if (msg?.type === "error") {
          reject(new BosunError(isErrorCode(msg.code) ? msg.code : "internal", msg.message));
        }
      });
      channel.onClose((code, reason) => resolve({ kind: "closed", code, reason }));
    });
    // Nobody awaits `ended` when starting the container failed first; its failure (the daemon
    // saying "removed", say) must not then crash the CLI as an unhandled rejection.
    void this.ended.catch(() => {});
  }

  /**
   * Sends `stdin` to the container, and the end of stdin when it ends. With `detachKeys`, that
   * sequence is not sent: it ends the session as `detached`, and the container runs on.
   */
  pipeStdin(stdin: Source, detachKeys?: Buffer): void {
    this.stdin = stdin;
    const scanner = detachKeys ? new DetachScanner(detachKeys) : undefined;
    stdin.on("data", (chunk) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      if (!scanner) {
        this.channel.send(bytes);
        return;
      }
      const { forward, detach } = scanner.scan(bytes);
      if (forward.length > 0) this.channel.send(forward);
      if (detach) {
        // The container's prompt stays on its line; the shell we return to starts a new one.
        this.out.stdout.write(Buffer.from("\r\n"));
        this.stopStdin();
        this.endWith({ kind: "detached" });
      }
    });
    const end = () => {
      this.channel.send(CLOSE_STDIN);
      this.stopStdin();
    };
    stdin.on("end", end);
    stdin.on("error", end);
  }

  /** Tells the container's terminal (or the exec's) its new size. */
  resize(size: WindowSize): void {
    this.channel.send(JSON.stringify({ type: "resize", rows: size.rows, cols: size.cols }));
  }

  close(): void {
    this.stopStdin();
    this.channel.close();
  }

  private stopStdin(): void {
    if (!this.stdin) return;
    this.stdin.removeAllListeners("data");
    this.stdin.removeAllListeners("end");
    this.stdin.removeAllListeners("error");
    this.stdin.pause();
    this.stdin = undefined;
  }
}

function parseControl(text: string): AttachControl | undefined {
  try {
    return JSON.parse(text) as AttachControl;
  } catch {
    return undefined;
  }
}
