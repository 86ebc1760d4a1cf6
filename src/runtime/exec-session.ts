// One exec client: like an attach session (binary output frames, stdin with half-close, a final
// {"type":"exit"} message), but its shim connection carries an X command, so what flows is the
// exec'd process's, and the end is that process's exec-exit event, never the container's exit.
import type { WebSocket } from "ws";
import { AttachSession } from "./attach-session.ts";
import { encodeExec, type ShimConnection, type ShimEvent, type WindowSize } from "./shim-protocol.ts";

export interface ExecOptions {
  command: string[];
  env: Record<string, string>;
  stdin: boolean;
  /** Answer exec-start, then close the WebSocket; the process runs on (`exec -d`). */
  detach: boolean;
  /** A pty for the process, of this size from the start. */
  tty: boolean;
  size: WindowSize | undefined;
}

/** The process's exec-start (made from the X reply) and exec-exit, as the shim's events say. */
export type ExecEvents = (ev: ShimEvent) => void;

export class ExecSession extends AttachSession {
  private info: { id: number; pid: number } | undefined;
  private exited = false;
  /** What the shim sent after the X reply but before its promise settled (same read). */
  private early: (() => void)[] | undefined = [];

  constructor(
    ws: WebSocket,
    private readonly exec: ExecOptions,
    onEnd: () => void,
    private readonly onExecEvent: ExecEvents,
  ) {
    super(ws, { stdin: exec.stdin, tail: undefined }, onEnd);
  }

  protected override async handshake(conn: ShimConnection): Promise<unknown> {
    const { command, env, tty, size } = this.exec;
    const reply = await conn.request("X", encodeExec(command, env, { tty, size }));
    const [, id, pid] = reply.split(" ");
    this.info = { id: Number(id), pid: Number(pid) };
    this.onExecEvent({ type: "exec-start", ...this.info, command, tty });
    this.sendJson({ type: "exec-start", id: this.info.id, pid: this.info.pid });
    if (this.exec.detach) this.ws.close(1000, "detached");
    const early = this.early ?? [];
    this.early = undefined;
    for (const f of early) f();
    return reply;
  }

  /** Stops listening to the shim (the daemon shuts down, or the container ended). */
  release(): void {
    this.exited = true;
    this.conn?.close();
  }

  // A client that left (or detached) leaves the process running; the daemon keeps listening for
  // its exec-exit, so inspect and the exec_die event stay true. Its stdin ends, as the shim's
  // would if this connection went: nothing will ever write to it again.
  protected override outlivesClient(): boolean {
    const runs = this.info !== undefined && !this.exited;
    if (runs) this.conn?.send("C");
    return runs;
  }

  // The reply settles a promise, so frames read with it are handled first: they wait until
  // exec-start has gone out, which keeps the order start, output, exit.
  protected override output(stream: "stdout" | "stderr", data: Buffer): void {
    if (this.early) this.early.push(() => super.output(stream, data));
    else super.output(stream, data);
  }

  protected override event(ev: ShimEvent): void {
    if (this.early) {
      this.early.push(() => this.event(ev));
      return;
    }
    if (ev.type !== "exec-exit" || !this.info || ev.id !== this.info.id) return;
    const exitCode = Number(ev.exitCode);
    this.exited = true;
    this.onExecEvent(ev);
    if (this.isEnded) this.conn?.close();
    else this.finish({ type: "exit", exitCode, reason: "exited", final: true });
  }
}
