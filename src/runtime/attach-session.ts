// One attach client: a WebSocket on one side, its own connection to the shim on the other.
// Output frames become binary messages with a stream byte; stdin flows back with half-close.
// A session opened on a created container waits (and keeps what it is sent) until the shim
// exists, so a foreground `run` never misses the first output or its first stdin bytes.
import type { WebSocket } from "ws";
import { STDERR, STDOUT } from "../api/client.ts";
import { describeIssues, ResizeMessage } from "../api/schemas.ts";
import { ShimConnection, type ShimEvent } from "./shim-protocol.ts";

const HIGH_WATER = 4 * 1024 * 1024;

export interface AttachOptions {
  stdin: boolean;
  tail: number | undefined;
}

export class AttachSession {
  protected conn: ShimConnection | undefined;
  private readonly queued: (() => void)[] = [];
  private ended = false;
  private markDone: () => void = () => {};
  /** Resolves when the session has ended, for whatever reason. */
  readonly done = new Promise<void>((resolve) => {
    this.markDone = resolve;
  });

  constructor(
    protected readonly ws: WebSocket,
    private readonly opts: AttachOptions,
    private readonly onEnd: () => void,
  ) {
    ws.on("message", (data, isBinary) => this.fromClient(data as Buffer, isBinary));
    ws.on("close", () => this.end());
    ws.on("error", () => this.end());
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get isConnected(): boolean {
    return this.conn !== undefined && !this.conn.isClosed;
  }

  /**
   * Connects to the shim's control socket; called at once, or at start for a created container.
   * `onShimClosed` runs when the shim ends this connection: the runtime knows whether that was
   * the container's end (and finishes the session with the real exit) or a dropped reader.
   */
  async connect(socketPath: string, onShimClosed: () => void): Promise<void> {
    if (this.ended) return;
    const conn = await ShimConnection.open(socketPath, {
      onOutput: (stream, data) => this.output(stream, data),
      onEvent: (ev) => this.event(ev),
      onClose: () => {
        if (!this.ended) onShimClosed();
      },
    });
    this.conn = conn;
    const replies = this.handshake(conn);
    for (const q of this.queued.splice(0)) q();
    await replies;
  }

  /** The first frames on the connection; queued stdin follows them (an exec session overrides). */
  protected handshake(conn: ShimConnection): Promise<unknown> {
    const words = ["stdout", "stderr"];
    if (this.opts.stdin) words.push("stdin");
    if (this.opts.tail) words.push(`tail=${this.opts.tail}`);
    // Attach and subscribe in one go, before any queued stdin can make the process exit:
    // the shim handles frames in order, so no output and no exit event falls in between.
    return Promise.all([conn.request("A", words.join(" ")), conn.request("W")]);
  }

  /** Ends the session with a final exit message (used when the container ends without a shim event). */
  finish(msg: { type: "exit"; exitCode: number; reason: string | null; final: boolean }): void {
    if (this.ended) return;
    this.sendJson(msg);
    this.ws.close(1000, "container exited");
    this.end();
  }

  fail(code: string, message: string): void {
    if (this.ended) return;
    this.sendJson({ type: "error", code, message });
    this.ws.close(1011, message.slice(0, 120));
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.outlivesClient()) this.conn?.close();
    this.onEnd();
    this.markDone();
  }

  /** Called once, when the session ends: true keeps the shim connection (an exec'd process runs on). */
  protected outlivesClient(): boolean {
    return false;
  }

  protected output(stream: "stdout" | "stderr", data: Buffer): void {
    if (this.ended) return; // a kept connection's output has nobody to go to
    const msg = Buffer.allocUnsafe(data.length + 1);
    msg[0] = stream === "stdout" ? STDOUT : STDERR;
    data.copy(msg, 1);
    this.ws.send(msg, { binary: true }, () => {
      if (this.ws.bufferedAmount < HIGH_WATER) this.conn?.resume();
    });
    // A slow client slows only its own stream; the shim drops it if it falls too far behind.
    if (this.ws.bufferedAmount >= HIGH_WATER) this.conn?.pause();
  }

  protected event(ev: ShimEvent): void {
    if (ev.type !== "exit") return;
    const msg = {
      type: "exit" as const,
      exitCode: Number(ev.exitCode),
      reason: typeof ev.reason === "string" ? ev.reason : null,
      final: ev.final === true,
    };
    if (msg.final) this.finish(msg);
    else this.sendJson(msg);
  }

  private fromClient(data: Buffer, isBinary: boolean): void {
    const action = isBinary ? this.stdinAction(data) : this.controlAction(data.toString());
    if (!action) return;
    if (this.conn) action();
    else this.queued.push(action);
  }

  private stdinAction(data: Buffer): (() => void) | undefined {
    return this.opts.stdin ? () => this.conn?.send("I", data) : undefined;
  }

  /** A text message: close-stdin, or resize (taken from any client, as Docker's resize is). */
  private controlAction(text: string): (() => void) | undefined {
    let msg: { type?: unknown };
    try {
      msg = JSON.parse(text) as { type?: unknown };
    } catch {
      this.fail("bad_request", "attach: a text message must be JSON");
      return undefined;
    }
    if (msg.type === "resize") {
      const size = ResizeMessage.safeParse(msg);
      if (!size.success) {
        this.fail("bad_request", `attach: resize: ${describeIssues(size.error)}`);
        return undefined;
      }
      return () => this.conn?.send("Z", `${size.data.rows} ${size.data.cols}`);
    }
    if (msg.type !== "close-stdin" || !this.opts.stdin) return undefined;
    return () => {
      this.conn?.send("C");
      this.sendJson({ type: "stdin-closed" });
    };
  }

  protected sendJson(msg: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }
}
